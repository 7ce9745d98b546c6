public import Foundation

/// `geomap predict --basins`: `<directory>/<stem>.nc` (daily predictions) and
/// `<directory>/<stem>.gpkg` (the basins with their summary fields).
extension BasinPredictionJob: GeomapJob {
    public struct Request: Sendable {
        public var job: BasinJobRequest
        /// The output folder (created when missing).
        public var directory: String
        /// `--archive`: keep and grow the incremental archives (``BasinArchive``).
        public var archive: Bool

        public init(job: BasinJobRequest, directory: String, archive: Bool = false) {
            self.job = job
            self.directory = directory
            self.archive = archive
        }
    }

    public typealias Item = Request
    public typealias Summary = BasinJobSummary

    /// One item: the basin file. Every input file named is checked here; their contents are
    /// read and checked by the assembler and ``BasinObserved`` before the model runs.
    public static func plan(_ request: Request) throws -> [Request] {
        try checkInputFiles(request.job)
        return [request]
    }

    public static func run(_ item: Request, events: JobEvents) throws -> JobResult<
        BasinJobSummary
    > {
        try FileManager.default.createDirectory(
            atPath: item.directory, withIntermediateDirectories: true)
        let directory = URL(fileURLWithPath: item.directory)
        let summary =
            item.archive
            ? try BasinArchive.predict(
                item.job, directory: directory, log: events.note, progress: events.progress)
            : try predict(
                item.job, directory: directory, log: events.note, progress: events.progress)
        return JobResult(written: summary.outputs, failed: summary.failedLines, summary: summary)
    }

    /// Every input file of a basin run is there and readable (`--basins` may be a folder).
    static func checkInputFiles(_ request: BasinJobRequest) throws {
        let inputs = request.inputs
        guard !inputs.forcingPaths.isEmpty else {
            throw JobInputError(
                option: "--basins", path: inputs.basinsPath, problem: "needs --forcings FILE")
        }
        try JobInputs.check(inputs.basinsPath, option: "--basins", directoryAllowed: true)
        for path in inputs.forcingPaths { try JobInputs.checkSet(path, option: "--forcings") }
        if let path = inputs.attributesPath { try JobInputs.check(path, option: "--attributes") }
        for source in inputs.staticRasters {
            try JobInputs.check(source.path, option: "--static-raster")
        }
        if let path = inputs.mappingPath { try JobInputs.check(path, option: "--mapping") }
        for path in request.observedPaths { try JobInputs.checkSet(path, option: "--observed") }
    }
}

/// `geomap embed --basins`: per-basin, per-day StefaLand embeddings as one CF-1.8 NetCDF.
public enum BasinEmbeddingJob: GeomapJob {
    public struct Request: Sendable {
        public var job: BasinJobRequest
        /// The NetCDF to write (its folder is created when missing).
        public var output: String

        public init(job: BasinJobRequest, output: String) {
            self.job = job
            self.output = output
        }
    }

    public typealias Item = Request
    public typealias Summary = BasinJobSummary

    public static func plan(_ request: Request) throws -> [Request] {
        guard request.job.observedPaths.isEmpty else {
            throw JobInputError(
                option: "--observed", path: request.job.observedPaths[0],
                problem: "observed series are only read by basin prediction")
        }
        try BasinPredictionJob.checkInputFiles(request.job)
        return [request]
    }

    public static func run(_ item: Request, events: JobEvents) throws -> JobResult<
        BasinJobSummary
    > {
        let folder = URL(fileURLWithPath: item.output).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let summary = try BasinPredictionJob.embed(
            item.job, to: item.output, log: events.note, progress: events.progress)
        return JobResult(written: summary.outputs, failed: summary.failedLines, summary: summary)
    }
}

extension BasinJobSummary {
    /// Basins not run and basins with non-finite model output, one line each.
    public var failedLines: [String] {
        problems.map { "basin \($0.id) not run: \($0.reason)" }
            + failures.map { "basin \($0.id): \($0.reason)" }
    }
}
