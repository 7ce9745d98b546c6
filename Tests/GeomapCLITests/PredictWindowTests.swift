import Foundation
import GeoRaster
import TestSupport
import Testing

private var region: String { TestPaths.samples.appendingPathComponent("region.tif").path }

@Suite("geomap predict/embed --window: one window of the output grid")
struct PredictWindowTests {
    @Test("predict --window writes <stem>.x<C>y<R>.* covering the window, where it lies")
    func predictWindow() throws {
        let out = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try runGeomap([
            "predict", "--in", region, "--out", out.path, "--window", "7,5,3,3", "--quiet",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
            .filter { $0.hasSuffix(".tif") }.sorted()
        #expect(files == ["region.x7y5.classes.tif", "region.x7y5.probabilities.tif"])
        let input = try Raster(opening: region).grid.geoTransform
        let classes = try Raster(opening: out.appendingPathComponent(files[0]).path)
        #expect(classes.grid.width == 3 && classes.grid.height == 3)
        #expect(classes.grid.geoTransform.originX == input.originX + 7 * 1200)
        #expect(classes.grid.geoTransform.originY == input.originY - 5 * 1200)
        #expect(classes.metadata()["GEOMAP_WINDOW"] == "7,5,3,3")
    }

    @Test("embed --window writes the window into the --out file")
    func embedWindow() throws {
        let out = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let file = out.appendingPathComponent("e.tif").path
        let result = try runGeomap([
            "embed", "--in", region, "--pool", "mean", "--out", file, "--stride", "20",
            "--window", "0,10,20,5", "--quiet",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let embeddings = try Raster(opening: file)
        #expect(embeddings.grid.width == 20 && embeddings.grid.height == 5)
    }

    @Test(
        "a bad --window is exit 2 with one line naming it",
        arguments: [
            (["--window", "1,2,3"], "--window '1,2,3' must be column,row,width,height"),
            (["--window", "a,0,1,1"], "--window 'a,0,1,1' must be column,row,width,height"),
            (["--window=-1,0,2,2"], "the column and row must be 0 or more"),
            (["--window", "0,0,0,2"], "the width and height 1 or more"),
            (["--window", "9,0,2,2"], "--window 9,0,2,2 is not inside the 10×8 output grid"),
            (
                ["--window", "0,0,1,9223372036854775807"],
                "--window 0,0,1,9223372036854775807 is not inside the 10×8 output grid"
            ),
        ])
    func badWindow(arguments: [String], expected: String) throws {
        let out = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try runGeomap(["predict", "--in", region, "--out", out.path] + arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: out.path)
            .filter { !$0.hasPrefix(".") }
        #expect(left.isEmpty, "\(left)")
    }
}
