import Foundation
import TestSupport
import Testing

@Suite("geomap convert")
struct ConvertTests {
    var region: String { TestPaths.samples.appendingPathComponent("region.tif").path }

    @Test("plain raster → COG keeps grid, CRS, bands and nodata; layout is COG")
    func plainCOG() throws {
        let output = try makeTemporaryDirectory().appendingPathComponent("region.cog.tif").path
        let result = try runGeomap(["convert", region, output, "--compress", "zstd"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let original = try infoJSON(region)
        let converted = try infoJSON(output)
        for key in ["width", "height", "band_count"] {
            #expect(converted[key] as? Int == original[key] as? Int)
        }
        #expect(converted["geotransform"] as? [Double] == original["geotransform"] as? [Double])
        #expect((converted["crs"] as? [String: Any])?["epsg"] as? Int == 32634)
        let bands = try #require(converted["bands"] as? [[String: Any]])
        #expect(bands.map { $0["description"] as? String } == (1...7).map { "SR_B\($0)" })
        #expect(
            bands.allSatisfy { $0["nodata"] as? Double == 0 && $0["dtype"] as? String == "UInt16" })
        #expect(bands.allSatisfy { $0["block_width"] as? Int == 512 })
    }

    @Test("class raster → COG keeps colours and class names, writes .aux.xml and .qml")
    func classCOG() throws {
        let directory = try makeTemporaryDirectory()
        let input = TestPaths.samples.appendingPathComponent("region.labels.tif").path
        let output = directory.appendingPathComponent("labels.tif").path
        let result = try runGeomap(["convert", input, output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let band = try #require((try infoJSON(output)["bands"] as? [[String: Any]])?.first)
        #expect(band["color_interpretation"] as? String == "Palette")
        #expect((band["categories"] as? [String])?.starts(with: ["nodata", "water"]) == true)
        let style = try String(
            contentsOf: directory.appendingPathComponent("labels.qml"), encoding: .utf8)
        #expect(style.contains("label=\"water\""))
        let aux = try String(contentsOfFile: output + ".aux.xml", encoding: .utf8)
        #expect(aux.contains("Class_Name") && aux.contains("forest"))
    }

    @Test("--to-crs EPSG:4326 reprojects; --resolution sets the pixel size")
    func reproject() throws {
        let directory = try makeTemporaryDirectory()
        let output = directory.appendingPathComponent("lonlat.tif").path
        let result = try runGeomap([
            "convert", region, output, "--to-crs", "EPSG:4326", "--resampling", "bilinear",
            "--resolution", "0.001",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let info = try infoJSON(output)
        #expect((info["crs"] as? [String: Any])?["epsg"] as? Int == 4326)
        let gt = try #require(info["geotransform"] as? [Double])
        #expect(abs(gt[1] - 0.001) < 1e-12 && abs(gt[5] + 0.001) < 1e-12)
        let bounds = try #require(info["bounds"] as? [String: Double])
        #expect(abs(bounds["min_x"]! - 20.4306) < 0.002 && abs(bounds["max_y"]! - 44.8648) < 0.002)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left == ["lonlat.tif"], "temporaries left: \(left)")
    }

    @Test("an unknown CRS string is one clear line, exit 2, and no output")
    func unknownCRS() throws {
        let directory = try makeTemporaryDirectory()
        let output = directory.appendingPathComponent("x.tif").path
        let result = try runGeomap(["convert", region, output, "--to-crs", "EPSG:999999"])
        #expect(result.status == 2)
        #expect(
            result.stderr == "geomap: error: --to-crs EPSG:999999: proj_create: crs not found\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a raster without georeferencing is refused naming the file; nothing is written")
    func noCRS() throws {
        let directory = try makeTemporaryDirectory()
        let input = directory.appendingPathComponent("nocrs.tif").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gdal_create", "-q", "-outsize", "8", "8", "-bands", "1", input]
        try process.run()
        process.waitUntilExit()
        let output = directory.appendingPathComponent("out.tif").path
        let result = try runGeomap(["convert", input, output, "--to-crs", "EPSG:32634"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(input) && result.stderr.contains("no geotransform"))
        let plain = try runGeomap(["convert", input, output])
        #expect(plain.status == 2 && plain.stderr.contains("no geotransform"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["nocrs.tif"])
    }

    @Test("bad option values are refused with exit 2")
    func badOptions() throws {
        let output = try makeTemporaryDirectory().appendingPathComponent("x.tif").path
        for arguments in [
            ["--resampling", "cubic"], ["--compress", "lzw"], ["--resolution", "-5"],
            ["--gdal-cache-mib", "0"],
        ] {
            let result = try runGeomap(["convert", region, output] + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}
