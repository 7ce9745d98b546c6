import Foundation
import GeoProjection
import GeoRaster
import Models
import TestSupport
import Testing

@testable import GeomapCore
@testable import TilePipeline

/// The embeddings output written row block by row block, as the tile pipeline writes it,
/// against the same values written by GDAL in one piece (`gdal_translate -of COG` of a raw
/// ENVI file): the streaming writer must change no value and no byte of the COG's tiles.
@Suite("Tile embeddings writer")
struct TileEmbeddingsWriterTests {
    /// A value per (channel, row, column); whole cells are NaN (nodata) on a diagonal band.
    static func value(_ channel: Int, _ row: Int, _ column: Int) -> Float {
        if (row + column) % 17 == 3 { return .nan }
        return Float(sin(Double(channel * 131 + row * 7 + column) * 0.37)) * Float(channel + 1)
    }

    @Test(
        "streamed embeddings equal GDAL's one-piece COG: values, layout, tile bytes",
        arguments: [
            (width: 70, height: 45, channels: 144, rowRuns: [1, 2, 1, 3, 5]),
            (width: 600, height: 530, channels: 3, rowRuns: [7, 40, 1]),
        ])
    func equalsOnePieceReference(
        width: Int, height: Int, channels: Int, rowRuns: [Int]
    ) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let grid = RasterGrid(
            width: width, height: height,
            geoTransform: GeoTransform(
                originX: 455_000, originY: 4_968_000, pixelWidth: 1200, pixelHeight: 1200),
            crs: try CRS("EPSG:32634"))
        let output = directory.appendingPathComponent("embeddings.tif").path
        let outputs = try TileOutputWriters.outputSet(paths: [output], inputs: [])
        let writers = try TileOutputWriters(
            classesPath: nil, probabilitiesPath: nil, embeddingsPath: output, grid: grid,
            classNames: [], colors: [], floatProbabilities: false, embeddingWidth: channels,
            pooling: .mean, options: COGOptions(producer: "geomap tests"), outputs: outputs)
        var row = 0
        var run = 0
        while row < height {
            let rows = row..<min(height, row + rowRuns[run % rowRuns.count])
            var values = [Float](repeating: 0, count: channels * rows.count * width)
            for c in 0..<channels {
                for (slot, r) in rows.enumerated() {
                    for x in 0..<width {
                        values[(c * rows.count + slot) * width + x] = Self.value(c, r, x)
                    }
                }
            }
            try outputs.produce { try writers.write(rows: rows, values: values, width: width) }
            row = rows.upperBound
            run += 1
        }
        try outputs.produce { try writers.finish() }
        #expect(try writers.commit() == [output])

        let reference = try Self.writeReference(
            directory: directory, width: width, height: height, channels: channels,
            blockSize: TileOutputWriters.embeddingBlockSize(channels: channels))
        let ours = try Raster(opening: output)
        let theirs = try Raster(opening: reference)
        #expect(ours.grid.width == width && ours.grid.height == height)
        #expect(ours.bands.count == channels && theirs.bands.count == channels)
        for (a, b) in zip(ours.bands, theirs.bands) {
            #expect(a.dataType == .float32 && b.dataType == .float32)
            #expect(a.blockWidth == b.blockWidth && a.blockHeight == b.blockHeight)
            #expect(a.description == b.description)
            #expect(a.noData?.isNaN == true && b.noData?.isNaN == true)
        }
        let structure = ours.metadata(domain: "IMAGE_STRUCTURE")
        #expect(structure == theirs.metadata(domain: "IMAGE_STRUCTURE"))
        #expect(structure["LAYOUT"] == "COG" && structure["COMPRESSION"] == "DEFLATE")
        #expect(try ours.overviewCount(band: 1) == theirs.overviewCount(band: 1))

        let all = PixelWindow(x: 0, y: 0, width: width, height: height)
        let a = try ours.read(window: all, applyScale: false).values
        let b = try theirs.read(window: all, applyScale: false).values
        #expect(a.count == b.count)
        #expect(zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(a.contains { $0.isNaN } && a.contains { !$0.isNaN })

        // Same tiles, same compressed bytes, same order.
        let ourTiles = try TIFFTiles(path: output)
        let theirTiles = try TIFFTiles(path: reference)
        #expect(ourTiles.tiles.count == theirTiles.tiles.count)
        #expect(ourTiles.tiles == theirTiles.tiles)
    }

    /// `values` as a raw ENVI file, converted by `gdal_translate -of COG` with the writer's
    /// creation options. - Returns: the COG's path.
    static func writeReference(
        directory: URL, width: Int, height: Int, channels: Int, blockSize: Int
    ) throws -> String {
        let raw = directory.appendingPathComponent("reference.bin")
        var values = [Float](repeating: 0, count: channels * height * width)
        for c in 0..<channels {
            for r in 0..<height {
                for x in 0..<width { values[(c * height + r) * width + x] = value(c, r, x) }
            }
        }
        try values.withUnsafeBytes { Data($0) }.write(to: raw)
        let names = (0..<channels).map { "emb_\($0)" }.joined(separator: ", ")
        let header = """
            ENVI
            samples = \(width)
            lines = \(height)
            bands = \(channels)
            header offset = 0
            file type = ENVI Standard
            data type = 4
            interleave = bsq
            byte order = 0
            data ignore value = nan
            band names = { \(names) }

            """
        try header.write(
            to: directory.appendingPathComponent("reference.hdr"), atomically: true,
            encoding: .utf8)
        let reference = directory.appendingPathComponent("reference.tif").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "gdal_translate", "-q", "-of", "COG", "-co", "BLOCKSIZE=\(blockSize)", "-co",
            "COMPRESS=DEFLATE", "-co", "PREDICTOR=FLOATING_POINT", "-co",
            "OVERVIEW_RESAMPLING=AVERAGE", "-co", "BIGTIFF=IF_SAFER", raw.path, reference,
        ]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return reference
    }
}

/// The compressed tiles of a little-endian TIFF's first image, in file order (tags 324
/// TileOffsets and 325 TileByteCounts), read without GDAL.
struct TIFFTiles {
    var tiles: [Data] = []

    struct Malformed: Error {}

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count > 16, bytes[0] == 0x49, bytes[1] == 0x49 else { throw Malformed() }
        func read(_ at: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
        }
        let big = read(2, 2) == 43
        let ifd = big ? read(8, 8) : read(4, 4)
        let count = read(ifd, big ? 8 : 2)
        let entrySize = big ? 20 : 12
        var arrays: [Int: [Int]] = [:]
        for index in 0..<count {
            let entry = ifd + (big ? 8 : 2) + index * entrySize
            let tag = read(entry, 2)
            guard tag == 324 || tag == 325 else { continue }
            let type = read(entry + 2, 2)
            let size = type == 16 ? 8 : type == 4 ? 4 : 2
            let n = read(entry + 4, big ? 8 : 4)
            let valueField = entry + (big ? 12 : 8)
            let inline = n * size <= (big ? 8 : 4)
            let start = inline ? valueField : read(valueField, big ? 8 : 4)
            arrays[tag] = (0..<n).map { read(start + $0 * size, size) }
        }
        guard let offsets = arrays[324], let sizes = arrays[325], offsets.count == sizes.count
        else { throw Malformed() }
        tiles = zip(offsets, sizes).map { Data(bytes[$0..<$0 + $1]) }
    }
}
