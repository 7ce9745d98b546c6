extension Raster {
    /// Windows covering the raster, aligned to band 1's blocks, in row-major order.
    ///
    /// Tiled files give one window per tile. Striped files (blocks as wide as the raster)
    /// give full-width windows of as many whole strips as fit in `targetPixels`, so scanning
    /// does not read one row at a time.
    ///
    /// - Parameter targetPixels: upper bound on pixels per window for striped files.
    package func blockWindows(targetPixels: Int = 1 << 20) -> [PixelWindow] {
        let info = bands[0]
        var blockWidth = max(1, info.blockWidth)
        var blockHeight = max(1, info.blockHeight)
        if blockWidth >= grid.width {
            blockWidth = grid.width
            let strips = max(1, targetPixels / max(1, grid.width * blockHeight))
            blockHeight *= strips
        }
        return Raster.windows(
            width: grid.width, height: grid.height, blockWidth: blockWidth,
            blockHeight: blockHeight)
    }

    /// Windows of `blockWidth`×`blockHeight` covering a `width`×`height` raster, clipped at the
    /// right and bottom edges, in row-major order.
    package static func windows(width: Int, height: Int, blockWidth: Int, blockHeight: Int)
        -> [PixelWindow]
    {
        var result: [PixelWindow] = []
        for y in stride(from: 0, to: height, by: blockHeight) {
            for x in stride(from: 0, to: width, by: blockWidth) {
                result.append(
                    PixelWindow(
                        x: x, y: y, width: min(blockWidth, width - x),
                        height: min(blockHeight, height - y)))
            }
        }
        return result
    }
}
