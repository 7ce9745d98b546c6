import ArgumentParser
import Foundation
import GeoRaster
import GeomapCore
import Models
import Tensor

/// Tile-mode options shared by `geomap predict --in` and `geomap embed --in` (`--model`,
/// `--out`, `--quiet` and `--gdal-cache-mib` are in ``RunOptions``).
struct TileRunOptions: ParsableArguments {
    @Option(
        name: .customLong("in"),
        help: ArgumentHelp(
            "Input raster (GeoTIFF or any GDAL raster) with the model's bands, or a Landsat "
                + "Collection 2 band-per-file product (its folder or a *_SR_B1.TIF): tile mode."))
    var input: String?

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

    @Flag(
        help: ArgumentHelp(
            "Mask the QA_PIXEL fill, cloud and cloud-shadow pixels of a Landsat band-per-file "
                + "product given as --in (its folder or a *_SR_B1.TIF)."))
    var qaMask = false

    @Option(
        help: ArgumentHelp(
            "Raw value that, in every band at once, marks fill pixels (invalid; all-fill tiles "
                + "are skipped): model = the model's (0 for Landsat C2 surface reflectance).",
            valueName: "model|none|N"))
    var fillValue = "model"

    @Option(help: "Skip tiles (and blank output cells) with more than this invalid share.")
    var maxInvalid = 0.5

    @Option(help: "Tiles per model call (1…\(Self.maximumBatchSize)).")
    var batchSize = 256

    /// The largest `--batch-size`: 65,536 tiles of 7 × 40 × 40 Float32 values are 2.9 GB of
    /// input per batch, past any use.
    static let maximumBatchSize = 65536

    @Option(
        help: ArgumentHelp(
            "Predict only this window of the output grid: column,row,width,height in output "
                + "pixels (one output pixel = --stride input pixels). The outputs cover the "
                + "window, georeferenced where it lies, with the whole-scene run's values "
                + "(predict names them <stem>.x<column>y<row>.*).",
            valueName: "c,r,w,h"))
    var window: String?

    @Option(
        help: ArgumentHelp(
            "Precision of the encoder's matrix products: fp32, or bf16 (bfloat16 products with "
                + "float32 accumulation; needs AVX512_BF16, else fp32 with a notice). "
                + "Default: the model file's (fp32).",
            valueName: "fp32|bf16"))
    var precision: String?

    /// `--precision` parsed (`nil`: the model file's default).
    func matmulPrecision() throws -> MatmulPrecision? {
        guard let precision else { return nil }
        guard let value = MatmulPrecision(rawValue: precision) else {
            throw ValidationError("--precision must be fp32 or bf16, not '\(precision)'")
        }
        return value
    }

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

    /// `--window` parsed: four whole numbers, a non-negative origin and a positive size
    /// (whether it lies inside the output grid is checked once the raster is open).
    func outputWindow() throws -> PixelWindow? {
        guard let window else { return nil }
        let numbers = window.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard numbers.count == 4, numbers.allSatisfy({ $0 != nil }) else {
            throw ValidationError(
                "--window '\(window)' must be column,row,width,height in output pixels "
                    + "(e.g. 0,0,256,256)")
        }
        let (x, y, width, height) = (numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!)
        guard x >= 0, y >= 0, width >= 1, height >= 1 else {
            throw ValidationError(
                "--window '\(window)': the column and row must be 0 or more, the width and "
                    + "height 1 or more")
        }
        return PixelWindow(x: x, y: y, width: width, height: height)
    }

    /// The part of an output name that tells a window's outputs apart (`.x256y0`), or "".
    func windowSuffix() throws -> String {
        try outputWindow().map { ".x\($0.x)y\($0.y)" } ?? ""
    }

    func validate() throws {
        _ = try bandNumbers()
        _ = try matmulPrecision()
        guard TileFill(argument: fillValue) != nil else {
            throw ValidationError(
                "--fill-value must be model, none or a finite number, not '\(fillValue)'")
        }
        _ = try outputWindow()
        guard (1...Self.maximumBatchSize).contains(batchSize) else {
            throw ValidationError(
                "--batch-size \(batchSize) is not between 1 and \(Self.maximumBatchSize)")
        }
    }

    /// The input raster is there and readable (called after the mode is checked).
    func checkInputFiles() throws {
        // A folder may be a Landsat band-per-file product.
        if let input { try InputFiles.check(input, option: "--in", directoryAllowed: true) }
    }

    /// The pipeline's request with the shared options filled in (the job sets the outputs).
    func request(input: String, options: RunOptions) throws -> TilePredictionRequest {
        var request = TilePredictionRequest(inputPath: input)
        request.stride = stride
        request.bands = try bandNumbers()
        request.date = date
        request.useMetadata = !noMetadata
        request.qaMask = qaMask
        request.fill = TileFill(argument: fillValue) ?? .model
        request.maxInvalidShare = maxInvalid
        request.batchSize = batchSize
        request.outputWindow = try outputWindow()
        request.producer = "geomap \(VersionReport.geomapVersion)"
        request.fitBlockCacheToInput = options.gdalCache.gdalCacheMiB == nil
        return request
    }

    /// `--model` and `--precision`.
    func model(_ options: RunOptions) throws -> TileModelChoice {
        TileModelChoice(model: options.model, precision: try matmulPrecision())
    }

    /// Runs a tile job with a progress bar and prints a summary; exits 1 when some tiles had a
    /// non-finite model output (left as nodata).
    func run<Job: GeomapJob>(
        _ job: Job.Type, _ request: Job.Request, verb: String, options: RunOptions
    ) throws where Job.Summary == TilePredictionSummary {
        options.gdalCache.apply()
        try options.reserveModelMemory()
        let progress = options.progress
        let events = JobEvents(
            note: { progress.note("geomap: \(verb): \($0)") },
            warn: { progress.warn("geomap: \(verb): \($0)") },
            progress: { _, done, total in
                progress.update(verb, done: done, total: total, unit: "tiles")
            })
        for result in try Job.runAll(request, events: events) {
            // Even with --quiet: the run failed for these tiles.
            for line in result.failed { progress.warn("geomap: \(verb): \(line)") }
            let summary = result.summary
            let warped = summary.warped ? ", warped to the model's pixel size" : ""
            let fill = summary.fillValue.map {
                " (\(summary.tilesSkippedForFill) of them all fill \(String(format: "%g", $0)))"
            }
            progress.note(
                "geomap: \(verb): \(summary.tilesRun) tiles run, \(summary.tilesSkipped) "
                    + "skipped as nodata\(fill ?? "")\(warped); "
                    + "\(summary.outputWidth)×\(summary.outputHeight) px → "
                    + result.written.joined(separator: ", "))
            if result.exitStatus != .success { throw ExitCode(result.exitStatus.rawValue) }
        }
    }
}
