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

    /// The cache directory to use, or nil when caching is off.
    var directory: URL? {
        if noWeightsCache { return nil }
        return weightsCache.map { URL(fileURLWithPath: $0) } ?? WeightsCache.defaultDirectory()
    }
}
