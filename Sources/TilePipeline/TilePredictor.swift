import Foundation
import GeoProjection
package import GeoRaster
package import Models
import OutputFiles
import Tensor

/// What a tile-by-tile run should do (the options of `geomap predict --in` / `geomap embed`).
package struct TilePredictionRequest: Sendable {
    /// The input raster.
    package var inputPath: String
    /// Pixels between tile origins (`--stride`, 1…tile; overlap when under the tile size).
    package var stride: Int = 40
    /// `--window`: predict only these output pixels (column, row, width, height in the whole
    /// raster's output grid); the outputs cover the window, georeferenced where it lies, with
    /// the values the whole-raster run gives there (see ``TilePlan``). `nil`: the whole grid.
    package var outputWindow: PixelWindow?
    /// `--bands`: file band numbers in model band order.
    package var bands: [Int]?
    /// `--date` (ISO 8601).
    package var date: String?
    /// `--fill-value`: the raw value that in every band marks fill — `.model` uses the model's
    /// (0 for Landsat C2 surface reflectance), `.none` turns the rule off.
    package var fill = TileFill.model
    /// `--qa-mask`: mask a Landsat band-per-file product's `QA_PIXEL` fill, cloud and cloud
    /// shadow pixels.
    package var qaMask = false
    /// `false` for `--no-metadata` (zero metadata vectors).
    package var useMetadata = true
    /// Tiles (and output cells) with more than this share of invalid pixels are nodata.
    package var maxInvalidShare = 0.5
    package var window = BlendWindow.hann
    /// Output paths; `nil` skips that output.
    package var classesPath: String?
    package var probabilitiesPath: String?
    package var embeddingsPath: String?
    /// Pooling of the embeddings output.
    package var pooling: Pooling?
    /// `--float`: Float32 probabilities instead of scaled bytes.
    package var floatProbabilities = false
    /// Tiles per model call (memory ≈ 45 KB of input plus the model's activations per tile).
    package var batchSize = 256
    /// `TIFFTAG_SOFTWARE` of the outputs.
    package var producer = "geomap"
    /// Raise GDAL's block cache for the run, when smaller, to hold two rows of the input's
    /// blocks plus 16 MiB (up to 512 MiB), so each input block is decompressed once; `false`
    /// keeps the cache as set (`--gdal-cache-mib` given).
    package var fitBlockCacheToInput = true
    /// Called after each batch with (tiles done, tiles in the plan), done counting skipped ones.
    package var progress: (@Sendable (Int, Int) -> Void)?

    package init(inputPath: String) {
        self.inputPath = inputPath
    }
}

/// What a run did.
package struct TilePredictionSummary: Sendable, Equatable {
    package var tiles: Int
    package var tilesRun: Int
    package var tilesSkipped: Int
    /// Skipped tiles whose every pixel is fill (the fill value in every band).
    package var tilesSkippedForFill = 0
    /// The fill value applied, `nil` when none.
    package var fillValue: Double?
    /// Tiles whose model output held NaN or ±Inf: left out of the outputs (nodata where no
    /// other tile covers a cell); the CLI exits 1 when there is any.
    package var tilesNonFinite = 0
    package var outputWidth: Int
    package var outputHeight: Int
    /// The final output files (COGs; `.qml` and `.aux.xml` sit beside them).
    package var outputs: [String]
    /// Whether the input was warped to the model's pixel size.
    package var warped: Bool
}

/// The tile-by-tile prediction pipeline.
///
/// 1. ``TileInput`` checks the raster against the model (CRS, bands, type, order) and warps it
///    to the model's pixel size through a lazily-evaluated VRT when needed.
/// 2. ``TilePlan`` lays `tile × tile` windows every `stride` pixels, the last row and column
///    anchored to the edge; the output grid has the input's origin and CRS and a pixel of
///    `stride` input pixels (`⌈W/stride⌉ × ⌈H/stride⌉`; a partial last column/row reaches past
///    the input's edge by less than one output pixel). With ``TilePredictionRequest/outputWindow``
///    the plan covers that window of the grid: the whole raster's tiles that reach its cells
///    (the halo), read from the window's input pixels only, so the window's values are those
///    of the whole-raster run as long as the model's output for a tile does not depend on the
///    other tiles of its batch (MoE-MAE: see ``Models/MoEMAEEncoder``).
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
package enum TilePredictor {
    /// Runs `request` with `model`.
    /// - Throws: ``TilePredictionError`` for bad input or options, raster and model errors;
    ///   no output is left under a final name on failure.
    package static func run(_ request: TilePredictionRequest, model: any TileModel) throws
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
        let cacheBefore = BlockCache.bytes
        if request.fitBlockCacheToInput {
            // A row of tiles straddling two rows of blocks needs both (read band by band).
            let wanted = 2 * input.raster.blockRowBytes + (16 << 20)
            if wanted > cacheBefore, wanted <= 512 << 20 { BlockCache.setBytes(wanted) }
        }
        defer { if BlockCache.bytes != cacheBefore { BlockCache.setBytes(cacheBefore) } }
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
            path: request.inputPath, window: request.outputWindow)
        let transform = grid.geoTransform
        let (cellWidth, cellHeight) = (
            transform.pixelWidth * Double(plan.stride), transform.pixelHeight * Double(plan.stride)
        )
        // A window's origin is its first cell's corner in the whole raster's output grid.
        let origin = plan.outputWindow
        let outputGrid = RasterGrid(
            width: plan.outputWidth, height: plan.outputHeight,
            geoTransform: GeoTransform([
                transform.originX + Double(origin.x) * cellWidth, cellWidth, 0,
                transform.originY + Double(origin.y) * cellHeight, 0, cellHeight,
            ]),
            crs: grid.crs)
        // Before any output is created or any row buffer allocated: an absurd output (a raster
        // declaring 10,000 km pixels, warped to the model's 30 m) stops here.
        try outputs.checkSize(
            TileOutputWriters.planned(
                classesPath: request.classesPath, probabilitiesPath: request.probabilitiesPath,
                embeddingsPath: request.embeddingsPath, grid: outputGrid,
                classCount: model.classes.count, floatProbabilities: request.floatProbabilities,
                embeddingWidth: model.embeddingWidth))
        let writers = try makeWriters(
            request, model: model, grid: outputGrid, date: date, outputs: outputs)
        let context = RunContext(
            plan: plan, model: model, request: request, date: date,
            toWGS84: try CoordinateTransform(from: grid.crs!, to: .wgs84),
            geoTransform: transform, probabilities: writers.needsProbabilities,
            pooling: request.embeddingsPath != nil ? request.pooling : nil,
            fill: request.fill.value(model: model.input.fillValue).map(Float.init))
        let counts = try process(
            context, raster: input.raster, bandNumbers: input.bandNumbers, writers: writers)
        try writers.finish()
        let summary = TilePredictionSummary(
            tiles: plan.tileCount, tilesRun: counts.run, tilesSkipped: counts.skipped,
            tilesSkippedForFill: counts.fill, fillValue: context.fill.map(Double.init),
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
        if let window = request.outputWindow {
            metadata["GEOMAP_WINDOW"] = "\(window.x),\(window.y),\(window.width),\(window.height)"
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
        /// The raw fill value in force (every band equal to it: invalid), or `nil`.
        let fill: Float?
    }

    /// Tiles cut from the input, ready for one model call, with what the blender needs
    /// before and after them.
    struct TileBatch {
        /// `[tiles.count][bands][tile][tile]` raw values.
        var raw: [Float] = []
        /// (tile row, tile column) of each tile.
        var tiles: [(row: Int, column: Int)] = []
        /// The tiles of each group of ``TilePlan/tileGroup`` columns of a row of tiles, as
        /// ranges of `tiles`: the model computes each group on its own (a group is never split
        /// between batches), so a tile's output depends only on its place in the raster.
        var groups: [Range<Int>] = []
        /// Tile centres and date, when metadata tokens are used.
        var places: TilePlaces?
        /// Invalid flags of the input rows read before these tiles were cut, in row order.
        var newRows: [[Bool]] = []
        /// Tile rows whose tiles are all in this batch or an earlier one.
        var finishedTileRows: [Int] = []
        /// Tiles skipped as invalid since the previous batch.
        var skipped = 0
        /// Of ``skipped``, the tiles whose every pixel is fill.
        var skippedForFill = 0
    }

    /// A batch after the model: its per-tile output vectors.
    struct RunBatch {
        var batch: TileBatch
        /// `[tiles.count][channels]`: probabilities (when needed), then the embedding.
        var vectors: [Float]
    }

    /// The run, as three overlapping stages (``StagePipeline``): this thread reads input rows
    /// and cuts tiles into batches (a batch may span rows of tiles), a helper thread runs the
    /// model on each batch, another blends the outputs and writes finished rows. At most two
    /// batches wait between stages. A tile whose output holds NaN or ±Inf is never blended
    /// (its cells stay nodata unless another tile covers them).
    /// - Returns: tiles run, skipped (of them all fill), and run with a non-finite output (left
    ///   out).
    static func process(
        _ context: RunContext, raster: borrowing Raster, bandNumbers: [Int],
        writers: TileOutputWriters
    ) throws -> (run: Int, skipped: Int, fill: Int, nonFinite: Int) {
        let plan = context.plan
        let channels = writers.channels
        let progress = context.request.progress
        let model = context.model
        let (probabilities, pooling) = (context.probabilities, context.pooling)
        let bands = bandNumbers.count
        let tile = plan.tile
        let counts = RunCounts()
        var nonFinite = 0
        var blender = TileBlender(
            plan: plan, channels: channels, window: context.request.window,
            maxInvalidShare: context.request.maxInvalidShare)
        try StagePipeline.run(
            capacity: 1,
            produce: { emit in
                try cutTiles(context, raster: raster, bandNumbers: bandNumbers, emit: emit)
            },
            transform: { batch in
                var vectors: [Float] = []
                if !batch.tiles.isEmpty {
                    let raw = Tensor(
                        shape: [batch.tiles.count, bands, tile, tile], scalars: batch.raw)
                    let outputs = try model.run(
                        raw: raw, places: batch.places, probabilities: probabilities,
                        pooling: pooling, groups: batch.groups)
                    vectors = outputVectors(
                        outputs, tiles: batch.tiles.count, channels: channels,
                        classCount: probabilities ? model.classes.count : 0)
                }
                let done = counts.add(
                    run: batch.tiles.count, skipped: batch.skipped, fill: batch.skippedForFill)
                progress?(done, plan.tileCount)
                var light = batch
                light.raw = []
                return RunBatch(batch: light, vectors: vectors)
            },
            consume: { result in
                let batch = result.batch
                for row in batch.newRows {
                    row.withUnsafeBufferPointer { blender.countValidity(inputRow: $0) }
                }
                result.vectors.withUnsafeBufferPointer { vectors in
                    for (index, tile) in batch.tiles.enumerated() {
                        let range = index * channels..<(index + 1) * channels
                        guard vectors[range].allSatisfy(\.isFinite) else {
                            nonFinite += 1
                            continue
                        }
                        blender.add(
                            tileRow: tile.row, tileColumn: tile.column,
                            values: UnsafeBufferPointer(rebasing: vectors[range]))
                    }
                }
                for tileRow in batch.finishedTileRows {
                    let finished = blender.finishRows(afterTileRow: tileRow)
                    if !finished.rows.isEmpty {
                        try writers.write(
                            rows: finished.rows, values: finished.values,
                            width: plan.outputWidth)
                    }
                }
            })
        let totals = counts.totals
        return (totals.run, totals.skipped, totals.fill, nonFinite)
    }

    /// The first stage: reads input rows once, in order, into a ``TileRowBuffer`` and cuts the
    /// tiles with at most `maxInvalidShare` invalid pixels into batches of `batchSize`.
    static func cutTiles(
        _ context: RunContext, raster: borrowing Raster, bandNumbers: [Int],
        emit: (TileBatch) throws -> Void
    ) throws {
        let plan = context.plan
        let tile = plan.tile
        let bands = bandNumbers.count
        // The plan's input window: the whole raster, or a window's cells and halo.
        let input = plan.inputWindow
        var buffer = TileRowBuffer(
            columns: input.x..<input.x + input.width, bands: bands, firstRow: input.y,
            fill: context.fill)
        let scales: [(scale: Float, offset: Float)?] = bandNumbers.map { number in
            let info = raster.bands[number - 1]
            return info.isScaled ? (Float(info.scale), Float(info.offset)) : nil
        }
        let tileValues = bands * tile * tile
        let limit = Double(context.request.maxInvalidShare) * Double(tile * tile)
        let batchSize = max(1, context.request.batchSize)
        // A batch ends at a group's end, so it may hold up to tileGroup − 1 tiles more.
        let capacity = batchSize + TilePlan.tileGroup - 1
        var batch = TileBatch()
        var group: (row: Int, index: Int)?
        var groupStart = 0
        func closeGroup() {
            if batch.tiles.count > groupStart {
                batch.groups.append(groupStart..<batch.tiles.count)
            }
            groupStart = batch.tiles.count
        }
        func send() throws {
            closeGroup()
            batch.raw.removeLast(max(0, batch.raw.count - batch.tiles.count * tileValues))
            if !batch.tiles.isEmpty, context.date != nil {
                batch.places = try places(context, tiles: batch.tiles)
            }
            try emit(batch)
            batch = TileBatch()
            groupStart = 0
        }
        for (tileRow, y) in plan.rows.offsets.enumerated() {
            // The last row of tiles also reads any row of the plan's cells below it.
            let end = tileRow == plan.rows.offsets.count - 1 ? input.y + input.height : y + tile
            try buffer.advance(
                to: y..<max(y + tile, end), raster: raster, bandNumbers: bandNumbers,
                scales: scales
            ) { batch.newRows.append(Array($0)) }
            for (column, x) in plan.columns.offsets.enumerated() {
                // Groups are counted in the whole raster's columns, so a window has the
                // groups of the whole run (TilePlan keeps whole groups).
                let here = (tileRow, (plan.columns.firstTile + column) / TilePlan.tileGroup)
                if let group, group != here {
                    if batch.tiles.count >= batchSize { try send() } else { closeGroup() }
                }
                group = here
                if batch.raw.isEmpty {
                    batch.raw = [Float](repeating: 0, count: capacity * tileValues)
                }
                let start = batch.tiles.count * tileValues
                let invalid = batch.raw.withUnsafeMutableBufferPointer { pointer in
                    buffer.copyTile(x: x, y: y, tile: tile, into: pointer.baseAddress! + start)
                }
                if Double(invalid) > limit {
                    batch.skipped += 1
                    if buffer.isAllFill(x: x, y: y, tile: tile) { batch.skippedForFill += 1 }
                    continue
                }
                batch.tiles.append((tileRow, column))
            }
            batch.finishedTileRows.append(tileRow)
        }
        try send()
    }

    /// Tile centres of `tiles` in WGS 84, one PROJ call, with the run's date.
    static func places(_ context: RunContext, tiles: [(row: Int, column: Int)]) throws
        -> TilePlaces
    {
        let plan = context.plan
        let half = Double(plan.tile) / 2
        var xs: [Double] = []
        var ys: [Double] = []
        for (row, column) in tiles {
            let world = context.geoTransform.world(
                column: Double(plan.columns.offsets[column]) + half,
                row: Double(plan.rows.offsets[row]) + half)
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
        return TilePlaces(latitudes: lonLat.y, longitudes: lonLat.x, date: context.date!)
    }

    /// `[tiles][channels]`: each tile's probabilities (`classCount` of them) then its embedding.
    static func outputVectors(
        _ outputs: TileOutputs, tiles: Int, channels: Int, classCount: Int
    ) -> [Float] {
        var vectors = [Float](repeating: 0, count: tiles * channels)
        let width = channels - classCount
        for index in 0..<tiles {
            let base = index * channels
            if let probabilities = outputs.probabilities, classCount > 0 {
                probabilities.withRow(index) { row in
                    for c in 0..<classCount { vectors[base + c] = row[c] }
                }
            }
            if let embeddings = outputs.embeddings, width > 0 {
                embeddings.withRow(index) { row in
                    for c in 0..<width { vectors[base + classCount + c] = row[c] }
                }
            }
        }
        return vectors
    }
}

/// Tiles run and skipped, counted by the model stage.
private final class RunCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var run = 0
    private var skipped = 0
    private var fill = 0

    /// Adds a batch (`fill`: of the skipped tiles, those all fill). - Returns: tiles done (run
    /// or skipped) so far.
    func add(run: Int, skipped: Int, fill: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        self.run += run
        self.skipped += skipped
        self.fill += fill
        return self.run + self.skipped
    }

    var totals: (run: Int, skipped: Int, fill: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (run, skipped, fill)
    }
}
