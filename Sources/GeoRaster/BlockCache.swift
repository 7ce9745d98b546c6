internal import CGDAL
internal import GeoGDAL

/// GDAL's process-wide raster block cache, sized for a reading pattern.
package enum BlockCache {
    /// The cache size in force, in bytes.
    package static var bytes: Int { GDALRuntime.cacheBytes }

    /// Sets the cache size (`GDALSetCacheMax64`); dirty blocks beyond it are flushed.
    package static func setBytes(_ bytes: Int) {
        GDALRuntime.registerDrivers()
        GDALSetCacheMax64(GIntBig(bytes))
    }
}

extension Raster {
    /// Bytes of one row of blocks across the raster, every band: what GDAL's cache must hold
    /// so that reading the raster top to bottom in windows shorter than a block decompresses
    /// each block once (a pixel-interleaved file caches every band of a block it reads).
    package var blockRowBytes: Int {
        bands.reduce(0) { total, band in
            let size = Int(GDALGetDataTypeSizeBytes(band.dataType.gdalType))
            let across = (grid.width + band.blockWidth - 1) / max(1, band.blockWidth)
            return total + across * band.blockWidth * band.blockHeight * max(1, size)
        }
    }
}
