/// Tile offsets and output cells along one axis (columns or rows) of a raster.
///
/// Tiles of `tile` pixels start at `0, stride, 2·stride, …` while they fit; when the last one
/// stops short of the edge, one more tile is anchored flush to it (offset `length − tile`), so
/// every pixel lies in at least one tile and every tile lies fully inside the raster.
///
/// Output cells are one stride wide: cell `j` covers input pixels
/// `[j·stride, min((j+1)·stride, length))`, so there are `⌈length / stride⌉` cells and the last
/// one is partial when `stride` does not divide `length` (its output pixel then reaches past the
/// raster's edge by `cells·stride − length` input pixels). A cell takes its value from the tiles
/// that contain its *centre* — the middle of the input pixels it covers, `(start + end) / 2` in
/// pixel-edge coordinates — weighted by ``BlendWindow`` at that centre's position in each tile.
package struct TileAxisPlan: Sendable, Equatable {
    /// Raster length in pixels.
    package let length: Int
    /// Tile length in pixels.
    package let tile: Int
    /// Step between regular tiles, in pixels (`1 … tile`).
    package let stride: Int
    /// Tile start offsets in pixels of the whole raster, ascending; the last one of the whole
    /// axis is `length − tile`. A window's plan (``window(cells:)``) keeps only the tiles that
    /// hold the centre of one of its cells.
    package let offsets: [Int]
    /// The index of the plan's first tile among the whole axis's tiles (0 unless a window).
    package let firstTile: Int
    /// The plan's first output cell, in cells of the whole axis (0 unless a window).
    package let firstCell: Int
    /// Number of output cells of the plan: `⌈length / stride⌉` for the whole axis.
    package let cellCount: Int

    /// - Throws: ``TilePredictionError/rasterTooSmall`` when `length < tile`,
    ///   ``TilePredictionError/invalidStride`` unless `1 ≤ stride ≤ tile`.
    package init(length: Int, tile: Int, stride: Int) throws(TilePredictionError) {
        guard stride >= 1, stride <= tile else {
            throw .invalidStride(stride: stride, tile: tile)
        }
        guard length >= tile else {
            throw .rasterTooSmall(length: length, tile: tile)
        }
        self.length = length
        self.tile = tile
        self.stride = stride
        var offsets = Array(Swift.stride(from: 0, through: length - tile, by: stride))
        if let last = offsets.last, last + tile < length { offsets.append(length - tile) }
        self.offsets = offsets
        firstTile = 0
        firstCell = 0
        cellCount = (length + stride - 1) / stride
    }

    private init(_ whole: TileAxisPlan, tiles: Range<Int>, cells: Range<Int>) {
        length = whole.length
        tile = whole.tile
        stride = whole.stride
        offsets = Array(whole.offsets[tiles])
        firstTile = tiles.lowerBound
        firstCell = cells.lowerBound
        cellCount = cells.count
    }

    /// Output cells of the whole axis, `⌈length / stride⌉`.
    package var axisCellCount: Int { (length + stride - 1) / stride }

    /// The plan of output cells `cells` (cells of the whole axis, inside `0..<axisCellCount`,
    /// not empty) of this whole-axis plan: the same tiles at the same offsets, those holding
    /// the centre of one of these cells, so every cell is blended from the same tiles with the
    /// same weights in the same order as in the whole axis (the halo a window needs).
    /// - Parameter alignment: widen the tiles kept to whole groups of this many tiles of the
    ///   whole axis (tiles `k·alignment ..< (k+1)·alignment`), so that tiles the model computes
    ///   together are the same as in the whole raster; the extra tiles touch none of the
    ///   window's cells.
    package func window(cells: Range<Int>, alignment: Int = 1) -> TileAxisPlan {
        precondition(
            firstCell == 0 && cellCount == axisCellCount && !cells.isEmpty
                && cells.lowerBound >= 0 && cells.upperBound <= cellCount && alignment >= 1,
            "TileAxisPlan.window: \(cells) is not a window of 0..<\(cellCount)")
        let kept = offsets.indices.filter { index in
            self.cells(ofTile: index, window: .flat).contains { cells.contains($0.cell) }
        }
        // Contiguous: the tiles holding a cell's centre move right with the cell.
        let first = kept.first! / alignment * alignment
        let end = min(offsets.count, (kept.last! / alignment + 1) * alignment)
        return TileAxisPlan(self, tiles: first..<end, cells: cells)
    }

    /// Input pixels `[start, end)` covered by output cell `cell` of the plan.
    package func pixels(ofCell cell: Int) -> Range<Int> {
        let whole = firstCell + cell
        return whole * stride..<min((whole + 1) * stride, length)
    }

    /// The centre of output cell `cell`, in pixel-edge coordinates (pixel `p` spans `[p, p+1)`).
    package func centre(ofCell cell: Int) -> Double {
        let pixels = pixels(ofCell: cell)
        return Double(pixels.lowerBound + pixels.upperBound) / 2
    }

    /// Input pixels the plan reads: its tiles and its cells' own pixels (the whole axis,
    /// `0..<length`, unless a window).
    package var pixelRange: Range<Int> {
        guard let first = offsets.first, let last = offsets.last, cellCount > 0 else {
            return 0..<0
        }
        return min(
            first, pixels(ofCell: 0).lowerBound)..<max(
                last + tile, pixels(ofCell: cellCount - 1).upperBound)
    }

    /// The plan's cells whose centre lies in tile `index` (`offset ≤ centre < offset + tile`),
    /// with the blend weight of that centre's position in the tile.
    package func cells(ofTile index: Int, window: BlendWindow) -> [(cell: Int, weight: Float)] {
        let offset = offsets[index]
        // Cells whose centre can fall in [offset, offset + tile): a range around offset / stride.
        let first = max(0, offset / stride - 1 - firstCell)
        let last = min(cellCount - 1, (offset + tile) / stride + 1 - firstCell)
        guard first <= last else { return [] }
        var result: [(cell: Int, weight: Float)] = []
        for cell in first...last {
            let position = centre(ofCell: cell) - Double(offset)
            guard position >= 0, position < Double(tile) else { continue }
            result.append((cell, window.weight(at: position / Double(tile))))
        }
        return result
    }

    /// The cells that are final once every tile starting before `nextOffset` is done: those
    /// whose centre lies before `nextOffset` (later tiles start at or after it).
    /// - Parameter nextOffset: the next tile's offset, or `nil` after the last tile (all cells).
    package func cellsFinished(before nextOffset: Int?) -> Int {
        guard let nextOffset else { return cellCount }
        var count = 0
        while count < cellCount, centre(ofCell: count) < Double(nextOffset) { count += 1 }
        return count
    }
}

/// The 1-D blending window: a Hann (raised-cosine) bump over the tile with a floor, so a
/// tile's output counts most at its centre and little, but never zero, at its edges.
///
/// `weight(u) = floor + (1 − floor) · sin²(π·u)` for `u ∈ [0, 1)` the position across the tile;
/// a 2-D weight is the product of the row and column weights. With stride = tile every output
/// cell lies in exactly one tile and the window has no effect; with overlap it removes the
/// seams a plain average leaves at tile edges.
package struct BlendWindow: Sendable, Equatable {
    /// The weight at the tile's edge, `0 < floor ≤ 1` (1 gives a plain average).
    package let floor: Float

    /// The default window: floor 0.05.
    package static let hann = BlendWindow(floor: 0.05)
    /// Plain averaging of overlapping tiles.
    package static let flat = BlendWindow(floor: 1)

    package init(floor: Float) {
        precondition(floor > 0 && floor <= 1, "BlendWindow floor must be in (0, 1]")
        self.floor = floor
    }

    /// The weight at relative position `u ∈ [0, 1)` across the tile.
    package func weight(at u: Double) -> Float {
        let s = sin(Double.pi * u)
        return floor + (1 - floor) * Float(s * s)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
