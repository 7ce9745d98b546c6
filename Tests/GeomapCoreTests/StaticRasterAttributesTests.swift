import Foundation
import GeoProjection
import GeoRaster
import GeoVector
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore
@testable import ZonalAggregation

@Suite("Static attributes from rasters")
struct StaticRasterAttributesTests {
    static var staticRasters: [String] {
        let directory = TestPaths.samples.appendingPathComponent("static")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".tif") }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    static var basinsPath: String { TestPaths.samples.appendingPathComponent("basins.shp").path }

    @Test("raster means equal geomap zonal --stat mean on the sample basins and rasters")
    func meansMatchZonal() throws {
        let rasters = Self.staticRasters
        #expect(rasters.count == 6)
        let basins = try BasinReader.read(path: Self.basinsPath)
        let directory = try makeTemporaryDirectory()
        var lines: [String] = []
        let result = try StaticRasterAttributes.read(
            rasters.map { try StaticRasterSource(parsing: $0) }, basins: basins,
            cacheDirectory: directory.appendingPathComponent("cache"),
            log: { lines.append($0) })
        #expect(result.attributes.basinIDs == basins.basins.map(\.id))
        #expect(
            result.attributes.attributes
                == rasters.map {
                    URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent
                })
        // Six rasters on one grid: the weights are computed (and cached) once.
        #expect(lines.filter { $0.hasPrefix("weights for") }.count == 1, "\(lines)")
        for (a, raster) in rasters.enumerated() {
            let name = result.attributes.attributes[a]
            var options = ZonalOptions(
                basinsPath: Self.basinsPath, statistics: [.mean],
                output: directory.appendingPathComponent("\(name).csv"))
            options.rasterPath = raster
            _ = try ZonalJob.run(options, log: { _ in })
            let expected = try ZonalFixtures.values(at: options.output)
            var compared = 0
            for basin in basins.basins {
                let key = ZonalFixtures.Key(basin: basin.id, time: "", variable: name, stat: "mean")
                let value = try #require(result.attributes.value(name, basin: basin.id))
                let reference = try #require(expected[key], "\(name) \(basin.id)")
                #expect(abs(Double(value) - reference) <= 1e-6 * max(1, abs(reference)))
                compared += 1
            }
            #expect(compared == basins.basins.count)
            #expect(result.attributes.values[a * basins.basins.count].isFinite)
        }
        let units = Dictionary(
            uniqueKeysWithValues: zip(result.attributes.attributes, result.units))
        #expect(units["elevation"] == "m")
        #expect(units["slope"] == "degree")
    }

    /// A 4 × 4 grid of 100 m cells (EPSG:32634, top-left 500000, 5000400), classes by row:
    /// `1 1 2 2 / 1 1 2 2 / 3 3 · 2 / 3 3 1 1` (`·` = nodata 0).
    static func writeClassRaster(_ path: String) throws {
        let grid = RasterGrid(
            width: 4, height: 4,
            geoTransform: GeoTransform(
                originX: 500_000, originY: 5_000_400, pixelWidth: 100, pixelHeight: 100),
            crs: try CRS("EPSG:32634"))
        let writer = try COGWriter(
            path: path, grid: grid, bands: [BandSpec(description: "land_cover", noData: 0)],
            dataType: .byte, options: COGOptions(producer: "geomap test", writeStyle: false))
        try writer.write(rows: 0..<4, values: [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 0, 2, 3, 3, 1, 1])
        _ = try writer.finish()
    }

    static func rectangle(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double)
        -> MultiPolygon
    {
        MultiPolygon(polygons: [
            Polygon(
                exterior: LinearRing(points: [
                    Point2D(x: x0, y: y0), Point2D(x: x1, y: y0), Point2D(x: x1, y: y1),
                    Point2D(x: x0, y: y1),
                ]), holes: [])
        ])
    }

    /// Four basins in EPSG:32634: A over the top-left 2 × 2 cells plus half of the next
    /// column, B over the bottom-right 2 × 2 cells (one nodata), C off the raster, D on the
    /// nodata cell alone.
    static func writeClassBasins(_ path: String) throws -> BasinSet {
        let rows: [(geometry: MultiPolygon, values: [FieldValue])] = [
            (rectangle(500_000, 5_000_200, 500_250, 5_000_400), [.string("A")]),
            (rectangle(500_200, 5_000_000, 500_400, 5_000_200), [.string("B")]),
            (rectangle(600_000, 5_000_000, 600_100, 5_000_100), [.string("C")]),
            (rectangle(500_200, 5_000_100, 500_300, 5_000_200), [.string("D")]),
        ]
        try BasinGeoPackageWriter.write(
            path: path, layerName: "basins", crsWKT: "EPSG:32634",
            fields: [SummaryField("basin_id", .string)], rows: rows)
        return try BasinReader.read(path: path)
    }

    @Test("class shares and means on a small categorical raster equal hand-computed values")
    func classFractions() throws {
        let directory = try makeTemporaryDirectory()
        let raster = directory.appendingPathComponent("classes.tif").path
        try Self.writeClassRaster(raster)
        let basins = try Self.writeClassBasins(directory.appendingPathComponent("b.gpkg").path)
        #expect(basins.basins.map(\.id) == ["A", "B", "C", "D"])
        let sources = try [
            "one=\(raster):class=1", "two=\(raster):class=2",
            "three=\(raster):class=3", "nine=\(raster):class=9", "code=\(raster)",
        ]
        .map { try StaticRasterSource(parsing: $0) }
        var lines: [String] = []
        let result = try StaticRasterAttributes.read(
            sources, basins: basins, cacheDirectory: nil, log: { lines.append($0) })
        func value(_ name: String, _ basin: String) -> Float {
            result.attributes.value(name, basin: basin) ?? -1
        }
        // A: four class-1 cells at weight 1, two class-2 cells at weight 0.5.
        #expect(abs(value("one", "A") - 0.8) < 1e-6)
        #expect(abs(value("two", "A") - 0.2) < 1e-6)
        #expect(value("three", "A") == 0)
        #expect(abs(value("code", "A") - 1.2) < 1e-6)
        // B: the nodata cell is left out of the valid covered area (3 cells).
        #expect(abs(value("one", "B") - 2.0 / 3) < 1e-6)
        #expect(abs(value("two", "B") - 1.0 / 3) < 1e-6)
        #expect(value("nine", "B") == 0)
        for name in ["one", "two", "three", "nine", "code"] {
            #expect(value(name, "C").isNaN)
            #expect(value(name, "D").isNaN)
        }
        #expect(result.units == ["1", "1", "1", "1", nil])
        #expect(lines.contains { $0.contains("outside the grid") && $0.contains("C") }, "\(lines)")
        #expect(lines.contains { $0.contains("basin D has no valid cell") }, "\(lines)")
    }

    @Test("the command-line forms parse into name, path, band and statistic")
    func parsing() throws {
        #expect(
            try StaticRasterSource(parsing: "elev=samples/static/elevation.tif")
                == StaticRasterSource(name: "elev", path: "samples/static/elevation.tif"))
        #expect(
            try StaticRasterSource(parsing: "samples/static/slope.tif")
                == StaticRasterSource(name: "slope", path: "samples/static/slope.tif"))
        #expect(
            try StaticRasterSource(parsing: "forest=lc.tif:class=3")
                == StaticRasterSource(
                    name: "forest", path: "lc.tif", statistic: .fraction(classValue: 3)))
        #expect(
            try StaticRasterSource(parsing: "x=a/b=c.tif:band=2:class=0.5")
                == StaticRasterSource(
                    name: "x", path: "a/b=c.tif", band: 2, statistic: .fraction(classValue: 0.5)))
        #expect(
            try StaticRasterSource(parsing: "data/v=1/soil.tif")
                == StaticRasterSource(name: "soil", path: "data/v=1/soil.tif"))
    }

    @Test(
        "bad specifications are one-line errors naming the argument",
        arguments: [
            ("=a.tif", "the attribute name before '=' is empty"),
            ("a=", "no raster path"),
            ("a=x.tif:class=forest", "class value 'forest' is not a number"),
            ("a=x.tif:band=0", "band '0' is not a band number"),
            ("a=x.tif:class=1:class=2", "'class=' is given twice"),
            ("my name=x.tif", "'my name' is not a usable attribute name"),
        ])
    func badSpecs(text: String, message: String) {
        #expect {
            _ = try StaticRasterSource(parsing: text)
        } throws: { error in
            let line = "\(error)"
            return line.contains("--static-raster '\(text)'") && line.contains(message)
                && !line.contains("\n")
        }
    }

    @Test("a raster without CRS, a missing band or file and a repeated name are clear errors")
    func errors() throws {
        let directory = try makeTemporaryDirectory()
        let basins = try BasinReader.read(path: Self.basinsPath)
        let slope = Self.staticRasters.first { $0.hasSuffix("slope.tif") }!
        // An Arc/Info ASCII grid without a .prj has a geotransform but no CRS.
        let ascii = directory.appendingPathComponent("nocrs.asc")
        try "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 4\n"
            .write(to: ascii, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("absent.tif").path
        let cases: [([String], String, String)] = [
            (["a=\(ascii.path)"], ascii.path, "has no CRS"),
            (["a=\(slope):band=2"], slope, "has 1 band(s); band 2 does not exist"),
            (["a=\(missing)"], missing, "No such file"),
            (["a=\(slope)", "a=\(ascii.path)"], "--static-raster", "'a' is given twice"),
        ]
        for (specs, path, message) in cases {
            let sources = try specs.map { try StaticRasterSource(parsing: $0) }
            #expect {
                _ = try StaticRasterAttributes.read(
                    sources, basins: basins, cacheDirectory: nil, log: { _ in })
            } throws: { error in
                let line = "\(error)"
                return line.contains(path) && line.contains(message) && !line.contains("\n")
            }
        }
    }

    @Test("a raster that no basin overlaps is an error naming it")
    func noOverlap() throws {
        let directory = try makeTemporaryDirectory()
        let raster = directory.appendingPathComponent("classes.tif").path
        try Self.writeClassRaster(raster)
        let basins = try BasinReader.read(path: Self.basinsPath)
        #expect {
            _ = try StaticRasterAttributes.read(
                [StaticRasterSource(name: "lc", path: raster)], basins: basins,
                cacheDirectory: nil, log: { _ in })
        } throws: { "\($0)" == "\(raster): no basin overlaps the grid" }
    }
}
