import Foundation
import GeomapCore
import Testing

/// Runs a blender over a whole plan, tile rows in order, with `value(x, y)` as the one-channel
/// output of the tile at offset (x, y) and `invalid(x, y)` the input validity.
private func blend(
    plan: TilePlan, window: BlendWindow = .hann, maxInvalid: Double = 0.5,
    skip: (Int, Int) -> Bool = { _, _ in false },
    invalid: (Int, Int) -> Bool = { _, _ in false },
    value: (Int, Int) -> Float
) -> [[Float]] {
    var blender = TileBlender(plan: plan, channels: 1, window: window, maxInvalidShare: maxInvalid)
    var output: [[Float]] = []
    let width = plan.columns.length
    for (r, y) in plan.rows.offsets.enumerated() {
        while blender.inputRowsCounted < y + plan.tile {
            let row = blender.inputRowsCounted
            let mask = (0..<width).map { invalid($0, row) }
            mask.withUnsafeBufferPointer { blender.countValidity(inputRow: $0) }
        }
        for (c, x) in plan.columns.offsets.enumerated() where !skip(x, y) {
            [value(x, y)].withUnsafeBufferPointer {
                blender.add(tileRow: r, tileColumn: c, values: $0)
            }
        }
        let finished = blender.finishRows(afterTileRow: r)
        for slot in 0..<finished.rows.count {
            let start = slot * plan.outputWidth
            output.append(Array(finished.values[start..<start + plan.outputWidth]))
        }
    }
    return output
}

@Suite("Tile blending")
struct TileBlenderTests {
    @Test("stride = tile: each cell takes its own tile's value; all rows come out once")
    func identity() throws {
        let plan = try TilePlan(width: 400, height: 300, tile: 40, stride: 40)
        let out = blend(plan: plan) { x, y in Float(x * 1000 + y) }
        #expect(out.count == plan.outputHeight)
        #expect(out[0][0] == 0 && out[2][3] == 120_080)
        // Row 7 (pixels 280..<300, centre 290) lies only in the anchored tile at y = 260.
        #expect(out[7][9] == 360_260)
        // Row 6 (centre 260) blends tile 240 (at its centre) and tile 260 (at its edge).
        let w240 = BlendWindow.hann.weight(at: 0.5)
        let w260 = BlendWindow.hann.weight(at: 0)
        let expected = (w240 * 360_240 + w260 * 360_260) / (w240 + w260)
        #expect(abs(out[6][9] - expected) < 1e-2)
    }

    @Test("a constant field stays constant for every stride (weights normalise)")
    func constant() throws {
        for stride in [7, 10, 20, 33, 40] {
            let plan = try TilePlan(width: 123, height: 97, tile: 40, stride: stride)
            let out = blend(plan: plan) { _, _ in 0.25 }
            #expect(out.count == plan.outputHeight)
            for row in out { for v in row { #expect(abs(v - 0.25) < 1e-6) } }
        }
    }

    @Test("overlap blends smoothly: a linear ramp of tile values stays monotone, no seams")
    func smoothRamp() throws {
        let plan = try TilePlan(width: 400, height: 80, tile: 40, stride: 10)
        let out = blend(plan: plan) { x, _ in Float(x) }
        let row = out[4]
        for j in 1..<row.count { #expect(row[j] >= row[j - 1]) }
        // Steps between neighbouring cells stay even (no jumps at tile edges) inside the raster.
        let steps = (5..<(row.count - 5)).map { row[$0] - row[$0 - 1] }
        #expect((steps.max() ?? 0) - (steps.min() ?? 0) < 1.0)
    }

    @Test("skipped tiles and mostly-invalid cells become NaN; cells keep valid neighbours")
    func nodata() throws {
        let plan = try TilePlan(width: 120, height: 80, tile: 40, stride: 40)
        // Tile (0,0) skipped; pixels x < 20, y ≥ 40 invalid (half of cell (1,0)).
        let leftHalfOfSecondRow: (Int, Int) -> Bool = { x, y in x < 20 && y >= 40 }
        let out = blend(
            plan: plan, skip: { x, y in x == 0 && y == 0 }, invalid: leftHalfOfSecondRow,
            value: { _, _ in 1 })
        #expect(out[0][0].isNaN)
        #expect(out[0][1] == 1)
        #expect(out[1][0] == 1)  // exactly 50 % invalid: kept at the default threshold
        let strict = blend(
            plan: plan, maxInvalid: 0.4, invalid: leftHalfOfSecondRow, value: { _, _ in 1 })
        #expect(strict[1][0].isNaN)
        #expect(strict[1][1] == 1)
    }

    @Test("open rows stay bounded: at most ⌈tile/stride⌉ + 1 rows are pending")
    func bounded() throws {
        let plan = try TilePlan(width: 80, height: 4000, tile: 40, stride: 10)
        var blender = TileBlender(plan: plan, channels: 2, window: .hann, maxInvalidShare: 0.5)
        let mask = [Bool](repeating: false, count: 80)
        var delivered = 0
        for (r, y) in plan.rows.offsets.enumerated() {
            while blender.inputRowsCounted < y + 40 {
                mask.withUnsafeBufferPointer { blender.countValidity(inputRow: $0) }
            }
            for c in plan.columns.offsets.indices {
                [0.5, 2].withUnsafeBufferPointer {
                    blender.add(tileRow: r, tileColumn: c, values: $0)
                }
            }
            delivered += blender.finishRows(afterTileRow: r).rows.count
            #expect(plan.rows.cellsFinished(before: nil) - delivered >= 0)
            let pending = (y + 40 + 9) / 10 - blender.nextOutputRow
            #expect(pending <= 40 / 10 + 1)
        }
        #expect(delivered == plan.outputHeight)
    }
}
