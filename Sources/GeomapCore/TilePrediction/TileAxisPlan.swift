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
public struct TileAxisPlan: Sendable, Equatable {
    /// Raster length in pixels.
    public let length: Int
    /// Tile length in pixels.
    public let tile: Int
    /// Step between regular tiles, in pixels (`1 … tile`).
    public let stride: Int
    /// Tile start offsets, ascending; the last one is `length − tile`.
    public let offsets: [Int]

    /// - Throws: ``TilePredictionError/rasterTooSmall`` when `length < tile`,
    ///   ``TilePredictionError/invalidStride`` unless `1 ≤ stride ≤ tile`.
    public init(length: Int, tile: Int, stride: Int) throws(TilePredictionError) {
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
    }

    /// Number of output cells, `⌈length / stride⌉`.
    public var cellCount: Int { (length + stride - 1) / stride }

    /// Input pixels `[start, end)` covered by output cell `cell`.
    public func pixels(ofCell cell: Int) -> Range<Int> {
        cell * stride..<min((cell + 1) * stride, length)
    }

    /// The centre of output cell `cell`, in pixel-edge coordinates (pixel `p` spans `[p, p+1)`).
    public func centre(ofCell cell: Int) -> Double {
        let pixels = pixels(ofCell: cell)
        return Double(pixels.lowerBound + pixels.upperBound) / 2
    }

    /// The cells whose centre lies in tile `index` (`offset ≤ centre < offset + tile`), with the
    /// blend weight of that centre's position in the tile.
    public func cells(ofTile index: Int, window: BlendWindow) -> [(cell: Int, weight: Float)] {
        let offset = offsets[index]
        // Cells whose centre can fall in [offset, offset + tile): a range around offset / stride.
        let first = max(0, offset / stride - 1)
        let last = min(cellCount - 1, (offset + tile) / stride + 1)
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
    public func cellsFinished(before nextOffset: Int?) -> Int {
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
public struct BlendWindow: Sendable, Equatable {
    /// The weight at the tile's edge, `0 < floor ≤ 1` (1 gives a plain average).
    public let floor: Float

    /// The default window: floor 0.05.
    public static let hann = BlendWindow(floor: 0.05)
    /// Plain averaging of overlapping tiles.
    public static let flat = BlendWindow(floor: 1)

    public init(floor: Float) {
        precondition(floor > 0 && floor <= 1, "BlendWindow floor must be in (0, 1]")
        self.floor = floor
    }

    /// The weight at relative position `u ∈ [0, 1)` across the tile.
    public func weight(at u: Double) -> Float {
        let s = sin(Double.pi * u)
        return floor + (1 - floor) * Float(s * s)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
