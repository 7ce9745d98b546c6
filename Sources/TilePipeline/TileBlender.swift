/// Blends per-tile output vectors (class probabilities, embeddings) into output cells, one row
/// of tiles at a time, and hands back output rows as soon as no later tile can touch them.
///
/// Cell value = Σ w·v / Σ w over the non-skipped tiles containing the cell centre, with
/// `w = window(u_x) · window(u_y)` (``BlendWindow``). A cell is nodata (NaN in every channel)
/// when every tile containing it was skipped, or when more than `maxInvalidShare` of its own
/// input pixels are invalid.
///
/// Memory: only the output rows still open are held — at most `⌈tile / stride⌉ + 1` rows of
/// `channels × outputWidth` floats.
package struct TileBlender: Sendable {
    package let plan: TilePlan
    /// Values per tile and cell (e.g. classes + embedding width).
    package let channels: Int
    package let window: BlendWindow
    /// The share of invalid input pixels above which a cell is nodata.
    package let maxInvalidShare: Double

    /// The first output row (of the plan) not yet handed back.
    package private(set) var nextOutputRow = 0
    /// The input row (of the whole raster) after the last one whose validity has been
    /// counted: rows arrive in order from the plan's first input row
    /// (`plan.inputWindow.y`, 0 for a whole raster).
    package private(set) var inputRowsCounted: Int
    private var open: [OpenRow] = []
    private let columnCells: [[(cell: Int, weight: Float)]]

    private struct OpenRow {
        var sums: [Float]
        var weights: [Float]
        var invalid: [Int]
    }

    package init(plan: TilePlan, channels: Int, window: BlendWindow, maxInvalidShare: Double) {
        self.plan = plan
        self.channels = channels
        self.window = window
        self.maxInvalidShare = maxInvalidShare
        inputRowsCounted = plan.rows.pixelRange.lowerBound
        columnCells = plan.columns.offsets.indices.map {
            plan.columns.cells(ofTile: $0, window: window)
        }
    }

    private mutating func ensureOpen(through row: Int) {
        let width = plan.outputWidth
        while nextOutputRow + open.count <= row {
            open.append(
                OpenRow(
                    sums: [Float](repeating: 0, count: channels * width),
                    weights: [Float](repeating: 0, count: width),
                    invalid: [Int](repeating: 0, count: width)))
        }
    }

    /// Counts the invalid pixels of the next input row into its output cells (pixels outside
    /// the plan's cells, a window's halo, count for none).
    /// - Parameter invalid: `[plan.inputWindow.width]`, the row's pixels from the plan's first
    ///   input column, true where any band of the pixel is invalid.
    package mutating func countValidity(inputRow invalid: UnsafeBufferPointer<Bool>) {
        let stride = plan.stride
        let row = inputRowsCounted / stride - plan.rows.firstCell
        inputRowsCounted += 1
        guard row >= 0, row < plan.outputHeight else { return }
        ensureOpen(through: row)
        let x0 = plan.columns.pixelRange.lowerBound
        let firstCell = plan.columns.firstCell
        let width = plan.outputWidth
        open[row - nextOutputRow].invalid.withUnsafeMutableBufferPointer { counts in
            for x in 0..<invalid.count where invalid[x] {
                let cell = (x0 + x) / stride - firstCell
                if cell >= 0, cell < width { counts[cell] += 1 }
            }
        }
    }

    /// Adds the output of tile `(tileRow, tileColumn)`.
    /// - Parameter values: `[channels]` for this tile.
    package mutating func add(
        tileRow: Int, tileColumn: Int, values: UnsafeBufferPointer<Float>
    ) {
        precondition(values.count == channels, "TileBlender.add: wrong channel count")
        let rowCells = plan.rows.cells(ofTile: tileRow, window: window)
        guard let lastRow = rowCells.last?.cell else { return }
        ensureOpen(through: lastRow)
        let width = plan.outputWidth
        let channels = channels
        for (row, rowWeight) in rowCells where row >= nextOutputRow {
            let slot = row - nextOutputRow
            for (column, columnWeight) in columnCells[tileColumn] {
                let w = rowWeight * columnWeight
                open[slot].weights[column] += w
                open[slot].sums.withUnsafeMutableBufferPointer { sums in
                    for c in 0..<channels { sums[c * width + column] += w * values[c] }
                }
            }
        }
    }

    /// Closes the output rows no tile after `tileRow` can touch, once their input rows have been
    /// counted.
    /// - Returns: the finished rows, band-major `[channels][rows][outputWidth]`, NaN where nodata;
    ///   `rows` is empty when none finished.
    package mutating func finishRows(afterTileRow tileRow: Int)
        -> (rows: Range<Int>, values: [Float])
    {
        let offsets = plan.rows.offsets
        let next = tileRow + 1 < offsets.count ? offsets[tileRow + 1] : nil
        var end = plan.rows.cellsFinished(before: next)
        // A cell's own input rows must all have been counted.
        while end > nextOutputRow, plan.rows.pixels(ofCell: end - 1).upperBound > inputRowsCounted {
            end -= 1
        }
        guard end > nextOutputRow else { return (nextOutputRow..<nextOutputRow, []) }
        ensureOpen(through: end - 1)
        let count = end - nextOutputRow
        let width = plan.outputWidth
        var values = [Float](repeating: .nan, count: channels * count * width)
        for slot in 0..<count {
            let row = nextOutputRow + slot
            let rowPixels = plan.rows.pixels(ofCell: row).count
            let cellRow = open[slot]
            for column in 0..<width {
                let pixels = rowPixels * plan.columns.pixels(ofCell: column).count
                let weight = cellRow.weights[column]
                let invalidShare = Double(cellRow.invalid[column]) / Double(pixels)
                guard weight > 0, invalidShare <= maxInvalidShare else { continue }
                for c in 0..<channels {
                    values[(c * count + slot) * width + column] =
                        cellRow.sums[c * width + column] / weight
                }
            }
        }
        let rows = nextOutputRow..<end
        open.removeFirst(count)
        nextOutputRow = end
        return (rows, values)
    }
}
