import ArgumentParser
import Foundation
import GeomapCore

/// `geomap embed --in R`: pooled tile embeddings as a Float32 COG; `geomap embed --basins B`:
/// per-basin, per-day StefaLand embeddings as CF-1.8 NetCDF.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write pooled tile embeddings of a raster, or daily basin embeddings.",
        discussion: """
            Tiles and blending as in `geomap predict --in`; the output E.tif is a Float32 COG \
            on the stride grid with one band per embedding channel (emb_0…), NaN as nodata, \
            and a .qml showing channel 0. --pool cls takes the CLS token, mean the mean of \
            all tokens (metadata and CLS included), before the final LayerNorm.

            Basin mode (--basins B --forcings F … --out E.nc): the StefaLand encoder's hidden \
            states after the encoder-to-decoder projection, time tokens only, per basin and \
            day of the period, as a CF-1.8 timeSeries NetCDF with an `embedding` dimension \
            (variable basin_embedding, and prediction_flag). A period of at most the model's \
            sequence length is embedded as one sequence; a longer one in windows (see \
            docs/basin-prediction.md). Inputs and exit codes as `geomap predict --basins`.
            """)

    @OptionGroup var tiles: TileRunOptions

    @Option(help: "Pooling (tile mode): cls or mean.")
    var pool: String?

    @Option(help: "Output: embedding raster (.tif) in tile mode, NetCDF (.nc) in basin mode.")
    var out: String

    @OptionGroup(title: "Basin mode") var basinOptions: BasinRunOptions

    func validate() throws {
        if basinOptions.basins != nil {
            guard tiles.input == nil else {
                throw ValidationError("give either --in or --basins, not both")
            }
            return
        }
        guard tiles.input != nil else {
            throw ValidationError("give --in RASTER (tiles) or --basins POLYGONS (basins)")
        }
        guard let pool, TilePooling(rawValue: pool) != nil else {
            throw ValidationError("--pool must be cls or mean")
        }
    }

    func run() throws {
        if basinOptions.basins != nil {
            try runBasins()
            return
        }
        guard let input = tiles.input, let pool else { return }
        let directory = URL(fileURLWithPath: out).deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true)
        var request = try tiles.request(input: input)
        request.embeddingsPath = out
        request.pooling = TilePooling(rawValue: pool)
        try tiles.run(request, verb: "embed")
    }

    /// Basin mode: the embeddings file `--out`.
    func runBasins() throws {
        tiles.gdalCache.apply()
        let request = BasinJobRequest(
            inputs: try basinOptions.request(), model: tiles.model,
            command: CommandLine.arguments.joined(separator: " "),
            geomapVersion: VersionReport.geomapVersion)
        let directory = URL(fileURLWithPath: out).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try BasinRunOptions.run(verb: "embed", quiet: tiles.quiet) { log, progress in
            try BasinPredictionJob.embed(request, to: out, log: log, progress: progress)
        }
    }
}
