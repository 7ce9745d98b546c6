import ArgumentParser
import GeoGDAL

/// `--gdal-cache-mib`: the bound on GDAL's raster block cache, shared by every command that
/// reads or writes rasters (`@OptionGroup var gdalCache: GDALCacheOptions`).
struct GDALCacheOptions: ParsableArguments {
    @Option(
        name: .customLong("gdal-cache-mib"),
        help: ArgumentHelp(
            "GDAL block cache size in MiB (bounds memory used for raster blocks; default 64, "
                + "raised by predict --in and embed --in to hold two rows of the input's blocks).",
            valueName: "mib"))
    var gdalCacheMiB: Int?

    func validate() throws {
        if let gdalCacheMiB, !(1...65536).contains(gdalCacheMiB) {
            throw ValidationError(
                "--gdal-cache-mib must be between 1 and 65536, got \(gdalCacheMiB)")
        }
    }

    /// Sets the cache size for this process.
    func apply() {
        GDALRuntime.configure(cacheMiB: gdalCacheMiB ?? 64)
    }
}
