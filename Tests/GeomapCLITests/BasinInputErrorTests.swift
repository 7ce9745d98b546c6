import Foundation
import TestSupport
import Testing

/// A (time, lat, lon) forcing in CDL; `timeAttributes` replaces the time variable's attributes.
func forcingCDL(timeAttributes: String) -> String {
    """
    netcdf f {
    dimensions: time = 2 ; lat = 2 ; lon = 2 ;
    variables:
      double time(time) ; \(timeAttributes)
      double lat(lat) ; lat:units = "degrees_north" ;
      double lon(lon) ; lon:units = "degrees_east" ;
      float pr(time, lat, lon) ; pr:units = "mm d-1" ;
    data:
      time = 0, 1 ; lat = 44.8, 44.9 ; lon = 20.5, 20.6 ;
      pr = 1, 2, 3, 4, 5, 6, 7, 8 ;
    }
    """
}

@Suite("Basin and forcing input errors through the CLI (exit 2, one line)")
struct BasinInputErrorTests {
    let dir: URL
    init() throws { dir = try makeTemporaryDirectory() }

    var basins: String { TestPaths.samples.appendingPathComponent("basins.shp").path }
    var forcings: String { TestPaths.samples.appendingPathComponent("forcings.nc").path }

    func zonal(basins: String, forcings: String) throws -> CommandResult {
        try runGeomap([
            "zonal", "--basins", basins, "--forcings", forcings, "--var", "pr", "--stat", "mean",
            "--out", dir.appendingPathComponent("out.csv").path, "--no-weights-cache", "--quiet",
        ])
    }

    func expectOneLineError(_ result: CommandResult, _ fragment: String) {
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("geomap: error: "))
        #expect(result.stderr.contains(fragment), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.csv").path))
    }

    @Test("a shapefile without .prj")
    func missingPRJ() throws {
        for ext in ["shp", "shx", "dbf"] {
            try FileManager.default.copyItem(
                at: TestPaths.samples.appendingPathComponent("basins.\(ext)"),
                to: dir.appendingPathComponent("noprj.\(ext)"))
        }
        let path = dir.appendingPathComponent("noprj.shp").path
        expectOneLineError(
            try zonal(basins: path, forcings: forcings),
            "\(path): layer 'noprj' has no coordinate reference system (missing .prj file?)")
    }

    @Test("a layer without any polygon")
    func noPolygons() throws {
        let url = dir.appendingPathComponent("gauges.geojson")
        try """
        {"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"g1"},
         "geometry":{"type":"Point","coordinates":[20.5,44.9]}}]}
        """.write(to: url, atomically: true, encoding: .utf8)
        expectOneLineError(
            try zonal(basins: url.path, forcings: forcings),
            "\(url.path): layer 'gauges' holds no polygons (1 features, geometry type Point)")
    }

    @Test("a forcing without time axis, with an unknown calendar, with time lacking CF units")
    func badForcings() throws {
        let noTime = dir.appendingPathComponent("notime.nc")
        try makeNetCDF(noTime, cdl: forcingCDL(timeAttributes: "time:long_name = \"step\" ;"))
        expectOneLineError(
            try zonal(basins: basins, forcings: noTime.path), "\(noTime.path): no time axis")

        let calendar = dir.appendingPathComponent("calendar.nc")
        try makeNetCDF(
            calendar,
            cdl: forcingCDL(
                timeAttributes:
                    "time:units = \"days since 2000-01-01\" ; time:calendar = \"lunar\" ;"))
        expectOneLineError(
            try zonal(basins: basins, forcings: calendar.path),
            "\(calendar.path): time variable 'time' has an unknown calendar 'lunar'")

        let units = dir.appendingPathComponent("units.nc")
        try makeNetCDF(
            units,
            cdl: forcingCDL(timeAttributes: "time:standard_name = \"time\" ; time:units = \"d\" ;"))
        expectOneLineError(
            try zonal(basins: basins, forcings: units.path),
            "\(units.path): time variable 'time' has no CF time units (units = 'd'")
    }
}
