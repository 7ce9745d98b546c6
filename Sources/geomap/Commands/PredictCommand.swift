import ArgumentParser
import Foundation
import GeomapCore

/// `geomap predict`: tile-by-tile prediction over a raster (`--in`), or basin-by-basin
/// prediction (`--basins`, not available yet).
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
            metrics). Exit code 1 when some basins could not be run (each listed on stderr; \
            the outputs are still written). See docs/basin-prediction.md.
            """)

    @OptionGroup var tiles: TileRunOptions

    @Option(help: "Output directory (created if missing).")
    var out = "."

    @Flag(name: .customLong("float"), help: "Write probabilities as Float32 instead of bytes.")
    var floatProbabilities = false

    @Option(help: "Also write pooled embeddings: cls or mean.")
    var embeddings: String?

    @OptionGroup(title: "Basin mode") var basinOptions: BasinRunOptions

    @Option(help: "Observed series (per-basin CSV or NetCDF) for the summary's metrics.")
    var observed: [String] = []

    func validate() throws {
        let basins = basinOptions.basins
        if basins == nil, tiles.input == nil {
            throw ValidationError("give --in RASTER (tiles) or --basins POLYGONS (basins)")
        }
        if basins != nil, tiles.input != nil {
            throw ValidationError("give either --in or --basins, not both")
        }
        if let embeddings, TilePooling(rawValue: embeddings) == nil {
            throw ValidationError("--embeddings must be cls or mean")
        }
    }

    func run() throws {
        if basinOptions.basins != nil {
            try runBasins()
            return
        }
        guard let input = tiles.input else { return }
        try FileManager.default.createDirectory(
            atPath: out, withIntermediateDirectories: true)
        let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
        let directory = URL(fileURLWithPath: out)
        var request = try tiles.request(input: input)
        request.classesPath = directory.appendingPathComponent("\(stem).classes.tif").path
        request.probabilitiesPath =
            directory.appendingPathComponent("\(stem).probabilities.tif").path
        request.floatProbabilities = floatProbabilities
        if let embeddings {
            request.pooling = TilePooling(rawValue: embeddings)
            request.embeddingsPath =
                directory.appendingPathComponent("\(stem).embeddings.tif").path
        }
        try tiles.run(request, verb: "predict")
    }

    /// Basin mode: `<out>/<stem>.nc` and `<out>/<stem>.gpkg`.
    func runBasins() throws {
        tiles.gdalCache.apply()
        let request = BasinJobRequest(
            inputs: try basinOptions.request(), model: tiles.model, observedPaths: observed,
            command: CommandLine.arguments.joined(separator: " "),
            geomapVersion: VersionReport.geomapVersion)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try BasinRunOptions.run(verb: "predict", quiet: tiles.quiet) { log, progress in
            try BasinPredictionJob.predict(
                request, directory: URL(fileURLWithPath: out), log: log, progress: progress)
        }
    }
}
