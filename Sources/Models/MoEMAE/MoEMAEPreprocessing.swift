package import Foundation
package import Tensor

/// Input preparation for MoE-MAE (spec §1.2 and §1.4): centre crop, per-band z-score with the
/// model's constants, and the metadata encodings.
package enum MoEMAEPreprocessing {
    /// BigEarthNet-L band means in DN (the repository's 3-decimal literals as float32).
    package static let bigEarthNetMean: [Float] = [
        9405.194, 9649.677, 10425.686, 10444.589, 16067.627, 12699.184, 10596.475,
    ]
    /// BigEarthNet-L band standard deviations in DN (float32 of the repository literals).
    package static let bigEarthNetStd: [Float] = [
        6016.344, 6095.472, 5839.462, 6068.493, 6271.440, 4256.046, 3130.776,
    ]
    /// Landsat-8 Collection-2 Level-2 surface-reflectance bands, in model channel order.
    package static let bandNames = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"]

    /// The top-left corner of a centred `size`×`size` window in an `height`×`width` image,
    /// with floor offsets (a 41-pixel side drops its last row/column; 45 → offset 2).
    package static func centreCropOrigin(height: Int, width: Int, size: Int = 40)
        -> (top: Int, left: Int)
    {
        ((height - size) / 2, (width - size) / 2)
    }

    /// Centre crop then z-score: `(x − mean_b) / std_b` in float32, subtracting first.
    /// - Parameters:
    ///   - raw: `[B, C, H, W]` raw digital numbers (H, W ≥ size).
    ///   - mean, std: `[C]` per-band constants.
    /// - Returns: `[B, C, size, size]`.
    /// - Throws: ``MoEMAEError/badInput(_:)`` for a wrong rank, band count or a tile smaller
    ///   than `size`.
    package static func normalise(
        raw: Tensor, mean: [Float] = bigEarthNetMean, std: [Float] = bigEarthNetStd,
        size: Int = 40
    ) throws -> Tensor {
        guard raw.rank == 4 else {
            throw MoEMAEError.badInput("raw tiles have shape \(raw.shape), expected [B, C, H, W]")
        }
        let (b, c, h, w) = (raw.shape[0], raw.shape[1], raw.shape[2], raw.shape[3])
        guard c == mean.count, c == std.count else {
            throw MoEMAEError.badInput("\(c) bands, but normalisation has \(mean.count)")
        }
        guard h >= size, w >= size else {
            throw MoEMAEError.badInput("tile \(w)×\(h) px is smaller than \(size)×\(size)")
        }
        let (top, left) = centreCropOrigin(height: h, width: w, size: size)
        var out = Tensor(zeros: [b, c, size, size])
        raw.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<b {
                    for band in 0..<c {
                        let (mu, sigma) = (mean[band], std[band])
                        let s = src.baseAddress! + ((i * c + band) * h + top) * w + left
                        let d = dst.baseAddress! + (i * c + band) * size * size
                        for y in 0..<size {
                            for x in 0..<size { d[y * size + x] = (s[y * w + x] - mu) / sigma }
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: Metadata

    /// `[sin θ, cos θ]` computed in Double, stored as Float.
    static func circle(_ theta: Double) -> [Float] { [Float(sin(theta)), Float(cos(theta))] }

    /// Week token angle θ = ISO week · 2π / 52 (week 52 wraps to 0, as upstream).
    package static func weekPair(isoWeek: Int) -> [Float] {
        circle(Double(isoWeek) * 2 * .pi / 52)
    }

    /// Hour token angle θ = hour · 2π / 24 for an hour CODE (see ``compatibleHour(utcHour:)``).
    package static func hourPair(hourCode: Int) -> [Float] {
        circle(Double(hourCode) * 2 * .pi / 24)
    }

    /// The hour code the published model was trained with ("compat" mode): upstream parses the
    /// first 10 characters of `YYYYMMDDTHHMMSS`, so Python's `%H` reads ONE digit: the tens
    /// digit of the UTC hour (0 for 09 h, 1 for 10–19 h, 2 for 20–23 h). An honest hour such as
    /// 10 is out of distribution for the published checkpoint.
    package static func compatibleHour(utcHour: Int) -> Int { utcHour / 10 }

    /// The hour code upstream derives from a BigEarthNet patch name
    /// (`S2A_MSIL2A_20170613T101031_11_66` → 1; a 5-digit time `…T94030_…` → 9).
    /// - Returns: `nil` when the name has no `YYYYMMDDTh…` third field.
    package static func hourCode(bigEarthNetName name: String) -> Int? {
        let fields = name.split(separator: "_")
        guard fields.count >= 3 else { return nil }
        let stamp = Array(fields[2])
        guard stamp.count >= 10, stamp[8] == "T", let digit = stamp[9].wholeNumberValue
        else { return nil }
        return digit
    }

    /// The ISO-8601 week (1…53) of an instant, in UTC (Monday first, 4-day minimum), as
    /// Python's `isocalendar()`.
    package static func isoWeek(of date: Date) -> Int {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.component(.weekOfYear, from: date)
    }

    /// The UTC hour of an instant.
    package static func utcHour(of date: Date) -> Int {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.component(.hour, from: date)
    }

    /// The metadata 8-vector [week sin, cos, hour sin, cos, lat sin, cos, lon sin, cos].
    /// - Parameters:
    ///   - isoWeek: ISO week 1…53.
    ///   - hourCode: the hour code (``compatibleHour(utcHour:)`` for the published weights).
    ///   - latitude, longitude: degrees (WGS 84), converted to radians.
    package static func metadata(isoWeek: Int, hourCode: Int, latitude: Double, longitude: Double)
        -> [Float]
    {
        weekPair(isoWeek: isoWeek) + hourPair(hourCode: hourCode)
            + circle(latitude * .pi / 180) + circle(longitude * .pi / 180)
    }

    /// The metadata 8-vector of an acquisition instant and a place, in compat mode (hour code =
    /// tens digit of the UTC hour).
    package static func metadata(date: Date, latitude: Double, longitude: Double) -> [Float] {
        metadata(
            isoWeek: isoWeek(of: date), hourCode: compatibleHour(utcHour: utcHour(of: date)),
            latitude: latitude, longitude: longitude)
    }
}
