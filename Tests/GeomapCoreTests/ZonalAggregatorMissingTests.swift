import GeoNetCDF
import GeoVector
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

/// Values read as stored (fill values left in the buffer, tested during the gather) give the
/// same statistics as values whose missing cells were first replaced by NaN, whatever the
/// number of steps (the gather runs four steps at a time plus a remainder).
@Suite("Zonal aggregation of values read as stored")
struct ZonalAggregatorMissingTests {
    /// 3×4 unit grid; overlapping, fractional basins and one outside the grid.
    let weights = ZonalWeights(
        basins: [
            ZonalBasin(id: "A", geometry: multi(rectangle(0.5, 0.5, 2.5, 2.5))),
            ZonalBasin(id: "B", geometry: multi(rectangle(0, 0, 4, 1))),
            ZonalBasin(id: "C", geometry: multi(rectangle(3.25, 1.5, 4, 3))),
            ZonalBasin(id: "D", geometry: multi(rectangle(7, 7, 8, 8))),
        ],
        grid: unitGrid(rows: 3, cols: 4), areaWeighted: false)

    /// `steps` grids of 12 cells; the fill value `fill` (and `other`) placed on some steps,
    /// with every cell of basin C missing on step 2 and a NaN on step 5.
    func values(steps: Int, fill: Float, other: Float, high: Float) -> [Float] {
        var values: [Float] = []
        for t in 0..<steps {
            for cell in 0..<12 {
                var x = Float(t * 12 + cell) * 0.37 - 3
                if t % 3 == 1 && cell == 5 { x = fill }
                if t == 2 && (cell == 3 || cell == 7) { x = fill }  // all of C's cells
                if t == 5 && cell == 6 { x = .nan }
                if t == 6 && cell == 9 { x = other }
                if t == 8 && cell == 10 { x = high + 1 }
                values.append(x)
            }
        }
        return values
    }

    func identical(_ a: ZonalValues, _ b: ZonalValues) -> Bool {
        a.steps == b.steps && a.allMissingSteps == b.allMissingSteps
            && a.columns.map(\.name) == b.columns.map(\.name)
            && zip(a.columns, b.columns).allSatisfy { x, y in
                zip(x.values, y.values).allSatisfy { $0.bitPattern == $1.bitPattern }
            }
    }

    @Test(
        "stored fill values and range tested in the gather equal NaN-marked values",
        arguments: [1, 3, 4, 7, 9])
    func sameAsMarked(steps: Int) throws {
        let tests = [
            CFFloatMissing(values: [1e20], low: -.infinity, high: .infinity),
            CFFloatMissing(values: [1e20, -9999], low: -.infinity, high: 100),
            CFFloatMissing(values: [2.18], low: -2, high: 50),  // fill inside the data range
        ]
        for test in tests {
            let raw = values(
                steps: steps, fill: test.values[0], other: test.values.last!,
                high: min(test.high, 1e30))
            var marked = raw
            marked.withUnsafeMutableBufferPointer { test.markNaN($0) }
            for statistics in [
                [ZonalStatistic.mean, .sum, .count, .validShare], [.mean, .min, .max, .stdev],
            ] {
                let aggregator = ZonalAggregator(
                    weights: weights, statistics: statistics, missingValue: nil)
                let fromRaw = raw.withUnsafeBufferPointer {
                    aggregator.aggregate(steps: $0, stepCount: steps, missing: test)
                }
                let fromMarked = marked.withUnsafeBufferPointer {
                    aggregator.aggregate(steps: $0, stepCount: steps)
                }
                #expect(identical(fromRaw, fromMarked), "\(test) \(statistics) \(steps)")
                if steps > 2 {
                    // Basin C has no valid cell on step 2: NaN mean, counted as all-missing.
                    #expect(try #require(fromRaw.value("mean", basin: 2, step: 2)).isNaN)
                    #expect(fromRaw.allMissingSteps[2] >= 1)
                    #expect(try #require(fromRaw.value("mean", basin: 1, step: 2)).isFinite)
                }
            }
        }
    }

    @Test("a fill value is left out and the other weights renormalised")
    func renormalised() throws {
        // One step; cell 5 (row 1, col 1) holds the fill value. Basin A covers cells 1, 2, 5,
        // 6 wholly and the quarter-cells around them: its mean must ignore cell 5 only.
        var grid = (0..<12).map { Float($0) }
        grid[5] = 1e20
        let test = CFFloatMissing(values: [1e20], low: -.infinity, high: .infinity)
        let aggregator = ZonalAggregator(
            weights: weights, statistics: [.mean, .validShare], missingValue: nil)
        let chunk = grid.withUnsafeBufferPointer {
            aggregator.aggregate(steps: $0, stepCount: 1, missing: test)
        }
        var numerator = 0.0
        var denominator = 0.0
        for k in weights.offsets[0]..<weights.offsets[1] where weights.cells[k] != 5 {
            numerator += weights.weights[k] * Double(weights.cells[k])
            denominator += weights.weights[k]
        }
        let mean = try #require(chunk.value("mean", basin: 0))
        #expect(abs(mean - numerator / denominator) < 1e-12)
        #expect(abs(try #require(chunk.value("valid_share", basin: 0)) - denominator / 4) < 1e-12)
    }
}
