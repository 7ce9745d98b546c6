import Foundation
package import GeomapJobs
package import Models
package import Tensor

/// The model a tile job runs and how: `--model` and `--precision`.
package struct TileModelChoice: Sendable, Equatable {
    /// A model file path or an installed model's name; `nil`: the bundled demo model.
    package var model: String?
    /// The encoder's matrix-product precision; `nil`: the model file's.
    package var precision: MatmulPrecision?

    package init(model: String? = nil, precision: MatmulPrecision? = nil) {
        self.model = model
        self.precision = precision
    }

    /// Resolves and loads the model; a precision that could not be used is a warning.
    func load(events: JobEvents) throws -> any TileModel {
        let url = try TileModelLoader.resolve(model)
        let loaded = try TileModelLoader.load(url, precision: precision)
        if let notice = TileModelLoader.precisionNotice(loaded) { events.warn(notice) }
        return loaded
    }
}

/// `geomap predict --in`: class and probability rasters (and, when asked, embeddings) of one
/// raster, written into a folder as `<stem>.classes.tif`, `<stem>.probabilities.tif`,
/// `<stem>.embeddings.tif` (a `--window`'s outputs `<stem>.x<C>y<R>.*`).
package enum TilePredictionJob: GeomapJob {
    package struct Request: Sendable {
        /// The input and the tiling options (its output paths are set by the job).
        package var tiles: TilePredictionRequest
        /// The output folder (created when missing).
        package var directory: String
        /// `--float`: Float32 probabilities.
        package var floatProbabilities = false
        /// `--embeddings POOL`: also write pooled embeddings.
        package var embeddings: Pooling?
        package var model: TileModelChoice

        package init(
            tiles: TilePredictionRequest, directory: String, model: TileModelChoice = .init()
        ) {
            self.tiles = tiles
            self.directory = directory
            self.model = model
        }

        /// The outputs' common name: the input's file stem, plus `.x<C>y<R>` for a window.
        package var stem: String {
            URL(fileURLWithPath: tiles.inputPath).deletingPathExtension().lastPathComponent
                + (tiles.outputWindow.map { ".x\($0.x)y\($0.y)" } ?? "")
        }

        /// The pipeline's request with the output paths filled in.
        package var pipelineRequest: TilePredictionRequest {
            var request = tiles
            let folder = URL(fileURLWithPath: directory)
            func path(_ kind: String) -> String {
                folder.appendingPathComponent("\(stem).\(kind).tif").path
            }
            request.classesPath = path("classes")
            request.probabilitiesPath = path("probabilities")
            request.floatProbabilities = floatProbabilities
            request.embeddingsPath = embeddings.map { _ in path("embeddings") }
            request.pooling = embeddings
            return request
        }
    }

    package typealias Item = Request
    package typealias Summary = TilePredictionSummary

    /// One item: the raster (a scene split into windows is several requests, see `geomap run`).
    package static func plan(_ request: Request) throws -> [Request] {
        try JobInputs.check(request.tiles.inputPath, option: "--in", directoryAllowed: true)
        return [request]
    }

    package static func run(_ item: Request, events: JobEvents) throws -> JobResult<
        TilePredictionSummary
    > {
        try FileManager.default.createDirectory(
            atPath: item.directory, withIntermediateDirectories: true)
        return try TileJobRun.run(item.pipelineRequest, model: item.model, events: events)
    }
}

/// `geomap embed --in`: pooled tile embeddings of one raster as one Float32 COG.
package enum TileEmbeddingJob: GeomapJob {
    package struct Request: Sendable {
        /// The input and the tiling options (its output paths are set by the job).
        package var tiles: TilePredictionRequest
        /// The embeddings COG to write (its folder is created when missing).
        package var output: String
        package var pooling: Pooling
        package var model: TileModelChoice

        package init(
            tiles: TilePredictionRequest, output: String, pooling: Pooling,
            model: TileModelChoice = .init()
        ) {
            self.tiles = tiles
            self.output = output
            self.pooling = pooling
            self.model = model
        }

        /// The pipeline's request with the output path filled in.
        package var pipelineRequest: TilePredictionRequest {
            var request = tiles
            request.classesPath = nil
            request.probabilitiesPath = nil
            request.embeddingsPath = output
            request.pooling = pooling
            return request
        }
    }

    package typealias Item = Request
    package typealias Summary = TilePredictionSummary

    package static func plan(_ request: Request) throws -> [Request] {
        try JobInputs.check(request.tiles.inputPath, option: "--in", directoryAllowed: true)
        return [request]
    }

    package static func run(_ item: Request, events: JobEvents) throws -> JobResult<
        TilePredictionSummary
    > {
        let folder = URL(fileURLWithPath: item.output).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try TileJobRun.run(item.pipelineRequest, model: item.model, events: events)
    }
}

/// The run both tile jobs share: load the model, run the pipeline, say what failed.
enum TileJobRun {
    static func run(
        _ request: TilePredictionRequest, model choice: TileModelChoice, events: JobEvents
    )
        throws -> JobResult<TilePredictionSummary>
    {
        let model = try choice.load(events: events)
        var request = request
        let progress = events.progress
        request.progress = { done, total in progress("tiles", done, total) }
        let summary = try TilePredictor.run(request, model: model)
        let failed =
            summary.tilesNonFinite > 0
            ? [
                "\(summary.tilesNonFinite) of \(summary.tilesRun) tiles run gave a non-finite "
                    + "model output (NaN or ±Inf) and were written as nodata"
            ] : []
        return JobResult(written: summary.outputs, failed: failed, summary: summary)
    }
}
