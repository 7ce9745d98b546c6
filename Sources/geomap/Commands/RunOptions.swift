import ArgumentParser
import Foundation
import Tensor

/// The options every model-running command shares (`geomap predict`, `geomap embed`, in both
/// modes): `--model`, `--out`, `--quiet`, `--gdal-cache-mib`.
struct RunOptions: ParsableArguments {
    @Option(
        help: """
            Model: a model file path or an installed model's name (default: the bundled demo \
            model of the mode).
            """)
    var model: String?

    @Option(
        help: """
            Output: predict writes into this directory (created if missing; default: the \
            current one); embed writes this file (.tif in tile mode, .nc in basin mode).
            """)
    var out: String?

    @Flag(help: "No progress bar and no notes on stderr (warnings and errors still print).")
    var quiet = false

    @OptionGroup var gdalCache: GDALCacheOptions

    /// The reporter these options ask for.
    var progress: ProgressReporter { ProgressReporter(quiet: quiet) }
}

extension RunOptions {
    /// Under a virtual-memory limit (`ulimit -v`/`-d`), checks before the model is loaded that
    /// the run fits (an OpenBLAS work buffer for each core, as products run on every core at
    /// most, twice the model file, 256 MiB for batches and GDAL's cache) and maps OpenBLAS's buffers at once, so no product can
    /// spin in OpenBLAS's allocator later (``Tensor/BLASMemory``); exit 74 naming the limit
    /// otherwise. Nothing happens without a limit.
    func reserveModelMemory() throws {
        try Self.reserveModelMemory(model: model)
    }

    /// ``reserveModelMemory()`` for a model given by path (or name: then its size is not known
    /// here and only the margin counts).
    static func reserveModelMemory(model: String?) throws {
        let modelBytes =
            model.flatMap {
                (try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? Int
            } ?? 0
        try BLASMemory.reserve(
            callers: ProcessInfo.processInfo.activeProcessorCount,
            extraBytes: 2 * modelBytes + (256 << 20))
    }
}
