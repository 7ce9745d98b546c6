import Foundation
import GeoRaster
import GeomapCore
import Models

/// How a tile job's scenes split into work items: a scene whose output grid is larger than
/// `chunk-pixels` on a side becomes chunks of at most `chunk-pixels × chunk-pixels` output
/// pixels, row of chunks by row of chunks, each run as `--window` of the scene (whose halo
/// makes the chunk's values those of the whole-scene run; see ``GeomapCore/TilePlan``).
///
/// Deciding needs the scene's output grid at the model's pixel size, so the chunker loads the
/// job's model (for its tile size, pixel size and bands) and opens each scene's header. A job
/// whose model, stride or bands cannot be read, and a scene that cannot be opened or is
/// refused, stay whole: the item then fails on its own, with the command's message.
struct TileChunks {
    let spec: TileInputSpec
    let stride: Int
    let bands: [Int]?
    let chunkPixels: Int
    /// Where a warped VRT or band stack is written while a scene is measured.
    let temporaryDirectory: String

    /// The chunker of `job`, or `nil` when it cannot decide (the job's scenes stay whole).
    init?(job: RunJob, model: String?, temporaryDirectory: String) {
        func value(_ key: String) -> String? {
            guard let option = job.options.last(where: { $0.key == key }),
                case .values(let values) = option.value
            else { return nil }
            return values.first
        }
        guard let model, let loaded = try? TileModelLoader.load(URL(fileURLWithPath: model))
        else { return nil }
        spec = loaded.input
        if let text = value("stride") {
            guard let stride = Int(text) else { return nil }
            self.stride = stride
        } else {
            stride = TilePredictionRequest(inputPath: "").stride
        }
        if let text = value("bands") {
            let numbers = text.split(separator: ",").map {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return nil }
            bands = numbers.compactMap { $0 }
        } else {
            bands = nil
        }
        chunkPixels = job.chunkPixels ?? RunJob.defaultChunkPixels
        self.temporaryDirectory = temporaryDirectory
    }

    /// The chunks of `raster` (windows of its output grid, row by row), or `nil` when it is
    /// one item (it fits in one chunk, or cannot be measured).
    func windows(of raster: String) -> [PixelWindow]? {
        outputSize(of: raster).flatMap(windows(ofSize:))
    }

    /// The output grid of `raster` (one pixel per `stride` input pixels), `nil` when it
    /// cannot be measured.
    func outputSize(of raster: String) -> (width: Int, height: Int)? {
        try? TilePredictor.outputSize(
            inputPath: raster, spec: spec, bands: bands, stride: stride,
            temporaryDirectory: temporaryDirectory)
    }

    /// The chunks of an output grid of `size`, or `nil` when it fits in one chunk.
    func windows(ofSize size: (width: Int, height: Int)) -> [PixelWindow]? {
        guard size.width > chunkPixels || size.height > chunkPixels else { return nil }
        return Self.windows(width: size.width, height: size.height, chunk: chunkPixels)
    }

    /// A `width × height` grid cut into `chunk × chunk` windows (the last ones of each row and
    /// column smaller), row of windows by row of windows.
    static func windows(width: Int, height: Int, chunk: Int) -> [PixelWindow] {
        Swift.stride(from: 0, to: height, by: chunk).flatMap { y in
            Swift.stride(from: 0, to: width, by: chunk).map { x in
                PixelWindow(
                    x: x, y: y, width: min(chunk, width - x), height: min(chunk, height - y))
            }
        }
    }

    /// The name part of a chunk's outputs and key, `x<column>y<row>` (as `geomap predict
    /// --window` names its outputs).
    static func label(_ window: PixelWindow) -> String { "x\(window.x)y\(window.y)" }
}
