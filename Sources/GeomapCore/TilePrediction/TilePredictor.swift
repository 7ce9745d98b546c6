import Foundation
import GeoProjection
import GeoRaster
public import Models
import OutputFiles
import Tensor

/// What a tile-by-tile run should do (the options of `geomap predict --in` / `geomap embed`).
public struct TilePredictionRequest: Sendable {
    /// The input raster.
    public var inputPath: String
    /// Pixels between tile origins (`--stride`, 1…tile; overlap when under the tile size).
    public var stride: Int = 40
    /// `--bands`: file band numbers in model band order.
    public var bands: [Int]?
    /// `--date` (ISO 8601).
    public var date: String?
    /// `--qa-mask`: mask a Landsat band-per-file product's `QA_PIXEL` fill, cloud and cloud
    /// shadow pixels.
    public var qaMask = false
    /// `false` for `--no-metadata` (zero metadata vectors).
    public var useMetadata = true
    /// Tiles (and output cells) with more than this share of invalid pixels are nodata.
    public var maxInvalidShare = 0.5
    public var window = BlendWindow.hann
    /// Output paths; `nil` skips that output.
    public var classesPath: String?
    public var probabilitiesPath: String?
    public var embeddingsPath: String?
    /// Pooling of the embeddings output.
    public var pooling: Pooling?
    /// `--float`: Float32 probabilities instead of scaled bytes.
    public var floatProbabilities = false
    /// Tiles per model call (memory ≈ 45 KB of input plus the model's activations per tile).
    public var batchSize = 256
    /// `TIFFTAG_SOFTWARE` of the outputs.
    public var producer = "geomap"
    /// Called after each batch with (tiles done, tiles in the plan), done counting skipped ones.
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(inputPath: String) {
        self.inputPath = inputPath
    }
}

/// What a run did.
public struct TilePredictionSummary: Sendable, Equatable {
    public var tiles: Int
    public var tilesRun: Int
    public var tilesSkipped: Int
    /// Tiles whose model output held NaN or ±Inf: left out of the outputs (nodata where no
    /// other tile covers a cell); the CLI exits 1 when there is any.
    public var tilesNonFinite = 0
    public var outputWidth: Int
    public var outputHeight: Int
    /// The final output files (COGs; `.qml` and `.aux.xml` sit beside them).
    public var outputs: [String]
    /// Whether the input was warped to the model's pixel size.
    public var warped: Bool
}

/// The tile-by-tile prediction pipeline.
///
/// 1. ``TileInput`` checks the raster against the model (CRS, bands, type, order) and warps it
///    to the model's pixel size through a lazily-evaluated VRT when needed.
/// 2. ``TilePlan`` lays `tile × tile` windows every `stride` pixels, the last row and column
///    anchored to the edge; the output grid has the input's origin and CRS and a pixel of
///    `stride` input pixels (`⌈W/stride⌉ × ⌈H/stride⌉`; a partial last column/row reaches past
///    the input's edge by less than one output pixel).
/// 3. Rows of tiles are processed top to bottom: the input rows they need are read once into a
///    ``TileRowBuffer``; tiles with more than `maxInvalidShare` invalid pixels are skipped; the
///    others are batched, their centres transformed to WGS 84 in one PROJ call per batch, and
///    the shared model runs the batch on all cores.
/// 4. ``TileBlender`` blends tile outputs into output cells with a Hann window and releases rows
///    as soon as no later tile can touch them; they go straight to the COG writers.
///
/// Memory is bounded independently of the scene's height: `tile` input rows × width × (4 bytes
/// × bands + 1), one batch (`batchSize × bands × tile² × 4` bytes plus the model's activations),
/// `⌈tile/stride⌉ + 1` open output rows, and GDAL's block cache (`--gdal-cache-mib`).
public enum TilePredictor {
    /// Runs `request` with `model`.
    /// - Throws: ``TilePredictionError`` for bad input or options, raster and model errors;
    ///   no output is left under a final name on failure.
    public static func run(_ request: TilePredictionRequest, model: any TileModel) throws
        -> TilePredictionSummary
    {
        try validate(request, model: model)
        let outputs = try TileOutputWriters.outputSet(
            paths: [request.classesPath, request.probabilitiesPath, request.embeddingsPath]
                .compactMap { $0 }, inputs: [request.inputPath])
        let (summary, writers) = try outputs.produce {
            try run(request, model: model, outputs: outputs)
        }
        var result = summary
        result.outputs = try writers.commit()
        return result
    }

    /// Everything but the commit: writes and checks the outputs in `outputs`' staging folder.
    static func run(_ request: TilePredictionRequest, model: any TileModel, outputs: OutputSet)
        throws -> (TilePredictionSummary, TileOutputWriters)
    {
        let input = try TileInput(
            path: request.inputPath, spec: model.input, bands: request.bands,
            temporaryDirectory: outputs.staging, qaMask: request.qaMask)
        defer { input.removeTemporaries() }
        var date: Date?
        if request.useMetadata {
            date = try AcquisitionDate.resolve(
                option: request.date, metadata: input.raster.metadata(), path: request.inputPath)
            if date == nil { throw TilePredictionError.missingDate(path: request.inputPath) }
        }
        let grid = input.raster.grid
        let tile = model.input.tileSize
        let plan = try TilePlan(
            width: grid.width, height: grid.height, tile: tile, stride: request.stride,
            path: request.inputPath)
        let transform = grid.geoTransform
        let outputGrid = RasterGrid(
            width: plan.outputWidth, height: plan.outputHeight,
            geoTransform: GeoTransform([
                transform.originX, transform.pixelWidth * Double(plan.stride), 0,
                transform.originY, 0, transform.pixelHeight * Double(plan.stride),
            ]),
            crs: grid.crs)
        let writers = try makeWriters(
            request, model: model, grid: outputGrid, date: date, outputs: outputs)
        let context = RunContext(
            plan: plan, model: model, request: request, date: date,
            toWGS84: try CoordinateTransform(from: grid.crs!, to: .wgs84),
            geoTransform: transform, probabilities: writers.needsProbabilities,
            pooling: request.embeddingsPath != nil ? request.pooling : nil)
        let counts = try process(
            context, raster: input.raster, bandNumbers: input.bandNumbers, writers: writers)
        try writers.finish()
        let summary = TilePredictionSummary(
            tiles: plan.tileCount, tilesRun: counts.run, tilesSkipped: counts.skipped,
            tilesNonFinite: counts.nonFinite, outputWidth: plan.outputWidth,
            outputHeight: plan.outputHeight, outputs: [], warped: input.vrtPath != nil)
        return (summary, writers)
    }

    static func validate(_ request: TilePredictionRequest, model: any TileModel) throws {
        guard (0...1).contains(request.maxInvalidShare) else {
            throw TilePredictionError.invalidThreshold(request.maxInvalidShare)
        }
        let wantsHead = request.classesPath != nil || request.probabilitiesPath != nil
        guard wantsHead || request.embeddingsPath != nil else {
            throw TilePredictionError.output(path: request.inputPath, reason: "no output asked for")
        }
        if wantsHead, model.classes.isEmpty {
            throw TilePredictionError.model(
                path: model.path,
                reason: "the model has no classification head; fit one with `geomap probe fit` "
                    + "or ask only for embeddings (geomap embed)")
        }
        if wantsHead, model.classes.count > 255 {
            throw TilePredictionError.model(
                path: model.path, reason: "\(model.classes.count) classes do not fit a byte raster")
        }
        if request.embeddingsPath != nil, request.pooling == nil {
            throw TilePredictionError.output(
                path: request.embeddingsPath!, reason: "embeddings need a pooling (cls or mean)")
        }
    }

    static func makeWriters(
        _ request: TilePredictionRequest, model: any TileModel, grid: RasterGrid, date: Date?,
        outputs: OutputSet
    ) throws -> TileOutputWriters {
        var metadata = [
            "GEOMAP_INPUT": URL(fileURLWithPath: request.inputPath).lastPathComponent,
            "GEOMAP_STRIDE": "\(request.stride)",
            "GEOMAP_TILE": "\(model.input.tileSize)",
            "GEOMAP_BLEND": "hann floor \(request.window.floor)",
            "GEOMAP_MAX_INVALID": "\(request.maxInvalidShare)",
            "GEOMAP_METADATA_TOKENS": request.useMetadata ? "yes" : "no (zero vectors)",
            "GEOMAP_TASK": model.classes.isEmpty ? "embedding" : model.task.rawValue,
        ]
        if let date {
            metadata["GEOMAP_ACQUISITION"] = ISO8601DateFormatter().string(from: date)
        }
        let options = COGOptions(
            producer: request.producer, model: model.name, metadata: metadata)
        let colors = model.classes.enumerated().map {
            ClassPalette.color(index: $0.offset, hex: $0.element.color)
        }
        return try TileOutputWriters(
            classesPath: request.classesPath, probabilitiesPath: request.probabilitiesPath,
            embeddingsPath: request.embeddingsPath, grid: grid,
            classNames: model.classes.map(\.name), colors: colors,
            floatProbabilities: request.floatProbabilities,
            embeddingWidth: model.embeddingWidth, pooling: request.pooling, options: options,
            outputs: outputs)
    }

    struct RunContext {
        let plan: TilePlan
        let model: any TileModel
        let request: TilePredictionRequest
        let date: Date?
        let toWGS84: CoordinateTransform
        let geoTransform: GeoTransform
        let probabilities: Bool
        let pooling: Pooling?
    }

    /// The loop over rows of tiles. - Returns: tiles run, skipped, and run with a non-finite
    /// output (left out).
    static func process(
        _ context: RunContext, raster: borrowing Raster, bandNumbers: [Int],
        writers: TileOutputWriters
    ) throws -> (run: Int, skipped: Int, nonFinite: Int) {
        let plan = context.plan
        let tile = plan.tile
        let bands = bandNumbers.count
        var buffer = TileRowBuffer(width: plan.columns.length, bands: bands)
        var blender = TileBlender(
            plan: plan, channels: writers.channels, window: context.request.window,
            maxInvalidShare: context.request.maxInvalidShare)
        let scales: [(scale: Float, offset: Float)?] = bandNumbers.map { number in
            let info = raster.bands[number - 1]
            return info.isScaled ? (Float(info.scale), Float(info.offset)) : nil
        }
        let tileValues = bands * tile * tile
        let limit = Double(context.request.maxInvalidShare) * Double(tile * tile)
        let batchSize = max(1, context.request.batchSize)
        var (run, skipped, done, nonFinite) = (0, 0, 0, 0)
        for (tileRow, y) in plan.rows.offsets.enumerated() {
            try buffer.advance(
                to: y..<y + tile, raster: raster, bandNumbers: bandNumbers, scales: scales
            ) { blender.countValidity(inputRow: $0) }
            var columns: [Int] = []
            var batch = [Float](
                repeating: 0,
                count: min(batchSize, plan.columns.offsets.count)
                    * tileValues)
            func flush() throws {
                guard !columns.isEmpty else { return }
                let raw = Tensor(
                    shape: [columns.count, bands, tile, tile],
                    scalars: Array(batch[0..<columns.count * tileValues]))
                nonFinite += try runBatch(
                    context, raw: raw, tileRow: tileRow, columns: columns, blender: &blender)
                run += columns.count
                done += columns.count
                columns.removeAll(keepingCapacity: true)
                context.request.progress?(done, plan.tileCount)
            }
            for (column, x) in plan.columns.offsets.enumerated() {
                let invalid = batch.withUnsafeMutableBufferPointer { pointer in
                    buffer.copyTile(
                        x: x, y: y, tile: tile,
                        into: pointer.baseAddress! + columns.count * tileValues)
                }
                if Double(invalid) > limit {
                    skipped += 1
                    done += 1
                    continue
                }
                columns.append(column)
                if columns.count == batchSize { try flush() }
            }
            try flush()
            context.request.progress?(done, plan.tileCount)
            let finished = blender.finishRows(afterTileRow: tileRow)
            if !finished.rows.isEmpty {
                try writers.write(
                    rows: finished.rows, values: finished.values, width: plan.outputWidth)
            }
        }
        return (run, skipped, nonFinite)
    }

    /// Runs one batch of tiles of a tile row and adds their outputs to the blender; a tile
    /// whose output holds NaN or ±Inf is never blended (its cells stay nodata unless another
    /// tile covers them).
    /// - Returns: the number of such tiles.
    static func runBatch(
        _ context: RunContext, raw: Tensor, tileRow: Int, columns: [Int],
        blender: inout TileBlender
    ) throws -> Int {
        let plan = context.plan
        var places: TilePlaces?
        if let date = context.date {
            let half = Double(plan.tile) / 2
            let row = Double(plan.rows.offsets[tileRow]) + half
            var xs: [Double] = []
            var ys: [Double] = []
            for column in columns {
                let world = context.geoTransform.world(
                    column: Double(plan.columns.offsets[column]) + half, row: row)
                xs.append(world.x)
                ys.append(world.y)
            }
            let lonLat = context.toWGS84.transform(x: xs, y: ys)
            if let failed = lonLat.failed.first {
                throw TilePredictionError.model(
                    path: context.request.inputPath,
                    reason: "PROJ cannot locate the tile centre (\(xs[failed]), \(ys[failed])) "
                        + "in WGS 84")
            }
            places = TilePlaces(latitudes: lonLat.y, longitudes: lonLat.x, date: date)
        }
        let outputs = try context.model.run(
            raw: raw, places: places, probabilities: context.probabilities,
            pooling: context.pooling)
        let classCount = context.probabilities ? context.model.classes.count : 0
        let width = context.pooling != nil ? context.model.embeddingWidth : 0
        var vector = [Float](repeating: 0, count: classCount + width)
        var nonFinite = 0
        for (index, column) in columns.enumerated() {
            if let probabilities = outputs.probabilities, classCount > 0 {
                probabilities.withRow(index) { row in
                    for c in 0..<classCount { vector[c] = row[c] }
                }
            }
            if let embeddings = outputs.embeddings, width > 0 {
                embeddings.withRow(index) { row in
                    for c in 0..<width { vector[classCount + c] = row[c] }
                }
            }
            guard vector.allSatisfy(\.isFinite) else {
                nonFinite += 1
                continue
            }
            vector.withUnsafeBufferPointer {
                blender.add(tileRow: tileRow, tileColumn: column, values: $0)
            }
        }
        return nonFinite
    }
}
