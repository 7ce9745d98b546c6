import Foundation
import TestSupport
import Testing

/// `geomap info` on files as they come: NaN nodata, a full-disk view whose corners miss the
/// Earth, a compound CRS without a geotransform, NetCDF with bad time units or an unread grid.
/// Every file is made in the test (gdal_create, ncgen).
@Suite("geomap info on awkward files")
struct InfoEdgeCaseTests {
    let directory: URL

    init() throws { directory = try makeTemporaryDirectory() }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func json(_ path: String) throws -> [String: Any] { try infoJSON(path) }

    @Test("NaN nodata: --json writes \"nan\" (JSON has no NaN), text writes nodata=nan")
    func nanNoData() throws {
        let file = path("nan.tif")
        try runGDALTool(
            "gdal_create",
            [
                "-q", "-ot", "Float32", "-outsize", "10", "10", "-a_srs", "EPSG:4326", "-a_ullr",
                "0", "10", "10", "0", "-a_nodata", "nan", file,
            ])
        let band = try #require((try json(file)["bands"] as? [[String: Any]])?.first)
        #expect(band["nodata"] as? String == "nan")
        let text = try runGeomap(["info", file])
        #expect(text.status == 0 && text.stdout.contains("nodata=nan"), "\(text.stdout)")
    }

    @Test("a full-disk view: lon/lat bounds are null with the reason, never inf")
    func fullDisk() throws {
        let file = path("geos.tif")
        try runGDALTool(
            "gdal_create",
            [
                "-q", "-outsize", "10", "10", "-a_srs",
                "+proj=geos +h=35786023 +lon_0=-75 +sweep=x +datum=WGS84", "-a_ullr", "-5434894",
                "5434894", "5434894", "-5434894", file,
            ])
        let info = try json(file)
        #expect(info["lon_lat_bounds"] is NSNull)
        #expect(
            (info["lon_lat_problem"] as? String)?.contains("do not all fall on the Earth") == true)
        #expect(info["bounds_kind"] as? String == "cell_edges")
        let text = try runGeomap(["info", file])
        #expect(text.status == 0 && !text.stdout.contains("inf"), "\(text.stdout)")
        #expect(text.stdout.contains("Bounds (lon/lat): unknown, the raster's edges"))
    }

    @Test("a compound-CRS VRT: real corners as lon/lat; without a geotransform no lon/lat at all")
    func compoundCRS() throws {
        let placed = path("compound.vrt")
        try runGDALTool(
            "gdal_create",
            [
                "-q", "-of", "VRT", "-outsize", "10", "10", "-a_srs", "EPSG:32634+5773",
                "-a_ullr", "455015", "4968015", "467015", "4959015", placed,
            ])
        let info = try json(placed)
        let lonLat = try #require(info["lon_lat_bounds"] as? [String: Double])
        #expect(abs(lonLat["min_x"]! - 20.4306) < 0.001 && abs(lonLat["max_y"]! - 44.8648) < 0.001)
        let unplaced = path("compound-nogt.vrt")
        try runGDALTool(
            "gdal_create",
            ["-q", "-of", "VRT", "-outsize", "10", "10", "-a_srs", "EPSG:4326+5773", unplaced])
        let bare = try json(unplaced)
        #expect(bare["lon_lat_bounds"] is NSNull)
        #expect(bare["bounds_kind"] as? String == "pixel_space")
        let text = try runGeomap(["info", unplaced])
        #expect(!text.stdout.contains("Bounds (lon/lat)"), "\(text.stdout)")
        #expect(text.stdout.contains("Bounds (pixel space, no geotransform): x 0 … 10"))
    }

    @Test("a NetCDF with bad time units is described, the problem flagged, exit 0")
    func badTimeUnits() throws {
        let file = directory.appendingPathComponent("badtime.nc")
        try makeNetCDF(
            file,
            cdl: """
                netcdf badtime {
                dimensions: time = 2 ; lat = 2 ; lon = 3 ;
                variables:
                  double time(time) ; time:standard_name = "time" ;
                  time:units = "days after the flood" ;
                  float lat(lat) ; lat:units = "degrees_north" ;
                  float lon(lon) ; lon:units = "degrees_east" ;
                  float pr(time, lat, lon) ; pr:units = "mm" ;
                data: time = 0, 1 ; lat = 10, 11 ; lon = 20, 21, 22 ;
                }
                """)
        let text = try runGeomap(["info", file.path])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        #expect(text.stdout.contains("Problem: time variable 'time' has no CF time units"))
        #expect(text.stdout.contains("float pr(time, lat, lon) [mm]"), "\(text.stdout)")
        #expect(text.stdout.contains("Grid: geographic, 3 × 2 (cell centres lon 20 … 22"))
        let info = try json(file.path)
        #expect((info["problems"] as? [String])?.count == 1)
        #expect(info["time"] is NSNull)
        #expect((info["grid"] as? [String: Any])?["range_kind"] as? String == "cell_centres")
    }

    @Test("a British National Grid NetCDF without a read grid says why", arguments: [false, true])
    func whyNoGrid(curvilinear: Bool) throws {
        let file = directory.appendingPathComponent("bng-\(curvilinear).nc")
        let coordinates =
            curvilinear
            ? """
              double lat(y, x) ; double lon(y, x) ;
              float tas(y, x) ; tas:grid_mapping = "crs" ; tas:coordinates = "lat lon" ;
            """
            : """
              double x(x) ; x:units = "m" ; double y(y) ; y:units = "m" ;
              float tas(y, x) ; tas:grid_mapping = "crs" ;
            """
        try makeNetCDF(
            file,
            cdl: """
                netcdf bng {
                dimensions: y = 2 ; x = 3 ;
                variables:
                  int crs ; crs:grid_mapping_name = "transverse_mercator" ;
                \(coordinates)
                }
                """)
        let text = try runGeomap(["info", file.path])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        let expected =
            curvilinear
            ? "Grid: none (dimensions y, x of tas have no coordinate variable (its coordinates "
                + "attribute names lat lon: a curvilinear grid"
            : "Grid: none (the coordinate variables y, x of tas are not marked as CF axes"
        #expect(text.stdout.contains(expected), "\(text.stdout)")
        #expect(text.stdout.contains("grid_mapping crs is present"))
        let info = try json(file.path)
        #expect((info["no_grid_reason"] as? String)?.isEmpty == false)
    }
}
