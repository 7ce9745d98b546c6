import Foundation
import TestSupport
import Testing

private var samples: URL { TestPaths.samples }

@Suite("predict --basins --strict-ranges through the binary (issue 13 item 4)")
struct StrictRangesCommandTests {
    /// `geomap predict --basins` on the samples with the static rasters `statics`.
    static func predict(_ statics: [String], out: URL, extra: [String]) throws -> CommandResult {
        try runGeomap(
            [
                "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
                "--forcings", samples.appendingPathComponent("forcings.nc").path, "--start",
                "2016-06-01", "--end", "2016-06-10", "--out", out.path,
            ] + extra + ["--static-raster"] + statics)
    }

    static func staticRaster(_ name: String) -> String {
        samples.appendingPathComponent("static/\(name).tif").path
    }

    @Test(
        "clay in % declared as a fraction: a warning without --strict-ranges, exit 2 naming its raster with it"
    )
    func clayInPercent() throws {
        let dir = try makeTemporaryDirectory("strict-ranges")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The sample clay shares (0.03 … 0.74) in % (3 … 74), declared a fraction.
        let clay = dir.appendingPathComponent("clay_percent.tif").path
        try runGDALTool(
            "gdal_translate",
            [
                "-q", "-ot", "Float32", "-scale", "0", "1", "0", "100", Self.staticRaster("clay"),
                clay,
            ])
        let mapping = dir.appendingPathComponent("map.json")
        try Data(#"{"attributes": {"clay": {"to": "clay", "units": "1"}}}"#.utf8).write(to: mapping)
        // The clay raster last: the error must name it, not the first raster given.
        let statics =
            ["elevation", "forest_fraction", "sand", "silt", "slope"].map(Self.staticRaster)
            + ["clay=\(clay)"]
        let warned = try Self.predict(
            statics, out: dir.appendingPathComponent("warned"), extra: ["--mapping", mapping.path])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(
            warned.stderr.contains("geomap: predict: warning: clay (static attribute): 7 basin(s)")
                && warned.stderr.contains("standard deviations from the model's training mean")
                && warned.stderr.contains("check the units"), "\(warned.stderr)")
        #expect(
            FileManager.default.fileExists(
                atPath: dir.appendingPathComponent("warned/basins.nc").path))

        let strictOut = dir.appendingPathComponent("strict")
        let refused = try Self.predict(
            statics, out: strictOut,
            extra: ["--mapping", mapping.path, "--strict-ranges", "--quiet"])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(
            refused.stderr.hasPrefix("geomap: error: \(clay): clay (static attribute): 7 basin(s)"),
            "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix("(refused: --strict-ranges)\n"), "\(refused.stderr)")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: strictOut.path)) ?? []
        #expect(written.isEmpty, "\(written)")

        // The plausible inputs pass --strict-ranges without a word.
        let plain = try Self.predict(
            ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map(
                Self.staticRaster), out: dir.appendingPathComponent("plain"),
            extra: ["--strict-ranges"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("warning"), "\(plain.stderr)")
    }
}
