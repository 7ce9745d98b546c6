import Foundation
import GeoVector
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

@Suite("Zonal statistics over coverage weights")
struct ZonalAggregatorTests {
    /// 2×2 unit grid; basin A = the square [0.5, 1.5]² (a quarter of each cell), basin B = the
    /// left column (cells 0 and 2 whole), basin C outside the grid.
    func fixture(area: Bool = false) -> ZonalWeights {
        ZonalWeights(
            basins: [
                ZonalBasin(id: "A", geometry: multi(rectangle(0.5, 0.5, 1.5, 1.5))),
                ZonalBasin(id: "B", geometry: multi(rectangle(0, 0, 1, 2))),
                ZonalBasin(id: "C", geometry: multi(rectangle(5, 5, 6, 6))),
            ],
            grid: unitGrid(rows: 2, cols: 2), areaWeighted: area)
    }

    @Test("mean, sum, count and valid share per time step, missing cells renormalised")
    func linearStatistics() throws {
        let weights = fixture()
        #expect(weights.basinsOutsideGrid == [2])
        let aggregator = ZonalAggregator(
            weights: weights, statistics: [.mean, .sum, .count, .validShare],
            missingValue: -9999)
        // Two steps of cells [0, 1, 2, 3] (row-major); step 2 has a fill value and a NaN.
        let values: [Float] = [1, 2, 3, 4, 10, -9999, .nan, 40]
        let chunk = values.withUnsafeBufferPointer {
            aggregator.aggregate(steps: $0, stepCount: 2)
        }
        #expect(chunk.value("mean", basin: 0, step: 0) == 2.5)
        #expect(chunk.value("sum", basin: 0, step: 0) == 2.5)
        #expect(chunk.value("count", basin: 0, step: 0) == 1)
        #expect(chunk.value("mean", basin: 1, step: 0) == 2)
        #expect(chunk.value("valid_share", basin: 0, step: 0) == 1)
        // Step 1: A keeps cells 0 and 3 (value 10 and 40, equal weights).
        #expect(chunk.value("mean", basin: 0, step: 1) == 25)
        #expect(chunk.value("valid_share", basin: 0, step: 1) == 0.5)
        #expect(chunk.value("count", basin: 0, step: 1) == 0.5)
        // B keeps only cell 0.
        #expect(chunk.value("mean", basin: 1, step: 1) == 10)
        #expect(chunk.value("valid_share", basin: 1, step: 1) == 0.5)
        // C touches no cell: NaN mean, zero count.
        #expect(try #require(chunk.value("mean", basin: 2, step: 0)).isNaN)
        #expect(chunk.value("count", basin: 2, step: 0) == 0)
    }

    @Test("a basin whose cells are all missing gets NaN, not a number from nowhere")
    func allMissing() throws {
        let aggregator = ZonalAggregator(
            weights: fixture(), statistics: [.mean, .max, .validShare], missingValue: nil)
        let values: [Float] = [.nan, 5, .nan, 7]
        let chunk = values.withUnsafeBufferPointer {
            aggregator.aggregate(steps: $0, stepCount: 1)
        }
        #expect(try #require(chunk.value("mean", basin: 1)).isNaN)
        #expect(try #require(chunk.value("max", basin: 1)).isNaN)
        #expect(chunk.value("valid_share", basin: 1) == 0)
        #expect(chunk.allMissingSteps == [0, 1, 0])
        #expect(chunk.value("mean", basin: 0) == 6)
        #expect(chunk.value("max", basin: 0) == 7)
    }

    @Test("min, max, weighted population stdev, majority and class fractions")
    func otherStatistics() throws {
        // 1×4 grid; basin covers cell 0 fully, cell 1 half, cell 2 fully, cell 3 a quarter.
        let grid = unitGrid(rows: 1, cols: 4)
        let ring = LinearRing(points: [
            Point2D(x: 0, y: 0), Point2D(x: 3.25, y: 0), Point2D(x: 3.25, y: 1),
            Point2D(x: 2, y: 1), Point2D(x: 2, y: 1), Point2D(x: 1.5, y: 1),
            Point2D(x: 1.5, y: 0.5), Point2D(x: 1, y: 0.5), Point2D(x: 1, y: 1),
            Point2D(x: 0, y: 1),
        ])
        // Cell 1 is covered [1, 1.5]×[0, 0.5] + [1.5, 2]×[0, 1] = 0.25 + 0.5 = 0.75.
        let weights = ZonalWeights(
            basins: [ZonalBasin(id: "x", geometry: multi(ring))], grid: grid, areaWeighted: false)
        #expect(weights.coverage.count == 4)
        let w = weights.coverage
        #expect(abs(w[0] - 1) < 1e-15 && abs(w[1] - 0.75) < 1e-15)
        #expect(abs(w[2] - 1) < 1e-15 && abs(w[3] - 0.25) < 1e-15)
        let aggregator = ZonalAggregator(
            weights: weights,
            statistics: [.mean, .min, .max, .stdev, .majority, .frac, .count],
            missingValue: nil)
        let values: [Float] = [2, 1, 1, 5]
        let chunk = values.withUnsafeBufferPointer {
            aggregator.aggregate(steps: $0, stepCount: 1)
        }
        let x = [2.0, 1, 1, 5]
        let sw = w.reduce(0, +)
        let mean = zip(w, x).map { $0 * $1 }.reduce(0, +) / sw
        let variance = zip(w, x).map { $0 * ($1 - mean) * ($1 - mean) }.reduce(0, +) / sw
        #expect(abs(try #require(chunk.value("mean", basin: 0)) - mean) < 1e-12)
        #expect(abs(try #require(chunk.value("stdev", basin: 0)) - variance.squareRoot()) < 1e-12)
        #expect(chunk.value("min", basin: 0) == 1)
        #expect(chunk.value("max", basin: 0) == 5)
        #expect(chunk.value("count", basin: 0) == sw)
        // Class 1 has weight 1.75, class 2 weight 1, class 5 weight 0.25.
        #expect(chunk.value("majority", basin: 0) == 1)
        #expect(abs(try #require(chunk.value("frac_1", basin: 0)) - 1.75 / 3) < 1e-15)
        #expect(abs(try #require(chunk.value("frac_2", basin: 0)) - 1 / 3) < 1e-15)
        #expect(abs(try #require(chunk.value("frac_5", basin: 0)) - 0.25 / 3) < 1e-15)
    }

    @Test("a field streamed in row bands gives the same result as whole")
    func bands() throws {
        let grid = RegularGrid(
            originX: 0, originY: 30, cellWidth: 1, cellHeight: -1, rows: 30, cols: 20)
        let basins = (0..<5).map { i in
            ZonalBasin(
                id: "b\(i)",
                geometry: multi(
                    starRing(
                        centre: Point2D(x: 10, y: 15), radius: 6 + Double(i), n: 25,
                        seed: UInt64(i + 1))))
        }
        let weights = ZonalWeights(basins: basins, grid: grid, areaWeighted: false)
        let aggregator = ZonalAggregator(
            weights: weights, statistics: [.mean, .stdev, .min, .majority], missingValue: 0)
        let values = (0..<grid.cellCount).map { Float(($0 * 7919) % 13) }
        let whole = values.withUnsafeBufferPointer {
            aggregator.aggregate(steps: $0, stepCount: 1)
        }
        var field = FieldAccumulator(aggregator: aggregator)
        for start in stride(from: 0, to: 30, by: 7) {
            let rows = start..<min(30, start + 7)
            values[(rows.lowerBound * 20)..<(rows.upperBound * 20)].withUnsafeBufferPointer {
                field.add(rows: rows, values: $0)
            }
        }
        let banded = field.finish()
        for (a, b) in zip(whole.columns, banded.columns) {
            #expect(a.name == b.name)
            for (x, y) in zip(a.values, b.values) { #expect(abs(x - y) <= 1e-12 * abs(x)) }
        }
    }

    @Test("area weighting on a lat/lon grid weights cells by their spherical area")
    func areaWeighted() throws {
        let grid = RegularGrid(
            originX: 0, originY: 80, cellWidth: 10, cellHeight: -40, rows: 2, cols: 1,
            isGeographic: true)
        let basin = ZonalBasin(id: "band", geometry: multi(rectangle(0, 0, 10, 80)))
        let plain = ZonalWeights(basins: [basin], grid: grid, areaWeighted: false)
        let byArea = ZonalWeights(basins: [basin], grid: grid, areaWeighted: true)
        let values: [Float] = [1, 0]  // row 0 = 40–80°N, row 1 = 0–40°N
        let plainMean = values.withUnsafeBufferPointer {
            ZonalAggregator(weights: plain, statistics: [.mean], missingValue: nil)
                .aggregate(steps: $0, stepCount: 1).value("mean", basin: 0)
        }
        let areaMean = values.withUnsafeBufferPointer {
            ZonalAggregator(weights: byArea, statistics: [.mean], missingValue: nil)
                .aggregate(steps: $0, stepCount: 1).value("mean", basin: 0)
        }
        #expect(plainMean == 0.5)
        let degree = Double.pi / 180
        let north = sin(80 * degree) - sin(40 * degree)
        let south = sin(40 * degree)
        #expect(abs(try #require(areaMean) - north / (north + south)) < 1e-12)
    }

    @Test("basins at negative longitudes land on a 0…360° grid (and back)")
    func longitudeWrap() {
        let era5 = RegularGrid(
            originX: -0.125, originY: 90.125, cellWidth: 0.25, cellHeight: -0.25, rows: 721,
            cols: 1440, isGeographic: true)
        let west = ZonalBasin(id: "w", geometry: multi(rectangle(-71.3, 42.1, -70.9, 42.6)))
        let east = ZonalBasin(id: "e", geometry: multi(rectangle(20.3, 44.7, 20.9, 45.0)))
        let wrapped = CoverageWeights.wrapLongitudes([west, east], to: era5)
        let shifted: Double = -71.3 + 360
        #expect(wrapped[0].geometry.bounds?.minX == shifted)
        #expect(wrapped[1] == east)
        let weights = ZonalWeights(basins: wrapped, grid: era5, areaWeighted: false)
        #expect(weights.basinsOutsideGrid.isEmpty)
        let covered: Double = weights.coverage[weights.offsets[0]..<weights.offsets[1]]
            .reduce(0, +)
        let cells: Double = 0.4 * 0.5 / 0.0625
        #expect(abs(covered - cells) < 1e-9)
        let signed = RegularGrid(
            originX: -180, originY: 90, cellWidth: 1, cellHeight: -1, rows: 180, cols: 360,
            isGeographic: true)
        let far = ZonalBasin(id: "f", geometry: multi(rectangle(288.7, 42.1, 289.1, 42.6)))
        let back: Double = 289.1 - 360
        #expect(CoverageWeights.wrapLongitudes([far], to: signed)[0].geometry.bounds?.maxX == back)
        let projected = RegularGrid(
            originX: 0, originY: 10, cellWidth: 1, cellHeight: -1, rows: 10, cols: 10)
        #expect(CoverageWeights.wrapLongitudes([west], to: projected)[0] == west)
    }
}
