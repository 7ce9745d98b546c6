import Foundation
import GeoRaster
import Models
import Tensor
import TestSupport
import Testing

/// MoE-MAE preprocessing on the real BigEarthNet-Landsat tiles, against the reference table of
/// `../shared/docs/reference/moe-mae.md` §6.1 (raw crop[:,0,0], z crop[:,0,0], per-band mean of
/// z over the crop, metadata 8-vector). Skipped when ../shared is absent.
@Suite("MoE-MAE preprocessing of the real tiles (spec §6.1)")
struct MoEMAERealTilesTests {
    struct Row {
        let name: String
        let raw: [Float]
        let z: [Float]
        let meanZ: [Float]
        let meta: [Float]
        let latitude: Double
        let longitude: Double
    }

    static let rows: [Row] = [
        Row(
            name: "S2A_MSIL2A_20170613T101031_11_66",
            raw: [7614, 7609, 7968, 7537, 7663, 7602, 7515],
            z: [-0.29772, -0.33479, -0.42088, -0.47913, -1.34014, -1.19763, -0.98425],
            meanZ: [-0.22923, -0.25172, -0.30016, -0.34855, -0.70365, -0.73653, -0.70022],
            meta: [
                0.239316, -0.970942, 0.258819, 0.965926,
                0.893456, 0.449152, 0.362844, 0.931850,
            ],
            latitude: 63.310729, longitude: 21.274977),
        Row(
            name: "S2B_MSIL2A_20180525T94030_78_30",
            raw: [20918, 20833, 21138, 21707, 20842, 8177, 7935],
            z: [1.91359, 1.83469, 1.83447, 1.85588, 0.76129, -1.06253, -0.85010],
            meanZ: [0.60175, 0.66300, 0.77857, 0.73061, 0.37459, -0.84885, -0.74275],
            meta: [
                0.568065, -0.822984, 0.707107, -0.707107,
                0.889328, 0.457270, 0.482460, 0.875918,
            ],
            latitude: 62.788909, longitude: 28.846203),
        Row(
            name: "S2A_MSIL2A_20171002T094031_73_7",
            raw: [8962, 9701, 11037, 12120, 15794, 19868, 17790],
            z: [-0.07367, 0.00842, 0.10469, 0.27608, -0.04363, 1.68438, 2.29768],
            meanZ: [-0.12628, -0.06936, 0.01913, 0.12857, 0.16884, 1.32129, 1.63091],
            meta: [
                -0.992709, 0.120537, 0.0, 1.0,
                0.718897, 0.695117, 0.334746, 0.942308,
            ],
            latitude: 45.963462, longitude: 19.557103),
        Row(
            name: "S2A_MSIL2A_20170617T113321_76_24",
            raw: [7105, 7442, 9267, 8571, 19531, 13340, 10453],
            z: [-0.38232, -0.36218, -0.19842, -0.30874, 0.55225, 0.15057, -0.04583],
            meanZ: [-0.17175, -0.18608, -0.13751, -0.22287, 0.83436, 0.26691, -0.01621],
            meta: [
                0.239316, -0.970942, 0.258819, 0.965926,
                0.798121, 0.602498, -0.107043, 0.994254,
            ],
            latitude: 52.951007, longitude: -6.144897),
        Row(
            name: "S2A_MSIL2A_20170704T112111_85_65",
            raw: [8631, 9289, 10783, 11970, 17098, 17502, 13993],
            z: [-0.12868, -0.05917, 0.06119, 0.25137, 0.16430, 1.12847, 1.08488],
            meanZ: [-0.14076, -0.07715, 0.02446, 0.16447, 0.22419, 0.95474, 0.91303],
            meta: [
                -0.120537, -0.992709, 0.258819, 0.965926,
                0.629809, 0.776750, -0.135971, 0.990713,
            ],
            latitude: 39.036002, longitude: -7.814777),
    ]

    func close(_ a: [Float], _ b: [Float], _ tolerance: Float) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test(
        "centre crop, z-score and per-band means match the reference table",
        .enabled(if: TestPaths.bigEarthNetImages != nil, "\(TestPaths.sharedAbsentMessage)"))
    func preprocessing() throws {
        let images = try #require(TestPaths.bigEarthNetImages)
        for row in Self.rows {
            let raster = try Raster(opening: images.appendingPathComponent(row.name + ".tif").path)
            let (w, h) = (raster.grid.width, raster.grid.height)
            let block = try raster.read(window: raster.grid.fullWindow)
            let raw = Tensor(shape: [1, 7, h, w], scalars: block.values)
            let (top, left) = MoEMAEPreprocessing.centreCropOrigin(height: h, width: w)
            let firstRaw = (0..<7).map { raw[0, $0, top, left] }
            #expect(firstRaw == row.raw, "\(row.name) raw")
            let z = try MoEMAEPreprocessing.normalise(raw: raw)
            #expect(z.shape == [1, 7, 40, 40])
            #expect(close((0..<7).map { z[0, $0, 0, 0] }, row.z, 6e-6), "\(row.name) z")
            let means = (0..<7).map { band -> Float in
                var sum: Double = 0
                for y in 0..<40 { for x in 0..<40 { sum += Double(z[0, band, y, x]) } }
                return Float(sum / 1600)
            }
            #expect(close(means, row.meanZ, 6e-6), "\(row.name) mean z \(means)")
        }
    }

    @Test("metadata from the patch names (ISO week, compat hour) and the tile centres")
    func metadata() throws {
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = TimeZone(identifier: "UTC")
        parser.dateFormat = "yyyyMMdd"
        for row in Self.rows {
            let stamp = row.name.split(separator: "_")[2]
            let day = try #require(parser.date(from: String(stamp.prefix(8))))
            let hour = try #require(MoEMAEPreprocessing.hourCode(bigEarthNetName: row.name))
            let meta = MoEMAEPreprocessing.metadata(
                isoWeek: MoEMAEPreprocessing.isoWeek(of: day), hourCode: hour,
                latitude: row.latitude, longitude: row.longitude)
            #expect(close(meta, row.meta, 1.5e-6), "\(row.name) \(meta)")
        }
        // The compat hour code from a full timestamp: 09:40 → 0, 11:33 → 1.
        #expect(MoEMAEPreprocessing.compatibleHour(utcHour: 9) == 0)
        #expect(MoEMAEPreprocessing.compatibleHour(utcHour: 11) == 1)
        #expect(MoEMAEPreprocessing.compatibleHour(utcHour: 23) == 2)
        let winter = "S2A_MSIL2A_20171208T093351_82_79"
        #expect(MoEMAEPreprocessing.hourCode(bigEarthNetName: winter) == 0)
        #expect(MoEMAEPreprocessing.hourCode(bigEarthNetName: "not-a-name") == nil)
        // A full ISO date in compat mode: 2017-06-13T10:10:32Z is ISO week 24, hour code 1.
        let iso = ISO8601DateFormatter()
        let date = try #require(iso.date(from: "2017-06-13T10:10:32Z"))
        let full = MoEMAEPreprocessing.metadata(
            date: date, latitude: 63.310729, longitude: 21.274977)
        #expect(close(full, Self.rows[0].meta, 1.5e-6))
    }

    @Test("normalise refuses a wrong band count and a tile smaller than 40×40")
    func badInput() {
        #expect(throws: MoEMAEError.self) {
            try MoEMAEPreprocessing.normalise(raw: Tensor(zeros: [1, 4, 40, 40]))
        }
        #expect(throws: MoEMAEError.self) {
            try MoEMAEPreprocessing.normalise(raw: Tensor(zeros: [1, 7, 39, 45]))
        }
    }
}
