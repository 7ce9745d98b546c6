import ArgumentParser
import Foundation
import GeomapCore

/// Where coverage-fraction weights are cached between runs (`geomap zonal`, basin mode of
/// `geomap predict` / `geomap embed`), so a nightly run reuses them (see docs/zonal.md).
struct WeightsCacheOptions: ParsableArguments {
    @Option(help: "Weights cache directory (default $XDG_CACHE_HOME/geomap/weights).")
    var weightsCache: String?

    @Flag(help: "Compute the weights without reading or writing the cache.")
    var noWeightsCache = false

    /// The cache directory to use, or nil when caching is off. Without `--weights-cache` and
    /// without a usable `XDG_CACHE_HOME` or `HOME` (absolute paths), the run goes without the
    /// cache and says so once on stderr.
    var directory: URL? {
        if noWeightsCache { return nil }
        if let weightsCache { return URL(fileURLWithPath: weightsCache) }
        if let directory = WeightsCache.defaultDirectory() { return directory }
        FileHandle.standardError.write(
            Data(
                ("geomap: warning: no weights cache: XDG_CACHE_HOME and HOME are unset, empty "
                    + "or relative (give --weights-cache DIR to keep weights between runs)\n")
                    .utf8))
        return nil
    }
}
