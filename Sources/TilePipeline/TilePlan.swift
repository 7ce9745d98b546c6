package import GeoRaster

/// The tiling of a raster: tile windows along rows and columns, and the output grid whose pixel
/// is one stride (see ``TileAxisPlan`` for how output cells map to tiles).
///
/// Tiles are visited row of tiles by row of tiles (``rows``' offsets, top to bottom), each row
/// left to right; tile `(r, c)` is the window `x = columns.offsets[c], y = rows.offsets[r]`,
/// `tile × tile` pixels.
///
/// A plan may cover a window of the output grid only (`geomap predict --window`, the chunks of
/// `geomap run`): it keeps the whole raster's tile offsets, restricted to the tiles that hold
/// the centre of one of the window's cells (its halo), so each of its cells is blended from
/// exactly the tiles, weights and order of the whole-raster plan.
package struct TilePlan: Sendable, Equatable {
    package let columns: TileAxisPlan
    package let rows: TileAxisPlan

    /// - Parameter window: output pixels (column, row, width, height in cells of the whole
    ///   raster's output grid) the plan covers; `nil` for the whole grid.
    /// - Throws: ``TilePredictionError`` for a stride outside `1…tile`, a raster smaller than
    ///   one tile (geomap refuses rather than pads: a padded tile is out of distribution), or a
    ///   window that is empty or reaches past the output grid.
    package init(
        width: Int, height: Int, tile: Int, stride: Int, path: String = "raster",
        window: PixelWindow? = nil
    ) throws(TilePredictionError) {
        guard stride >= 1, stride <= tile else {
            throw .invalidStride(stride: stride, tile: tile)
        }
        guard width >= tile, height >= tile else {
            throw .rasterSmallerThanTile(path: path, width: width, height: height, tile: tile)
        }
        let columns = try TileAxisPlan(length: width, tile: tile, stride: stride)
        let rows = try TileAxisPlan(length: height, tile: tile, stride: stride)
        guard let window else {
            (self.columns, self.rows) = (columns, rows)
            return
        }
        // Subtractions, not sums: no overflow for any Int the user gives.
        guard window.x >= 0, window.y >= 0, window.width >= 1, window.height >= 1,
            window.x < columns.cellCount, window.y < rows.cellCount,
            window.width <= columns.cellCount - window.x,
            window.height <= rows.cellCount - window.y
        else {
            throw .window(
                path: path,
                reason: "--window \(window.x),\(window.y),\(window.width),\(window.height) is "
                    + "not inside the \(columns.cellCount)×\(rows.cellCount) output grid "
                    + "(output pixels of \(stride) input pixels)")
        }
        self.columns = columns.window(
            cells: window.x..<window.x + window.width, alignment: Self.tileGroup)
        self.rows = rows.window(cells: window.y..<window.y + window.height)
    }

    /// Tiles of a row of tiles that the model computes together: tiles
    /// `k·tileGroup ..< (k+1)·tileGroup` of the whole raster's columns (those not skipped), one
    /// group per model product (``Models/TileModel/run(raw:places:probabilities:pooling:groups:)``),
    /// 8 as the encoder's default slice. A window keeps whole groups.
    package static let tileGroup = 8

    package var tile: Int { columns.tile }
    package var stride: Int { columns.stride }
    /// Tiles the plan runs.
    package var tileCount: Int { columns.offsets.count * rows.offsets.count }
    /// Output grid size of the plan: `⌈width / stride⌉ × ⌈height / stride⌉` for a whole raster.
    package var outputWidth: Int { columns.cellCount }
    package var outputHeight: Int { rows.cellCount }
    /// The plan's output pixels in the whole raster's output grid.
    package var outputWindow: PixelWindow {
        PixelWindow(
            x: columns.firstCell, y: rows.firstCell, width: outputWidth, height: outputHeight)
    }
    /// The input pixels the plan reads (the whole raster unless a window).
    package var inputWindow: PixelWindow {
        let (x, y) = (columns.pixelRange, rows.pixelRange)
        return PixelWindow(x: x.lowerBound, y: y.lowerBound, width: x.count, height: y.count)
    }
}
