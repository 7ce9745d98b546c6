import ArgumentParser

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
