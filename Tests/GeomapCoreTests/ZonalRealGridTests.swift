import Foundation
import GeoNetCDF
import GeoProjection
import GeoVector
import TestSupport
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

/// Grids as real files have them (issue 13 items 1 and 2): a rotated-pole grid with float64
/// and float32 axes, and global grids on 0…360 and −180…180 with basins across 0° and 180°,
/// against exactextract goldens (`Tests/Fixtures/zonal/grids/`, made by
/// `tools/zonal/make_grid_fixtures.py`).
@Suite("Zonal statistics on rotated-pole and global grids")
struct ZonalRealGridTests {
    static var grids: URL { ZonalFixtures.directory.appendingPathComponent("grids") }

    /// Runs `geomap zonal` (the job) on one file and returns the CSV's values and the log.
    func zonal(forcing: String, basins: String, variable: String) throws
        -> (values: [ZonalFixtures.Key: Double], log: [String])
    {
        let dir = try makeTemporaryDirectory("zonal-grids")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ZonalOptions(
            basinsPath: Self.grids.appendingPathComponent(basins).path, statistics: [.mean],
            output: dir.appendingPathComponent("out.csv"))
        options.forcingPaths = [Self.grids.appendingPathComponent(forcing).path]
        options.variables = [variable]
        var log: [String] = []
        _ = try ZonalJob.run(options, log: { log.append($0) })
        return (try ZonalFixtures.values(at: options.output), log)
    }

    /// Every golden row of `goldenVariable` against geomap's rows of `variable`.
    func expectGoldens(
        _ got: [ZonalFixtures.Key: Double], golden: String, goldenVariable: String,
        variable: String, tolerance: Double = 1e-5
    ) throws {
        let expected = try ZonalFixtures.values("grids/\(golden)")
            .filter { $0.key.variable == goldenVariable }
        #expect(expected.count >= 9)
        for (key, value) in expected {
            var mine = key
            mine.variable = variable
            let value2 = try #require(got[mine], "no row for \(mine)")
            #expect(abs(value2 - value) <= tolerance * abs(value), "\(key): \(value2) vs \(value)")
        }
    }

    @Test(
        "rotated-pole grid (EURO-CORDEX layout) equals exactextract",
        arguments: ["f64", "f32"])
    func rotatedPole(axes: String) throws {
        let (values, log) = try zonal(
            forcing: "rotated_\(axes).nc", basins: "rotated_basins.geojson", variable: "pr")
        #expect(log.isEmpty, "\(log)")
        try expectGoldens(
            values, golden: "rotated_mean.csv", goldenVariable: "pr_\(axes)",
            variable: "pr")
    }

    @Test("lon/lat basins on a rotated grid are densified in rotated degrees, not metres")
    func rotatedDensifying() throws {
        let forcing = try CFForcing(paths: [
            Self.grids.appendingPathComponent("rotated_f64.nc").path
        ])
        let grid = try ZonalForcing.grid(of: forcing)
        let crs = try CRS(try #require(forcing.grid.crs?.definition))
        let set = try BasinReader.read(
            path: Self.grids.appendingPathComponent("rotated_basins.geojson").path, layer: nil,
            idField: "basin_id")
        let basins = try CoverageWeights.basins(set, target: crs, grid: grid)
        let quarter = min(abs(grid.cellWidth), abs(grid.cellHeight)) / 4
        for basin in basins {
            let ring = basin.geometry.polygons[0].exterior
            // A quarter cell (0.055 rotated degrees) round a basin a few degrees across: a few
            // hundred points, not millions.
            #expect(ring.points.count < 2000, "\(basin.id): \(ring.points.count) points")
            #expect(ring.longestEdge <= quarter * 1.01, "\(basin.id): \(ring.longestEdge)")
        }
    }

    @Test(
        "axes are evenly spaced within the precision of their type",
        arguments: [
            // (step perturbation relative to the step, axis epsilon, accepted)
            (8.7e-6, Double(Float.ulpOfOne), true),  // float32 rounding of 0.22° steps
            (8.7e-6, Double.ulpOfOne, false),  // the same spread in a float64 axis
            (5e-4, Double(Float.ulpOfOne), false),  // not float32 rounding: irregular
            (5e-7, Double.ulpOfOne, true),
        ])
    func axisTolerance(spread: Double, epsilon: Double, accepted: Bool) {
        let step = 0.22
        var x = (0..<40).map { -10 + step * Double($0) }
        x[7] += spread * step
        let y = (0..<5).map { Double($0) }
        let grid = RegularGrid(xCentres: x, yCentres: y, isGeographic: false, axisEpsilon: epsilon)
        #expect((grid != nil) == accepted)
    }

    @Test("the float32 rotated file's axes are read as float32 and accepted")
    func float32AxesRead() throws {
        let forcing = try CFForcing(paths: [
            Self.grids.appendingPathComponent("rotated_f32.nc").path
        ])
        #expect(forcing.grid.axisEpsilon == Double(Float.ulpOfOne))
        let grid = try ZonalForcing.grid(of: forcing)
        #expect(grid.cols == 44 && grid.rows == 40 && !grid.wrapsLongitude)
        #expect(abs(grid.cellWidth - 0.22) < 1e-6)
    }

    @Test(
        "global grids wrap: basins across 0° and 180° are averaged whole, on 0…360 and −180…180",
        arguments: ["global_0_360.nc", "global_180.nc"])
    func globalWrap(file: String) throws {
        let (values, log) = try zonal(
            forcing: file, basins: "global_basins.geojson", variable: "co2")
        #expect(log.isEmpty, "\(log)")
        try expectGoldens(values, golden: "global_mean.csv", goldenVariable: "co2", variable: "co2")
    }

    @Test("a basin across the seam of a wrapping grid is wholly on the grid")
    func wrappingCoverage() throws {
        // 10° cells, centres 0…350: the grid spans −5…355; a box from −20 to 20 crosses it.
        let grid = RegularGrid(
            originX: -5, originY: 10, cellWidth: 10, cellHeight: -10, rows: 2, cols: 36,
            isGeographic: true)
        #expect(grid.wrapsLongitude)
        let box = MultiPolygon(polygons: [
            Polygon(
                exterior: LinearRing(points: [
                    Point2D(x: -20, y: 0), Point2D(x: 20, y: 0), Point2D(x: 20, y: 10),
                    Point2D(x: -20, y: 10),
                ]))
        ])
        let plain = CoverageFraction.compute(box, on: grid)
        let wrapped = CoverageFraction.computeWrapping(box, on: grid)
        #expect(plain.coveredShare < 0.7)
        #expect(abs(wrapped.coveredShare - 1) < 1e-12)
        #expect(abs(wrapped.coveredCells - 4) < 1e-12)
        // Columns 34 and 35 (345° and 355° …) hold the western half, 0–2 the eastern.
        let columns = Set(wrapped.cells.map { Int($0) % 36 })
        #expect(columns == [0, 1, 2, 34, 35])
        // A regional grid (not 360° wide) does not wrap: the same box is clipped.
        let regional = RegularGrid(
            originX: -5, originY: 10, cellWidth: 10, cellHeight: -10, rows: 2, cols: 30,
            isGeographic: true)
        #expect(!regional.wrapsLongitude)
        #expect(
            CoverageFraction.computeWrapping(box, on: regional)
                == CoverageFraction.compute(box, on: regional))
    }
}
