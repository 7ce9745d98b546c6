import GeoRaster

/// A rolling band of input rows shared by every tile that overlaps them: rows are read once,
/// in order, as the tile rows move down, and dropped when no later tile needs them.
///
/// Holds at most `tile` rows of `bands × width` Float32 values plus a per-pixel invalid flag
/// (a pixel is invalid when any of its bands is nodata, masked, NaN, ±Inf or beyond
/// ±``GeoRaster/RasterBlock/magnitudeLimit``; such non-physical values are held as 0; or when
/// every band holds the ``fill`` value, e.g. 0 in a Landsat C2 surface reflectance mosaic's gaps).
struct TileRowBuffer {
    /// The first column held (of the whole raster) and the number of columns held.
    let firstColumn: Int
    let width: Int
    let bands: Int
    /// The first row held.
    private(set) var firstRow: Int
    /// Rows read so far (the row after the last one held).
    private(set) var endRow: Int
    /// Held rows, each band-major `[bands][width]`.
    private(set) var rows: [[Float]] = []
    /// Held rows' invalid flags, each `[width]`.
    private(set) var invalid: [[Bool]] = []
    /// The raw value that in every band marks fill (invalid), or `nil`.
    let fill: Float?
    /// Held rows' fill flags (every band equal to ``fill``), each `[width]` (all `false` when
    /// there is no fill value).
    private(set) var fillFlags: [[Bool]] = []

    /// Holds `columns` of the raster (a window's, or the whole width), reading from `firstRow`.
    init(columns: Range<Int>, bands: Int, firstRow: Int = 0, fill: Float? = nil) {
        firstColumn = columns.lowerBound
        width = columns.count
        self.bands = bands
        self.firstRow = firstRow
        endRow = firstRow
        self.fill = fill
    }

    /// Holds the whole width, `0..<width`.
    init(width: Int, bands: Int, fill: Float? = nil) {
        self.init(columns: 0..<width, bands: bands, fill: fill)
    }

    /// Makes rows `[start, end)` available, reading the missing ones from `raster`.
    /// - Parameters:
    ///   - bandNumbers: file band per model band.
    ///   - scales: per model band `(scale, offset)` to undo, so values stay raw digital numbers.
    ///   - newRow: called with each newly read row's invalid flags, in order.
    mutating func advance(
        to rowRange: Range<Int>, raster: borrowing Raster, bandNumbers: [Int],
        scales: [(scale: Float, offset: Float)?], newRow: (UnsafeBufferPointer<Bool>) -> Void
    ) throws {
        let drop = min(max(0, rowRange.lowerBound - firstRow), rows.count)
        rows.removeFirst(drop)
        invalid.removeFirst(drop)
        fillFlags.removeFirst(drop)
        firstRow += drop
        guard rowRange.upperBound > endRow else { return }
        let window = PixelWindow(
            x: firstColumn, y: endRow, width: width, height: rowRange.upperBound - endRow)
        let block = try raster.read(window: window, bands: bandNumbers)
        for local in 0..<window.height {
            var values = [Float](repeating: 0, count: bands * width)
            var flags = [Bool](repeating: false, count: width)
            // Every band holds the fill value as read (a NaN or ±Inf never counts as fill).
            var filled = [Bool](repeating: fill != nil, count: width)
            let fillValue = fill ?? 0
            for band in 0..<bands {
                let source = (band * window.height + local) * width
                let undo = scales[band]
                for x in 0..<width {
                    var value = block.values[source + x]
                    if !block.valid[source + x] {
                        flags[x] = true
                        // NaN, ±Inf and absurd magnitudes never reach the model: 0, the fill
                        // of unsigned imagery (a nodata value stays as stored).
                        if !(abs(value) <= RasterBlock.magnitudeLimit) {
                            value = 0
                            filled[x] = false
                        }
                    } else if let undo {
                        value = (value - undo.offset) / undo.scale
                    }
                    if filled[x], value != fillValue { filled[x] = false }
                    values[band * width + x] = value
                }
            }
            for x in 0..<width where filled[x] { flags[x] = true }
            flags.withUnsafeBufferPointer { newRow($0) }
            rows.append(values)
            invalid.append(flags)
            fillFlags.append(filled)
        }
        endRow = rowRange.upperBound
    }

    /// Whether every pixel of the `tile × tile` window at (`x`, `y`) (pixels of the whole
    /// raster) is fill.
    func isAllFill(x raster: Int, y: Int, tile: Int) -> Bool {
        guard fill != nil else { return false }
        let x = raster - firstColumn
        return (y..<y + tile).allSatisfy { row in
            fillFlags[row - firstRow][x..<x + tile].allSatisfy { $0 }
        }
    }

    /// Copies the `tile × tile` window at (`x`, `y`) (pixels of the whole raster) into
    /// `destination` as `[bands][tile][tile]`.
    /// - Returns: the number of invalid pixels in the window.
    func copyTile(
        x raster: Int, y: Int, tile: Int, into destination: UnsafeMutablePointer<Float>
    ) -> Int {
        let x = raster - firstColumn
        var invalidCount = 0
        for row in 0..<tile {
            let held = y + row - firstRow
            let values = rows[held]
            let flags = invalid[held]
            for band in 0..<bands {
                let target = destination + (band * tile + row) * tile
                values.withUnsafeBufferPointer { source in
                    target.update(from: source.baseAddress! + band * width + x, count: tile)
                }
            }
            for column in x..<x + tile where flags[column] { invalidCount += 1 }
        }
        return invalidCount
    }
}
