package import Foundation
import GeoRaster

/// Reads acquisition instants from `--date` and from raster metadata.
///
/// Accepted forms (all read as UTC unless they carry an offset):
/// `2017-06-13T10:10:32Z`, `2017-06-13T10:10:32.5Z`, `2017-06-13T12:10:32+02:00`,
/// `2017-06-13T10:10:32` (no zone: UTC), `2017-06-13 10:10:32`, TIFF's `2017:06:13 10:10:32`,
/// and a bare date `2017-06-13` (00:00 UTC, so the hour token is 0).
package enum AcquisitionDate {
    /// Parses `text`.
    /// - Parameter source: where the text came from, for the error (`--date`, a file name…).
    /// - Throws: ``TilePredictionError/badDate(text:source:)``.
    package static func parse(_ text: String, source: String) throws(TilePredictionError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = iso8601(trimmed) { return date }
        for pattern in patterns {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = pattern
            if let date = formatter.date(from: trimmed) { return date }
        }
        throw .badDate(text: text, source: source)
    }

    private static let patterns = [
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy:MM:dd HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd",
    ]

    private static func iso8601(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// The acquisition instant: `--date` when given, else the date `metadata` records
    /// (``GeoRaster/RecordedDate``), else the date of a Landsat Collection 2 product id
    /// starting the file name (``LandsatProduct/productDate(_:)``, 00:00 UTC).
    /// - Returns: `nil` when neither is present.
    /// - Throws: ``TilePredictionError/badDate(text:source:)`` for an unreadable value.
    package static func resolve(
        option: String?, metadata: [String: String], path: String
    ) throws(TilePredictionError) -> Date? {
        if let option { return try parse(option, source: "--date") }
        if let (key, value) = RecordedDate.find(in: metadata) {
            return try parse(value, source: "\(path) (\(key))")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard let day = LandsatProduct.productDate(name) else { return nil }
        return try parse(day, source: "\(path) (product id)")
    }
}
