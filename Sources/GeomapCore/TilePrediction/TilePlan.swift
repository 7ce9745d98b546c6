/// The tiling of a raster: tile windows along rows and columns, and the output grid whose pixel
/// is one stride (see ``TileAxisPlan`` for how output cells map to tiles).
///
/// Tiles are visited row of tiles by row of tiles (``rows``' offsets, top to bottom), each row
/// left to right; tile `(r, c)` is the window `x = columns.offsets[c], y = rows.offsets[r]`,
/// `tile × tile` pixels.
public struct TilePlan: Sendable, Equatable {
    public let columns: TileAxisPlan
    public let rows: TileAxisPlan

    /// - Throws: ``TilePredictionError`` for a stride outside `1…tile` or a raster smaller than
    ///   one tile (geomap refuses rather than pads: a padded tile is out of distribution).
    public init(width: Int, height: Int, tile: Int, stride: Int, path: String = "raster")
        throws(TilePredictionError)
    {
        guard stride >= 1, stride <= tile else {
            throw .invalidStride(stride: stride, tile: tile)
        }
        guard width >= tile, height >= tile else {
            throw .rasterSmallerThanTile(path: path, width: width, height: height, tile: tile)
        }
        columns = try TileAxisPlan(length: width, tile: tile, stride: stride)
        rows = try TileAxisPlan(length: height, tile: tile, stride: stride)
    }

    public var tile: Int { columns.tile }
    public var stride: Int { columns.stride }
    /// Tiles in the whole raster.
    public var tileCount: Int { columns.offsets.count * rows.offsets.count }
    /// Output grid size: `⌈width / stride⌉ × ⌈height / stride⌉`.
    public var outputWidth: Int { columns.cellCount }
    public var outputHeight: Int { rows.cellCount }
}
