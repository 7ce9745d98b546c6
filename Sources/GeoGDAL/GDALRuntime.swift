internal import CGDAL

/// Process-wide GDAL set-up: driver registration, block cache size, library version.
package enum GDALRuntime {
    /// Registers all drivers (idempotent) and bounds the raster block cache.
    ///
    /// - Parameter cacheMiB: GDAL block cache size in MiB (`GDALSetCacheMax64`). geomap keeps it
    ///   small by default (64 MiB) so memory stays bounded whatever the scene size.
    package static func configure(cacheMiB: Int = 64) {
        registerDrivers()
        GDALSetCacheMax64(GIntBig(cacheMiB) * 1024 * 1024)
    }

    /// Registers all GDAL and OGR drivers once.
    package static func registerDrivers() {
        _ = registration
    }

    private static let registration: Bool = {
        GDALAllRegister()
        // Never reach the network and never print to stderr on our behalf.
        CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "1")
        return true
    }()

    /// The block cache size currently in force, in bytes.
    package static var cacheBytes: Int { Int(GDALGetCacheMax64()) }

    /// GDAL's release name, e.g. `3.6.2`.
    package static var version: String {
        String(cString: GDALVersionInfo("RELEASE_NAME"))
    }
}
