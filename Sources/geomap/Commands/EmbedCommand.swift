import ArgumentParser
import Foundation
import GeomapCore

/// `geomap embed --in R`: pooled tile embeddings as a Float32 COG.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write pooled tile embeddings of a raster (one band per channel).",
        discussion: """
            Tiles and blending as in `geomap predict --in`; the output E.tif is a Float32 COG \
            on the stride grid with one band per embedding channel (emb_0…), NaN as nodata, \
            and a .qml showing channel 0. --pool cls takes the CLS token, mean the mean of \
            all tokens (metadata and CLS included), before the final LayerNorm.
            """)

    @OptionGroup var tiles: TileRunOptions

    @Option(help: "Pooling: cls or mean.")
    var pool: String

    @Option(help: "Output embedding raster (.tif).")
    var out: String

    func validate() throws {
        guard tiles.input != nil else { throw ValidationError("give --in RASTER") }
        guard TilePooling(rawValue: pool) != nil else {
            throw ValidationError("--pool must be cls or mean")
        }
    }

    func run() throws {
        guard let input = tiles.input else { return }
        let directory = URL(fileURLWithPath: out).deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true)
        var request = try tiles.request(input: input)
        request.embeddingsPath = out
        request.pooling = TilePooling(rawValue: pool)
        try tiles.run(request, verb: "embed")
    }
}
