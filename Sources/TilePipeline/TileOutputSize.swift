package import Models

extension TilePredictor {
    /// The size, in output pixels, of the whole output grid that `geomap predict --in PATH
    /// --stride S` writes with a model whose input is `spec`: `⌈W/S⌉ × ⌈H/S⌉` of the raster at
    /// the model's pixel size — the grid `--window` takes windows of. Reads headers only: no
    /// pixel is read; a warped VRT or a Landsat band stack is written into `temporaryDirectory`
    /// and removed.
    /// - Throws: what ``TileInput`` and ``TilePlan`` throw for an input the run would refuse.
    package static func outputSize(
        inputPath: String, spec: TileInputSpec, bands: [Int]?, stride: Int,
        temporaryDirectory: String
    ) throws -> (width: Int, height: Int) {
        let input = try TileInput(
            path: inputPath, spec: spec, bands: bands, temporaryDirectory: temporaryDirectory)
        defer { input.removeTemporaries() }
        let grid = input.raster.grid
        let plan = try TilePlan(
            width: grid.width, height: grid.height, tile: spec.tileSize, stride: stride,
            path: inputPath)
        return (plan.outputWidth, plan.outputHeight)
    }
}
