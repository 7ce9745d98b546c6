import ArgumentParser
import Foundation
import GeomapCore

/// Options shared by `geomap predict --in` and `geomap embed`.
struct TileRunOptions: ParsableArguments {
    @Option(
        name: .customLong("in"),
        help: "Input raster (GeoTIFF or any GDAL raster) with the model's bands.")
    var input: String?

    @Option(help: "Model: a model file path or an installed model's name (default: the demo).")
    var model: String?

    @Option(help: "Pixels between tile origins, 1…40; under 40 the tiles overlap and blend.")
    var stride = 40

    @Option(
        help: ArgumentHelp(
            "File band for each model band, comma-separated (e.g. 2,3,4,5,6,7,8).",
            valueName: "list"))
    var bands: String?

    @Option(help: "Acquisition date/time, ISO 8601 (e.g. 2017-06-13T10:10:32Z).")
    var date: String?

    @Flag(help: "Zero metadata tokens (out of distribution for BigEarthNet-pretrained weights).")
    var noMetadata = false

    @Option(help: "Skip tiles (and blank output cells) with more than this invalid share.")
    var maxInvalid = 0.5

    @Option(help: "Tiles per model call.")
    var batchSize = 256

    @OptionGroup var gdalCache: GDALCacheOptions

    @Flag(help: "No progress bar and no summary on stderr.")
    var quiet = false

    /// `--bands` parsed.
    func bandNumbers() throws -> [Int]? {
        guard let bands else { return nil }
        let numbers = bands.split(separator: ",").map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--bands must list band numbers, e.g. 1,2,3,4,5,6,7")
        }
        return numbers.compactMap { $0 }
    }

    /// A request with the shared options filled in.
    func request(input: String) throws -> TilePredictionRequest {
        var request = TilePredictionRequest(inputPath: input)
        request.stride = stride
        request.bands = try bandNumbers()
        request.date = date
        request.useMetadata = !noMetadata
        request.maxInvalidShare = maxInvalid
        request.batchSize = batchSize
        request.producer = "geomap \(VersionReport.geomapVersion)"
        return request
    }

    /// Loads the model, runs `request` with a progress bar, prints a summary.
    func run(_ request: TilePredictionRequest, verb: String) throws {
        gdalCache.apply()
        let url = try TileModelLoader.resolve(model)
        let model = try TileModelLoader.load(url)
        let progress = TileProgress(enabled: !quiet, label: verb)
        var request = request
        request.progress = { done, total in progress.update(done: done, total: total) }
        let summary = try TilePredictor.run(request, model: model)
        progress.clear()
        guard !quiet else { return }
        let warped = summary.warped ? ", warped to the model's pixel size" : ""
        let note =
            "geomap: \(verb): \(summary.tilesRun) tiles run, \(summary.tilesSkipped) "
            + "skipped as nodata\(warped); \(summary.outputWidth)×\(summary.outputHeight) px → "
            + summary.outputs.joined(separator: ", ") + "\n"
        FileHandle.standardError.write(Data(note.utf8))
    }
}

/// A progress bar with rate and ETA on stderr, drawn only when stderr is a terminal.
final class TileProgress: @unchecked Sendable {
    private let enabled: Bool
    private let label: String
    private let unit: String
    private let start = Date()
    private let lock = NSLock()
    private var shown = false
    private var lastDraw = Date.distantPast

    init(enabled: Bool, label: String, unit: String = "tiles") {
        self.enabled = enabled && isatty(2) != 0
        self.label = label
        self.unit = unit
    }

    func update(done: Int, total: Int) {
        guard enabled, total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Int(Double(total - done) / rate) : 0
        let width = 30
        let filled = min(width, done * width / total)
        let bar =
            String(repeating: "#", count: filled)
            + String(repeating: ".", count: width - filled)
        let line =
            "\r\(label) [\(bar)] \(done)/\(total) \(unit), \(Int(rate)) \(unit)/s, "
            + "ETA \(eta / 60):\(String(format: "%02d", eta % 60))\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }
}
