import Foundation
import GeoNetCDF
import TestSupport
import Testing

@Suite("CF gridded reading")
struct CFReadingTests {
    let dir: URL
    init() throws { dir = try makeTemporaryDirectory() }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    @Test("packed shorts: scale_factor, add_offset, _FillValue, missing_value, valid_range")
    func packed() throws {
        let file = path("packed.nc")
        // raw = t*100 + y*10 + x, except special values placed at known cells.
        let raw: (Int, Int, Int) -> Double = { t, y, x in
            if (t, y, x) == (0, 0, 0) { return -32767 }  // _FillValue
            if (t, y, x) == (0, 0, 1) { return -999 }  // missing_value
            if (t, y, x) == (1, 1, 1) { return 31000 }  // above valid_range
            return Double(t * 100 + y * 10 + x)
        }
        try GridFixture.write(
            file, time: GridFixture.time([0, 1]), x: GridFixture.longitude([0, 1, 2]),
            y: GridFixture.latitude([50, 51]),
            variables: [
                (
                    "tas", .short,
                    [
                        .text("standard_name", "air_temperature"), .text("units", "K"),
                        NetCDFAttribute("scale_factor", .numbers([0.01], .float)),
                        NetCDFAttribute("add_offset", .numbers([273.15], .float)),
                        NetCDFAttribute("_FillValue", .numbers([-32767], .short)),
                        NetCDFAttribute("missing_value", .numbers([-999], .short)),
                        NetCDFAttribute("valid_range", .numbers([-30000, 30000], .short)),
                    ], raw
                )
            ])
        let forcing = try CFForcing(path: file)
        let v = try forcing.variable("air_temperature")
        #expect(v.name == "tas")
        #expect(v.units == "K")
        #expect(v.packing.isPacked)
        let values = try forcing.read(v, times: 0..<2)
        #expect(values.count == 12)
        #expect(values[0].isNaN)
        #expect(values[1].isNaN)
        // t=0, y=1, x=2 → raw 12 → 273.15 + 0.12
        #expect(abs(values[5] - Float(273.27)) < 1e-4)
        // t=1, y=1, x=1 is above valid_range
        #expect(values[6 + 4].isNaN)
        // t=1, y=0, x=2 → raw 102
        #expect(abs(values[6 + 2] - Float(274.17)) < 1e-4)
    }

    @Test(
        "any dimension order: (lat, lon, time) and (lon, time, lat) read as [t][y][x]",
        arguments: [GridFixture.Order.latLonTime, .lonTimeLat, .timeLatLon])
    func dimensionOrder(_ order: GridFixture.Order) throws {
        let file = path("order.nc")
        try GridFixture.write(
            file, time: GridFixture.time([0, 1, 2, 3]), x: GridFixture.longitude([5, 6, 7]),
            y: GridFixture.latitude([40, 41]), order: order,
            variables: [
                (
                    "pr", .float, [.text("units", "mm d-1")],
                    { t, y, x in Double(t * 100 + y * 10 + x) }
                )
            ])
        let forcing = try CFForcing(path: file)
        #expect(forcing.grid.kind == .geographic)
        #expect(forcing.grid.crs?.definition == "EPSG:4326")
        let values = try forcing.read(try forcing.variable("pr"), times: 1..<3)
        var expected: [Float] = []
        for t in 1..<3 {
            for y in 0..<2 { for x in 0..<3 { expected.append(Float(t * 100 + y * 10 + x)) } }
        }
        #expect(values == expected)
        let window = try forcing.read(
            try forcing.variable("pr"), times: 3..<4,
            window: (x: 1..<3, y: 1..<2))
        #expect(window == [311, 312])
    }

    @Test(
        "a NaN, infinite, fill or absurd time value is a one-line error naming the file and step",
        arguments: [Double.nan, .infinity, 9.969209968386869e36, 1e12])
    func unusableTimeValue(value: Double) throws {
        let file = path("badtime.nc")
        try GridFixture.write(
            file, time: GridFixture.time([0, 1, value]), x: GridFixture.longitude([1, 2]),
            y: GridFixture.latitude([3]),
            variables: [(name: "v", type: .float, attributes: [], value: { t, _, _ in Double(t) })])
        #expect {
            _ = try CFForcing(path: file)
        } throws: { error in
            let text = "\(error)"
            return text.contains(file) && text.contains("at step 2, not a usable time")
                && !text.contains("\n")
        }
    }

    @Test("axes found from _CoordinateAxisType alone; valid_min/valid_max in unpacked units")
    func coordinateAxisType() throws {
        let file = path("cat.nc")
        let time = GridFixture.Axis(
            name: "t", values: [0, 6],
            attributes: [
                .text("_CoordinateAxisType", "Time"),
                .text("units", "hours since 1999-12-31 18:00"),
            ])
        let x = GridFixture.Axis(
            name: "a", values: [1, 2], attributes: [.text("_CoordinateAxisType", "Lon")])
        let y = GridFixture.Axis(
            name: "b", values: [3], attributes: [.text("_CoordinateAxisType", "Lat")])
        try GridFixture.write(
            file, time: time, x: x, y: y,
            variables: [
                (
                    "q", .short,
                    [
                        NetCDFAttribute("scale_factor", .numbers([0.5], .double)),
                        // Double, unlike the packed shorts: in physical units (CF §8.1).
                        .double("valid_min", 1.0), .double("valid_max", 4.0),
                    ], { t, _, x in Double(t * 4 + x * 3) }
                )
            ])
        let forcing = try CFForcing(path: file)
        #expect(forcing.grid.xName == "a" && forcing.grid.yName == "b")
        #expect(forcing.timeAxis.dates.map(\.description) == ["1999-12-31T18:00:00", "2000-01-01"])
        let values = try forcing.read(try forcing.variable("q"), times: 0..<2)
        // raw 0, 3, 4, 7 → 0, 1.5, 2, 3.5; 0 is below valid_min.
        #expect(values[0].isNaN)
        #expect(Array(values[1...]) == [1.5, 2, 3.5])
    }

    @Test("a projected grid with grid_mapping: CRS from its parameters, x/y in km → metres")
    func projectedGrid() throws {
        let file = path("lcc.nc")
        let x = GridFixture.Axis(
            name: "xc", values: [0, 1, 2],
            attributes: [
                .text("standard_name", "projection_x_coordinate"), .text("units", "km"),
            ])
        let y = GridFixture.Axis(
            name: "yc", values: [10, 11],
            attributes: [
                .text("standard_name", "projection_y_coordinate"), .text("units", "km"),
            ])
        try GridFixture.write(
            file,
            time: GridFixture.time([0, 1], units: "hours since 2001-06-01", calendar: "noleap"),
            x: x, y: y,
            variables: [
                (
                    "tmax", .float, [.text("units", "degC"), .text("grid_mapping", "lcc")],
                    { t, y, x in Double(t + y + x) }
                )
            ],
            extraVariables: [
                (
                    "lcc",
                    [
                        .text("grid_mapping_name", "lambert_conformal_conic"),
                        .double("standard_parallel", 25, 60),
                        .double("longitude_of_central_meridian", 265),
                        .double("latitude_of_projection_origin", 42.5),
                        .double("false_easting", 0), .double("false_northing", 0),
                        .double("semi_major_axis", 6_378_137),
                        .double("inverse_flattening", 298.257223563),
                    ]
                )
            ])
        let forcing = try CFForcing(path: file)
        #expect(forcing.grid.kind == .projected)
        #expect(forcing.grid.x == [0, 1000, 2000])
        #expect(forcing.grid.y == [10000, 11000])
        let crs = try #require(forcing.grid.crs)
        #expect(crs.mappingName == "lambert_conformal_conic")
        #expect(crs.definition.contains("+proj=lcc"))
        #expect(crs.definition.contains("+lat_1=25.0 +lat_2=60.0"))
        #expect(crs.definition.contains("+lon_0=265.0"))
        #expect(crs.definition.contains("+ellps=WGS84"))
        #expect(forcing.timeAxis.date(at: 1).description == "2001-06-01T01:00:00")
        #expect(try forcing.read(try forcing.variable("tmax"), times: 1..<2) == [1, 2, 3, 2, 3, 4])
    }

    @Test("crs_wkt on the grid mapping wins over its parameters")
    func crsWKT() throws {
        let file = path("wkt.nc")
        let x = GridFixture.Axis(
            name: "x", values: [500_000, 501_000],
            attributes: [
                .text("axis", "X"), .text("units", "m"),
            ])
        let y = GridFixture.Axis(
            name: "y", values: [4_000_000],
            attributes: [
                .text("axis", "Y"), .text("units", "m"),
            ])
        let wkt = "PROJCS[\"WGS 84 / UTM zone 34N\",AUTHORITY[\"EPSG\",\"32634\"]]"
        try GridFixture.write(
            file, time: GridFixture.time([0]), x: x, y: y,
            variables: [("v", .float, [.text("grid_mapping", "spatial")], { _, _, _ in 1 })],
            extraVariables: [
                (
                    "spatial",
                    [
                        .text("grid_mapping_name", "transverse_mercator"), .text("crs_wkt", wkt),
                    ]
                )
            ])
        let forcing = try CFForcing(path: file)
        #expect(forcing.grid.crs?.definition == wkt)
    }

    @Test("a forcing split into yearly files is read as one time axis, in chunk-aligned slabs")
    func multiFile() throws {
        let lon = GridFixture.longitude([0, 1])
        let lat = GridFixture.latitude([0])
        // Given out of order on purpose: the reader sorts them by time.
        let second = path("f2001.nc")
        let first = path("f2000.nc")
        try GridFixture.write(
            second,
            time: GridFixture.time(
                Array(0..<365).map(Double.init),
                units: "days since 2001-01-01"),
            x: lon, y: lat,
            variables: [
                ("pr", .float, [.text("units", "mm")], { t, _, x in Double(1000 + t * 2 + x) })
            ],
            chunkTime: 100)
        // The first year's axis is in hours: the reader converts it to one axis.
        try GridFixture.write(
            first,
            time: GridFixture.time(
                Array(0..<366).map { Double($0) * 24 },
                units: "hours since 2000-01-01"),
            x: lon, y: lat,
            variables: [("pr", .float, [.text("units", "mm")], { t, _, x in Double(t * 2 + x) })],
            chunkTime: 100)
        let forcing = try CFForcing(paths: [second, first])
        #expect(forcing.paths == [first, second])
        #expect(forcing.timeAxis.count == 731)
        #expect(forcing.timeAxis.stepDescription == "1 day")
        #expect(forcing.timeAxis.date(at: 366).description == "2001-01-01")
        let pr = try forcing.variable("pr")
        #expect(pr.timeChunkLength == 100)
        let values = try forcing.read(pr, times: 364..<368)
        #expect(values == [728, 729, 730, 731, 1000, 1001, 1002, 1003])
        let slabs = forcing.timeSlabs(for: pr, in: 50..<731, maxValues: 400)
        #expect(slabs.first == 50..<200)
        #expect(slabs.contains(200..<366))  // ends at the file boundary
        #expect(slabs.contains(366..<566))
        #expect(slabs.last == 566..<731)
        #expect(slabs.reduce(0) { $0 + $1.count } == 681)
    }

    @Test("overlapping or differently gridded files are refused")
    func multiFileErrors() throws {
        let a = path("a.nc")
        let b = path("b.nc")
        let c = path("c.nc")
        let v:
            [(
                name: String, type: NetCDFType, attributes: [NetCDFAttribute],
                value: (Int, Int, Int) -> Double
            )] = [("pr", .float, [], { _, _, _ in 0 })]
        try GridFixture.write(
            a, time: GridFixture.time([0, 1, 2]), x: GridFixture.longitude([0, 1]),
            y: GridFixture.latitude([0]), variables: v)
        try GridFixture.write(
            b, time: GridFixture.time([2, 3]), x: GridFixture.longitude([0, 1]),
            y: GridFixture.latitude([0]), variables: v)
        try GridFixture.write(
            c, time: GridFixture.time([5, 6]), x: GridFixture.longitude([0, 2]),
            y: GridFixture.latitude([0]), variables: v)
        let overlap = #expect(throws: NetCDFError.self) { try CFForcing(paths: [a, b]) }
        #expect(
            overlap?.description
                == b + ": its first time step 2000-01-03 is not after the last of " + a
                + " (2000-01-03); the files of one forcing must not overlap")
        let grid = #expect(throws: NetCDFError.self) { try CFForcing(paths: [a, c]) }
        #expect(grid?.description.contains("grid differs") == true)
    }

    @Test("a time step not after the one before, or a NaN or infinite grid coordinate, is refused")
    func brokenAxes() throws {
        let v:
            [(
                name: String, type: NetCDFType, attributes: [NetCDFAttribute],
                value: (Int, Int, Int) -> Double
            )] = [("pr", .float, [], { _, _, _ in 0 })]
        let repeated = path("repeated.nc")
        try GridFixture.write(
            repeated, time: GridFixture.time([0, 1, 1, 2]), x: GridFixture.longitude([0, 1]),
            y: GridFixture.latitude([0]), variables: v)
        let e1 = #expect(throws: NetCDFError.self) { try CFForcing(path: repeated) }
        #expect(
            e1?.description
                == repeated + ": time steps do not increase: step 2 (2000-01-02) is not after "
                + "step 1 (2000-01-02)")
        for (name, bad) in [("nan", Double.nan), ("inf", -Double.infinity)] {
            let file = path("lat-\(name).nc")
            try GridFixture.write(
                file, time: GridFixture.time([0, 1]), x: GridFixture.longitude([0, 1]),
                y: GridFixture.latitude([0, bad, 2], name: "lat"), variables: v)
            let error = #expect(throws: NetCDFError.self) { try CFForcing(path: file) }
            #expect(
                error?.description
                    == file + ": coordinate variable 'lat' holds \(bad) at index 1; grid "
                    + "coordinates must be finite")
            // Described, not refused: geomap info lists the problem and leaves the grid out.
            let described = try CFDataset(path: file, describingProblems: true)
            #expect(described.grid == nil)
            #expect(described.problems.contains { $0.contains("'lat' holds \(bad)") })
        }
    }

    @Test("bad input: no time axis, unknown calendar, time without CF units, unknown variable")
    func badInput() throws {
        let v:
            [(
                name: String, type: NetCDFType, attributes: [NetCDFAttribute],
                value: (Int, Int, Int) -> Double
            )] = [("pr", .float, [], { _, _, _ in 0 })]
        let noTime = path("notime.nc")
        try GridFixture.write(
            noTime, time: nil, x: GridFixture.longitude([0, 1]),
            y: GridFixture.latitude([0]), variables: v)
        let e1 = #expect(throws: NetCDFError.self) { try CFForcing(path: noTime) }
        #expect(e1?.description.hasPrefix(noTime + ": no time axis") == true)

        let calendar = path("calendar.nc")
        try GridFixture.write(
            calendar, time: GridFixture.time([0], calendar: "martian"),
            x: GridFixture.longitude([0]), y: GridFixture.latitude([0]),
            variables: v)
        let e2 = #expect(throws: NetCDFError.self) { try CFDataset(path: calendar) }
        #expect(e2?.description.contains("unknown calendar 'martian'") == true)

        let units = path("units.nc")
        try GridFixture.write(
            units, time: GridFixture.time([0], units: "days"),
            x: GridFixture.longitude([0]), y: GridFixture.latitude([0]),
            variables: v)
        let e3 = #expect(throws: NetCDFError.self) { try CFDataset(path: units) }
        #expect(e3?.description.contains("has no CF time units (units = 'days'") == true)

        let ok = path("ok.nc")
        try GridFixture.write(
            ok, time: GridFixture.time([0]), x: GridFixture.longitude([0]),
            y: GridFixture.latitude([0]), variables: v)
        let e4 = #expect(throws: NetCDFError.self) { try CFForcing(path: ok).variable("tas") }
        #expect(e4?.description.contains("available: pr") == true)

        let missing = path("missing.nc")
        let e5 = #expect(throws: NetCDFError.self) { _ = try NetCDFFile(opening: missing) }
        #expect(e5?.description == "\(missing): No such file or directory (nc_open)")
    }
}
