import Foundation
import TestSupport
import Testing

@Suite("geomap info on vector and NetCDF files")
struct InfoVectorNetCDFTests {
    let dir: URL
    init() throws { dir = try makeTemporaryDirectory() }

    var basins: String { TestPaths.samples.appendingPathComponent("basins.shp").path }
    var forcings: String { TestPaths.samples.appendingPathComponent("forcings.nc").path }

    func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(
            JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test("samples/basins.shp: text and JSON")
    func shapefile() throws {
        let text = try runGeomap(["info", basins])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("Kind: vector (ESRI Shapefile), 1 layer"))
        #expect(lines.contains("  Features: 7"))
        #expect(lines.contains("  CRS: EPSG:32634 (WGS 84 / UTM zone 34N)"))
        #expect(lines.contains("  Id field: basin_id"))
        #expect(lines.contains("    name: String"))
        let result = try runGeomap(["info", basins, "--json"])
        #expect(result.status == 0)
        let report = try json(result)
        #expect(report["kind"] as? String == "vector")
        let layer = try #require((report["layers"] as? [[String: Any]])?.first)
        #expect(layer["feature_count"] as? Int == 7)
        #expect(layer["geometry_type"] as? String == "Polygon")
        #expect((layer["crs"] as? [String: Any])?["epsg"] as? Int == 32634)
    }

    @Test("samples/forcings.nc: text and JSON with the decoded time axis and grid CRS")
    func forcing() throws {
        let text = try runGeomap(["info", forcings])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Time: time, 731 steps, 2016-01-01 … 2017-12-31, step 1 day"))
        #expect(text.stdout.contains("Grid CRS: EPSG:4326 WGS 84"))
        let report = try json(try runGeomap(["info", forcings, "--json"]))
        #expect(report["kind"] as? String == "netcdf")
        let time = try #require(report["time"] as? [String: Any])
        #expect(time["first"] as? String == "2016-01-01")
        #expect(time["calendar"] as? String == "standard")
        let grid = try #require(report["grid"] as? [String: Any])
        #expect((grid["crs"] as? [String: Any])?["epsg"] as? Int == 4326)
    }

    @Test("a per-basin CF-1.8 file from geomap zonal: feature type and time axis")
    func perBasinFile() throws {
        let out = dir.appendingPathComponent("series.nc").path
        let zonal = try runGeomap([
            "zonal", "--basins", basins, "--forcings", forcings, "--var", "pr", "--stat", "mean",
            "--out", out, "--no-weights-cache", "--quiet",
        ])
        #expect(zonal.status == 0, "\(zonal.stderr)")
        let report = try json(try runGeomap(["info", out, "--json"]))
        #expect(report["feature_type"] as? String == "timeSeries")
        #expect(report["conventions"] as? String == "CF-1.8")
        #expect((report["time"] as? [String: Any])?["count"] as? Int == 731)
        let dimensions = try #require(report["dimensions"] as? [[String: Any]])
        #expect(
            dimensions.contains { $0["name"] as? String == "station" && $0["length"] as? Int == 7 })
    }

    @Test("a shapefile without .prj is described with no CRS")
    func noPRJ() throws {
        for ext in ["shp", "shx", "dbf"] {
            try FileManager.default.copyItem(
                at: TestPaths.samples.appendingPathComponent("basins.\(ext)"),
                to: dir.appendingPathComponent("noprj.\(ext)"))
        }
        let result = try runGeomap(["info", dir.appendingPathComponent("noprj.shp").path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("  CRS: none (missing .prj?)"))
    }

    @Test("bad NetCDF: time without CF units, unknown calendar → described, problem flagged")
    func badNetCDF() throws {
        let units = dir.appendingPathComponent("units.nc")
        try makeNetCDF(units, cdl: forcingCDL(timeAttributes: "time:axis = \"T\" ;"))
        let r1 = try runGeomap(["info", units.path])
        #expect(r1.status == 0, "stderr: \(r1.stderr)")
        #expect(
            r1.stdout.contains(
                "Problem: time variable 'time' has no CF time units "
                    + "(units = none; expected '<days|hours|minutes|seconds> since <date>')"))
        #expect(r1.stdout.contains("Time: none"))
        let calendar = dir.appendingPathComponent("calendar.nc")
        try makeNetCDF(
            calendar,
            cdl: forcingCDL(
                timeAttributes:
                    "time:units = \"days since 2000-01-01\" ; time:calendar = \"lunar\" ;"))
        let r2 = try runGeomap(["info", calendar.path, "--json"])
        #expect(r2.status == 0 && r2.stderr.isEmpty)
        let info = try JSONSerialization.jsonObject(with: Data(r2.stdout.utf8)) as? [String: Any]
        let problems = info?["problems"] as? [String] ?? []
        #expect(problems.count == 1)
        #expect(
            problems.first?.hasPrefix("time variable 'time' has an unknown calendar 'lunar'")
                == true)
    }
}
