import ArgumentParser
import Foundation
import GeomapCore
import Models

/// `geomap predict`: tile-by-tile prediction over a raster (`--in`, tile mode), or
/// basin-by-basin prediction of daily series (`--basins`, basin mode). Each option belongs to
/// one mode (or to both, ``RunOptions``); an option of the other mode is an error.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract:
            "Predict a land-cover map from a raster (--in), or daily series per basin (--basins).",
        discussion: """
            Tile mode (--in R): the raster is cut into 40×40 tiles every --stride pixels (the \
            last row and column anchored to its edge), tiles run through the model in batches \
            on all cores, and overlapping tile outputs are blended with a Hann window. Outputs \
            in --out DIR, on a grid with the input's origin and CRS and one pixel per stride: \
            <stem>.classes.tif (class ids, colour table, class names; nodata 255), \
            <stem>.probabilities.tif (one band per class, 0–254 bytes scaled to 0–1, nodata \
            255; --float for Float32 with NaN) and with --embeddings POOL \
            <stem>.embeddings.tif, each a COG with a QGIS .qml style. See docs/predict.md.

            Basin mode (--basins B --forcings F): the forcings are aggregated per basin (or \
            read per basin), mapped to the model's variables and units, and every basin runs \
            through the StefaLand model (default: the bundled demo) in windows of the model's \
            sequence length after its warm-up. Outputs in --out DIR: <stem>.nc (CF-1.8 \
            timeSeries with the basin polygons, one variable per predicted quantity and \
            prediction_flag) and <stem>.gpkg (basins with summary fields; with --observed the \
            metrics); with --archive also <stem>.forcings.nc, and a night computes only new or \
            changed days. Exit code 1 when some basins could not be run (each listed on stderr; \
            the outputs are still written); 75 when --end is after the forcing and within 7 \
            days of today (not there yet: try again later). See docs/basin-prediction.md.

            Each option belongs to one mode (or to both); an option of the other mode, an \
            option given twice or a value outside an option's choices is exit code 2.
            """)

    @OptionGroup var options: RunOptions

    @OptionGroup(title: "Tile mode") var tiles: TileRunOptions

    @OptionGroup(title: "Tile mode") var tileOutputs: PredictTileOutputs

    @OptionGroup(title: "Basin mode") var basinOptions: BasinRunOptions

    @OptionGroup(title: "Basin mode") var observed: ObservedOptions

    @OptionGroup(title: "Basin mode") var archive: BasinArchiveOptions

    static let modes = [
        StrictArguments.Mode(
            name: "tile", selector: "--in", value: "RASTER",
            groups: [TileRunOptions.self, PredictTileOutputs.self]),
        StrictArguments.Mode(
            name: "basin", selector: "--basins", value: "POLYGONS",
            groups: [BasinRunOptions.self, ObservedOptions.self, BasinArchiveOptions.self]),
    ]

    func validate() throws {
        try StrictArguments().checkModes(Self.modes)
        try tiles.checkInputFiles()
        try basinOptions.checkInputFiles()
        try observed.checkInputFiles()
    }

    func run() throws {
        let out = options.out ?? "."
        if basinOptions.basins != nil {
            try runBasins(out: out)
            return
        }
        guard let input = tiles.input else { return }
        var request = TilePredictionJob.Request(
            tiles: try tiles.request(input: input, options: options), directory: out,
            model: try tiles.model(options))
        request.floatProbabilities = tileOutputs.floatProbabilities
        request.embeddings = tileOutputs.embeddings
        try tiles.run(TilePredictionJob.self, request, verb: "predict", options: options)
    }

    /// Basin mode: `<out>/<stem>.nc` and `<out>/<stem>.gpkg`.
    func runBasins(out: String) throws {
        options.gdalCache.apply()
        try options.reserveModelMemory()
        let request = BasinPredictionJob.Request(
            job: BasinJobRequest(
                inputs: try basinOptions.request(), model: options.model,
                observedPaths: observed.observed,
                command: CommandLine.arguments.joined(separator: " "),
                geomapVersion: VersionReport.geomapVersion),
            directory: out, archive: archive.archive)
        try BasinRunOptions.run(
            BasinPredictionJob.self, request, verb: "predict", progress: options.progress)
    }
}

/// The outputs of `geomap predict --in` beside the class and probability rasters.
struct PredictTileOutputs: ParsableArguments {
    @Flag(name: .customLong("float"), help: "Write probabilities as Float32 instead of bytes.")
    var floatProbabilities = false

    @Option(help: "Also write pooled embeddings (<stem>.embeddings.tif) with this pooling.")
    var embeddings: Pooling?
}
