import Foundation
import TestSupport
import Testing

@testable import geomap

@Suite("geomap info reports for vector and NetCDF files")
struct VectorNetCDFInfoReportTests {
    var basins: String { TestPaths.samples.appendingPathComponent("basins.shp").path }
    var forcings: String { TestPaths.samples.appendingPathComponent("forcings.nc").path }

    @Test("vector report of samples/basins.shp, text and JSON, field by field")
    func vectorReport() throws {
        let report = try VectorInfoReport.make(path: basins)
        let text = try report.render(json: false)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("Kind: vector (ESRI Shapefile), 1 layer"))
        #expect(lines.contains("Layer: basins"))
        #expect(lines.contains("  Geometry: Polygon"))
        #expect(lines.contains("  Features: 7"))
        #expect(lines.contains("  CRS: EPSG:32634 (WGS 84 / UTM zone 34N)"))
        #expect(lines.contains("  Extent: x 444600 … 496350, y 4948500 … 4991350"))
        #expect(lines.contains("  Id field: basin_id"))
        #expect(lines.contains("    area_km2: Real"))

        let json = try #require(
            JSONSerialization.jsonObject(with: Data(try report.render(json: true).utf8))
                as? [String: Any])
        #expect(json["kind"] as? String == "vector")
        #expect(json["driver"] as? String == "ESRI Shapefile")
        let layer = try #require((json["layers"] as? [[String: Any]])?.first)
        #expect(layer["name"] as? String == "basins")
        #expect(layer["geometry_type"] as? String == "Polygon")
        #expect(layer["feature_count"] as? Int == 7)
        #expect(layer["id_field"] as? String == "basin_id")
        let fields = try #require(layer["fields"] as? [[String: String]])
        #expect(fields.map { $0["name"] ?? "" } == ["basin_id", "name", "area_km2"])
        #expect(fields.map { $0["type"] ?? "" } == ["String", "String", "Real"])
        let crs = try #require(layer["crs"] as? [String: Any])
        #expect(crs["epsg"] as? Int == 32634)
        let extent = try #require(layer["extent"] as? [String: Double])
        #expect(extent["min_x"] == 444600)
        let lonLat = try #require(layer["lon_lat_extent"] as? [String: Double])
        #expect(abs((lonLat["min_x"] ?? 0) - 20.30) < 0.01)
        #expect(abs((lonLat["max_y"] ?? 0) - 45.07) < 0.01)
    }

    @Test("NetCDF report of samples/forcings.nc: dimensions, variables, time axis, grid CRS")
    func netCDFReport() throws {
        let report = try NetCDFInfoReport.make(path: forcings)
        let lines = try report.render(json: false).split(separator: "\n").map(String.init)
        #expect(lines.contains("Kind: NetCDF (netCDF-4 classic model)"))
        #expect(lines.contains("  time = 731 (unlimited)"))
        #expect(lines.contains { $0.hasPrefix("  float pr(time, lat, lon) [kg m-2 day-1]") })
        #expect(
            lines.contains(
                "Time: time, 731 steps, 2016-01-01 … 2017-12-31, step 1 day, calendar standard, "
                    + "units \"days since 2016-01-01\""))
        #expect(
            lines.contains {
                $0.hasPrefix("Grid: geographic, 23 × 17 (cell centres lon 20.075 … 21.175")
            })
        #expect(lines.contains { $0.hasPrefix("Grid CRS: EPSG:4326 WGS 84, from grid_mapping") })

        let json = try #require(
            JSONSerialization.jsonObject(with: Data(try report.render(json: true).utf8))
                as? [String: Any])
        #expect(json["kind"] as? String == "netcdf")
        #expect(json["conventions"] as? String == "CF-1.8")
        let time = try #require(json["time"] as? [String: Any])
        #expect(time["calendar"] as? String == "standard")
        #expect(time["count"] as? Int == 731)
        #expect(time["first"] as? String == "2016-01-01")
        #expect(time["last"] as? String == "2017-12-31")
        #expect(time["step"] as? String == "1 day")
        let grid = try #require(json["grid"] as? [String: Any])
        #expect(grid["kind"] as? String == "geographic")
        #expect(grid["width"] as? Int == 23)
        #expect(grid["height"] as? Int == 17)
        #expect(abs((grid["x_step"] as? Double ?? 0) - 0.05) < 1e-9)
        let crs = try #require(grid["crs"] as? [String: Any])
        #expect(crs["epsg"] as? Int == 4326)
        #expect(crs["grid_mapping_name"] as? String == "latitude_longitude")
        #expect(
            Set(grid["variables"] as? [String] ?? [])
                == ["pr", "tasmax", "tasmin", "rsds", "hurs"])
        let variables = try #require(json["variables"] as? [[String: Any]])
        let pr = try #require(variables.first { $0["name"] as? String == "pr" })
        #expect(pr["units"] as? String == "kg m-2 day-1")
        #expect(pr["standard_name"] as? String == "precipitation_flux")
        #expect(pr["dimensions"] as? [String] == ["time", "lat", "lon"])
    }
}
