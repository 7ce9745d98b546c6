import BasinInputs
import Foundation
package import GeomapJobs

/// `geomap predict --basins`: `<directory>/<stem>.nc` (daily predictions) and
/// `<directory>/<stem>.gpkg` (the basins with their summary fields).
extension BasinPredictionJob: GeomapJob {
    package struct Request: Sendable {
        package var job: BasinJobRequest
        /// The output folder (created when missing).
        package var directory: String
        /// `--archive`: keep and grow the incremental archives (``BasinArchive``).
        package var archive: Bool
        /// Plan one item per group of this many basins (``BasinGroup``, what `geomap run`
        /// plans as `job/group-IIII`), each writing `<stem>.group-IIII.*`; `nil`: one item,
        /// the whole file (or the request's own `--group`).
        package var groupSize: Int?

        package init(
            job: BasinJobRequest, directory: String, archive: Bool = false, groupSize: Int? = nil
        ) {
            self.job = job
            self.directory = directory
            self.archive = archive
            self.groupSize = groupSize
        }
    }

    package typealias Item = Request
    package typealias Summary = BasinJobSummary

    /// The items: the request's group, every group of `groupSize` basins, or the whole file.
    /// Every input file named is checked here, and a group against the basin layer's count;
    /// their contents are read and checked by the assembler and ``BasinObserved`` before the
    /// model runs.
    package static func plan(_ request: Request) throws -> [Request] {
        try checkInputFiles(request.job)
        return try groups(request.job, size: request.groupSize).map {
            var item = request
            item.job = $0
            item.groupSize = nil
            return item
        }
    }

    /// `job` as the items of a plan: its own group (checked against the layer), one request
    /// per group of `size` basins, or `job` itself.
    /// - Throws: ``BasinInputError`` for a group past the last one or a size below 1,
    ///   `VectorError` for an unreadable basin file.
    static func groups(_ job: BasinJobRequest, size: Int?) throws -> [BasinJobRequest] {
        let inputs = job.inputs
        if let group = inputs.group {
            try group.check(path: inputs.basinsPath, layer: inputs.layer)
            return [job]
        }
        guard let size else { return [job] }
        guard size >= 1 else {
            throw BasinInputError(
                inputs.basinsPath, "group size \(size): a group holds 1 basin or more")
        }
        return try BasinGroup.all(path: inputs.basinsPath, layer: inputs.layer, size: size).map {
            var item = job
            item.inputs.group = $0
            return item
        }
    }

    package static func run(_ item: Request, events: JobEvents) throws -> JobResult<
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
package enum BasinEmbeddingJob: GeomapJob {
    package struct Request: Sendable {
        package var job: BasinJobRequest
        /// The NetCDF to write (its folder is created when missing).
        package var output: String
        /// Plan one item per group of this many basins, each writing `E.group-IIII.nc` beside
        /// `output`; `nil`: one item (the whole file, or the request's own `--group`).
        package var groupSize: Int?

        package init(job: BasinJobRequest, output: String, groupSize: Int? = nil) {
            self.job = job
            self.output = output
            self.groupSize = groupSize
        }
    }

    package typealias Item = Request
    package typealias Summary = BasinJobSummary

    /// The items, as ``BasinPredictionJob/plan(_:)``'s.
    package static func plan(_ request: Request) throws -> [Request] {
        guard request.job.observedPaths.isEmpty else {
            throw JobInputError(
                option: "--observed", path: request.job.observedPaths[0],
                problem: "observed series are only read by basin prediction")
        }
        try BasinPredictionJob.checkInputFiles(request.job)
        return try BasinPredictionJob.groups(request.job, size: request.groupSize).map {
            var item = request
            item.job = $0
            item.groupSize = nil
            return item
        }
    }

    package static func run(_ item: Request, events: JobEvents) throws -> JobResult<
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
    package var failedLines: [String] {
        problems.map { "basin \($0.id) not run: \($0.reason)" }
            + failures.map { "basin \($0.id): \($0.reason)" }
    }
}
