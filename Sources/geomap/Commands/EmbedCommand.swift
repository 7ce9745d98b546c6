import ArgumentParser
import Foundation
import GeomapCore
import Models

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
            docs/basin-prediction.md). Inputs and exit codes as `geomap predict --basins`; \
            each option belongs to one mode, as there.
            """)

    @OptionGroup var options: RunOptions

    @OptionGroup(title: "Tile mode") var tiles: TileRunOptions

    @OptionGroup(title: "Tile mode") var tileOutputs: EmbedTileOutputs

    @OptionGroup(title: "Basin mode") var basinOptions: BasinRunOptions

    static let modes = [
        StrictArguments.Mode(
            name: "tile", selector: "--in", value: "RASTER",
            groups: [TileRunOptions.self, EmbedTileOutputs.self]),
        StrictArguments.Mode(
            name: "basin", selector: "--basins", value: "POLYGONS",
            groups: [BasinRunOptions.self]),
    ]

    func validate() throws {
        try StrictArguments().checkModes(Self.modes)
        if options.out == nil {
            throw ValidationError("give --out FILE (.tif in tile mode, .nc in basin mode)")
        }
        if tiles.input != nil, tileOutputs.pool == nil {
            throw ValidationError("tile mode needs --pool (cls or mean)")
        }
        try tiles.checkInputFiles()
        try basinOptions.checkInputFiles()
        // The output's name says its format, as for convert: a COG named .nc (or a NetCDF
        // named .tif) would not open as what it says it is.
        if let out = options.out {
            let suffix = URL(fileURLWithPath: out).pathExtension.lowercased()
            if tiles.input != nil, suffix != "tif", suffix != "tiff" {
                throw ValidationError(
                    "\(out): embed --in writes a Cloud-Optimized GeoTIFF; name the output .tif or "
                        + ".tiff")
            }
            if basinOptions.basins != nil, suffix != "nc" {
                throw ValidationError(
                    "\(out): embed --basins writes a CF-1.8 NetCDF file; name the output .nc")
            }
        }
    }

    func run() throws {
        guard let out = options.out else { return }
        if basinOptions.basins != nil {
            options.gdalCache.apply()
            try options.reserveModelMemory()
            let request = BasinEmbeddingJob.Request(
                job: BasinJobRequest(
                    inputs: try basinOptions.request(), model: options.model,
                    command: CommandLine.arguments.joined(separator: " "),
                    geomapVersion: VersionReport.geomapVersion),
                output: out)
            try BasinRunOptions.run(
                BasinEmbeddingJob.self, request, verb: "embed", progress: options.progress)
            return
        }
        guard let input = tiles.input, let pool = tileOutputs.pool else { return }
        let request = TileEmbeddingJob.Request(
            tiles: try tiles.request(input: input, options: options), output: out, pooling: pool,
            model: try tiles.model(options))
        try tiles.run(TileEmbeddingJob.self, request, verb: "embed", options: options)
    }
}

/// `--pool`: tile mode of `geomap embed`.
struct EmbedTileOutputs: ParsableArguments {
    @Option(help: "Pooling of the tile tokens.")
    var pool: Pooling?
}
