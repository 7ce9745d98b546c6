package import GeoRaster

/// Zonal statistics of a static raster band, read in full-width bands of block rows so memory
/// stays bounded by one band, never the whole raster.
package enum ZonalRaster {
    /// The regular grid of a raster (no rotation allowed).
    /// - Throws: ``ZonalError/badInput(_:_:)`` for a rotated geotransform.
    package static func grid(of raster: borrowing Raster) throws -> RegularGrid {
        let t = raster.grid.geoTransform.coefficients
        guard
            let grid = RegularGrid(
                geoTransform: t, rows: raster.grid.height, cols: raster.grid.width,
                isGeographic: raster.grid.crs?.isGeographic ?? false)
        else {
            throw ZonalError.badInput(
                raster.path, "the geotransform is rotated or degenerate (\(t)); warp it first")
        }
        return grid
    }

    /// Aggregates band `band` (1-based) of `raster` with `aggregator`'s weights (which must
    /// have been computed on ``grid(of:)``). Nodata, the GDAL mask and NaN are missing.
    /// - Parameter progress: called with the share of rows done, in [0, 1].
    package static func aggregate(
        _ raster: borrowing Raster, band: Int, aggregator: ZonalAggregator,
        progress: ((Double) -> Void)? = nil
    ) throws -> ZonalValues {
        let weights = aggregator.weights
        let cols = raster.grid.width
        var field = FieldAccumulator(aggregator: aggregator)
        guard let first = weights.cells.min(), let last = weights.cells.max() else {
            return field.finish()
        }
        let rows = (Int(first) / cols)..<(Int(last) / cols + 1)
        let blockHeight = max(1, raster.bands[band - 1].blockHeight)
        let bandRows = max(blockHeight, (1 << 20) / max(1, cols) / blockHeight * blockHeight)
        var start = rows.lowerBound / blockHeight * blockHeight
        while start < rows.upperBound {
            let end = min(raster.grid.height, start + bandRows)
            let block = try raster.read(
                window: PixelWindow(x: 0, y: start, width: cols, height: end - start),
                bands: [band])
            var values = block.values
            for i in values.indices where !block.valid[i] { values[i] = .nan }
            values.withUnsafeBufferPointer { field.add(rows: start..<end, values: $0) }
            start = end
            progress?(Double(min(end, rows.upperBound) - rows.lowerBound) / Double(rows.count))
        }
        return field.finish()
    }
}
