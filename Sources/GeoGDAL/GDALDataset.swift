package import CGDAL

/// An open GDAL dataset (raster or vector): the single owner of a `GDALDatasetH`.
///
/// Not Sendable on purpose: GDAL is re-entrant but not thread-safe, so a dataset stays with the
/// task that opened it. Across tasks, pass paths and windows, never datasets.
package struct GDALDataset: ~Copyable {
    /// The C handle; only the Geo* modules see it.
    package let handle: GDALDatasetH
    /// The path the dataset was opened from or created at.
    package let path: String

    /// Which kind of data to open.
    package enum Kind: Sendable {
        case raster, vector, any

        var flags: Int32 {
            switch self {
            case .raster: GDAL_OF_RASTER
            case .vector: GDAL_OF_VECTOR
            case .any: GDAL_OF_RASTER | GDAL_OF_VECTOR
            }
        }
    }

    /// Opens `path` read-only (or for update), reporting GDAL's own reason on failure.
    ///
    /// - Throws: ``GDALError`` naming `GDALOpenEx` and the path.
    package init(opening path: String, kind: Kind = .any, update: Bool = false) throws(GDALError) {
        GDALRuntime.registerDrivers()
        let access = update ? GDAL_OF_UPDATE : GDAL_OF_READONLY
        let flags = UInt32(kind.flags | access | GDAL_OF_VERBOSE_ERROR)
        self.handle = try withGDALErrors("GDALOpenEx", path: path) {
            GDALOpenEx(path, flags, nil, nil, nil)
        }
        self.path = path
    }

    /// Takes ownership of a handle returned by a GDAL create/copy/warp call.
    package init(taking handle: GDALDatasetH, path: String) {
        self.handle = handle
        self.path = path
    }

    /// Flushes pending writes, reporting a failure to write, then closes the dataset.
    ///
    /// GDAL 3.6's `GDALFlushCache` and `GDALClose` return nothing, so write errors are caught
    /// through the error handler while flushing. The handle is closed when `self` ends here.
    package consuming func close() throws(GDALError) {
        let handle = self.handle
        _ = try withGDALErrors("GDALFlushCache", path: path) { () -> Bool? in
            GDALFlushCache(handle)
            return true
        }
    }

    deinit { GDALClose(handle) }
}
