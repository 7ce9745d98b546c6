import Foundation
import TestSupport
import Testing

/// Decodes `geomap info --json` output into a dictionary.
func infoJSON(_ path: String) throws -> [String: Any] {
    let result = try runGeomap(["info", path, "--json"])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    return try #require(object as? [String: Any])
}

@Suite("geomap info on rasters")
struct InfoRasterTests {
    var region: String { TestPaths.samples.appendingPathComponent("region.tif").path }

    @Test("text report of samples/region.tif: size, CRS, geotransform, bounds, bands")
    func regionText() throws {
        let result = try runGeomap(["info", region])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("Size: 400 × 300 pixels, 7 bands"))
        #expect(lines.contains("CRS: EPSG:32634 (WGS 84 / UTM zone 34N), unit metre"))
        #expect(lines.contains("Geotransform: [455015, 30, 0, 4968015, 0, -30]"))
        #expect(lines.contains("Bounds (cell edges): x 455015 … 467015, y 4959015 … 4968015"))
        #expect(lines.contains { $0.hasPrefix("Bounds (lon/lat): x 20.43") })
        #expect(lines.contains { $0.hasPrefix("Date: 2017-06-13") })
        #expect(
            lines.contains { $0.hasPrefix("  4: UInt16 nodata=0") && $0.hasSuffix("\"SR_B4\"") })
    }

    @Test("JSON report of samples/region.tif, field by field")
    func regionJSON() throws {
        let info = try infoJSON(region)
        #expect(info["kind"] as? String == "raster")
        #expect(info["width"] as? Int == 400 && info["height"] as? Int == 300)
        #expect(info["band_count"] as? Int == 7)
        let crs = try #require(info["crs"] as? [String: Any])
        #expect(crs["epsg"] as? Int == 32634)
        #expect(crs["name"] as? String == "WGS 84 / UTM zone 34N")
        #expect(crs["is_geographic"] as? Bool == false)
        #expect(info["geotransform"] as? [Double] == [455015, 30, 0, 4_968_015, 0, -30])
        let bounds = try #require(info["bounds"] as? [String: Double])
        #expect(
            bounds == ["min_x": 455015, "min_y": 4_959_015, "max_x": 467015, "max_y": 4_968_015])
        let lonLat = try #require(info["lon_lat_bounds"] as? [String: Double])
        #expect(abs(lonLat["min_x"]! - 20.4306) < 1e-3 && abs(lonLat["max_y"]! - 44.8648) < 1e-3)
        let bands = try #require(info["bands"] as? [[String: Any]])
        #expect(bands.count == 7)
        #expect(bands.map { $0["description"] as? String } == (1...7).map { "SR_B\($0)" })
        #expect(bands.allSatisfy { $0["dtype"] as? String == "UInt16" })
        #expect(bands.allSatisfy { $0["nodata"] as? Double == 0 })
        #expect(bands.allSatisfy { $0["scale"] as? Double == 1 && $0["offset"] as? Double == 0 })
        #expect(bands[0]["block_width"] as? Int == 256)
    }

    @Test("class raster sample: palette colour interpretation and class names")
    func labels() throws {
        let path = TestPaths.samples.appendingPathComponent("region.labels.tif").path
        let info = try infoJSON(path)
        let band = try #require((info["bands"] as? [[String: Any]])?.first)
        #expect(band["dtype"] as? String == "Byte")
        #expect(band["color_interpretation"] as? String == "Palette")
        let categories = try #require(band["categories"] as? [String])
        #expect(categories.starts(with: ["nodata", "water", "forest"]))
    }

    @Test("static sample rasters report EPSG:3035, Float32 and nodata -9999")
    func staticRasters() throws {
        let directory = TestPaths.samples.appendingPathComponent("static")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".tif") }
        #expect(!files.isEmpty)
        for file in files {
            let info = try infoJSON(directory.appendingPathComponent(file).path)
            #expect((info["crs"] as? [String: Any])?["epsg"] as? Int == 3035, "\(file)")
            let band = try #require((info["bands"] as? [[String: Any]])?.first)
            #expect(band["dtype"] as? String == "Float32" && band["nodata"] as? Double == -9999)
        }
    }

    @Test("absent facts are JSON null, never missing keys (stable keys for scripts)")
    func absentFactsAreNull() throws {
        // The static rasters carry no acquisition date.
        let info = try infoJSON(
            TestPaths.samples.appendingPathComponent("static/slope.tif").path)
        #expect(info.keys.contains("date"))
        #expect(info["date"] is NSNull)
        for key in ["crs", "geotransform", "lon_lat_bounds", "bounds", "bands"] {
            #expect(info[key] != nil && !(info[key] is NSNull), "\(key)")
        }
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A netpbm image: pixels only, no CRS, no geotransform, no nodata.
        let plain = dir.appendingPathComponent("plain.pgm")
        try (Data("P5\n2 2\n255\n".utf8) + Data([0, 1, 2, 3])).write(to: plain)
        let bare = try infoJSON(plain.path)
        for key in ["crs", "geotransform", "lon_lat_bounds"] {
            #expect(bare.keys.contains(key) && bare[key] is NSNull, "\(key)")
        }
        let band = try #require((bare["bands"] as? [[String: Any]])?.first)
        #expect(band.keys.contains("nodata") && band["nodata"] is NSNull)
    }

    @Test(
        "real BigEarthNet tiles: EPSG:326xx, 7 UInt16 bands, bounds consistent with the grid",
        .enabled(if: TestPaths.bigEarthNetImages != nil, "\(TestPaths.sharedAbsentMessage)"))
    func realTiles() throws {
        let directory = try #require(TestPaths.bigEarthNetImages)
        let tiles = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".tif") }.sorted().prefix(4)
        for tile in tiles {
            let info = try infoJSON(directory.appendingPathComponent(tile).path)
            let epsg = try #require((info["crs"] as? [String: Any])?["epsg"] as? Int)
            #expect((32601...32660).contains(epsg))
            #expect(info["band_count"] as? Int == 7)
            let bands = try #require(info["bands"] as? [[String: Any]])
            #expect(bands.allSatisfy { $0["dtype"] as? String == "UInt16" })
            let gt = try #require(info["geotransform"] as? [Double])
            let bounds = try #require(info["bounds"] as? [String: Double])
            let width = Double(try #require(info["width"] as? Int))
            #expect(bounds["min_x"] == gt[0] && bounds["max_x"] == gt[0] + width * gt[1])
            let lonLat = try #require(info["lon_lat_bounds"] as? [String: Double])
            #expect(lonLat["min_y"]! > 30 && lonLat["max_y"]! < 72)  // Europe
        }
    }
}
