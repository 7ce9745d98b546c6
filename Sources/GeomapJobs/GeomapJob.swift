import BasinInputs
import Foundation
import GeoRaster
package import OutputFiles

/// The one shape of every pipeline (`geomap predict`, `embed`, `zonal`, `probe fit`, `convert`):
///
/// 1. a ``Request`` of plain values, built from options by the CLI (or from a run
///    configuration) and never from ArgumentParser types;
/// 2. ``plan(_:)``: checks the request and the input files it names (present, readable,
///    regular files where a file is meant) and lays out the work items, before any model is
///    loaded or any output is created; the plan may be one item;
/// 3. ``run(_:events:)``: runs one item, writing its outputs as one output set (complete or
///    not at all, see `docs/outputs.md`); every input is opened and checked before the model
///    runs on it;
/// 4. a ``JobResult``: the files written, what failed (one line each: exit code 1 when there is
///    any) and the job's own figures for the command's summary line.
///
/// The command files only turn options into a request, print the events and the result, and
/// exit with the result's status.
package protocol GeomapJob {
    /// What to do: inputs, options and outputs as plain values.
    associatedtype Request: Sendable
    /// One unit of the plan, run on its own (its outputs are one output set).
    associatedtype Item: Sendable
    /// The job's figures beside the common result (counts, timings, the fitted head…).
    associatedtype Summary: Sendable

    /// Checks `request` and its input files and lays out the work.
    /// - Throws: bad input (exit 2) naming the option or file.
    static func plan(_ request: Request) throws -> [Item]

    /// Runs one item of a plan.
    static func run(_ item: Item, events: JobEvents) throws -> JobResult<Summary>
}

extension GeomapJob {
    /// Plans `request` and runs every item in order.
    package static func runAll(_ request: Request, events: JobEvents) throws -> [JobResult<
        Summary
    >] {
        try plan(request).map { try run($0, events: events) }
    }
}

/// What a job tells its caller while it runs. Called from the job's worker threads too.
package struct JobEvents: Sendable {
    /// A note for the log (left out by `--quiet`).
    package var note: @Sendable (String) -> Void
    /// A warning or notice that prints even with `--quiet`.
    package var warn: @Sendable (String) -> Void
    /// (stage, done, total): the stage is the job's own (`tiles`, the basin stages, a zonal
    /// variable's name…).
    package var progress: @Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void

    package init(
        note: @escaping @Sendable (String) -> Void,
        warn: @escaping @Sendable (String) -> Void,
        progress: @escaping @Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void = {
            _, _, _ in
        }
    ) {
        self.note = note
        self.warn = warn
        self.progress = progress
    }

    /// Events nobody listens to.
    package static let silent = JobEvents(note: { _ in }, warn: { _ in })
}

/// What one item of a job did.
package struct JobResult<Summary: Sendable>: Sendable {
    /// The final paths of the outputs written (their `.qml`/`.aux.xml` sidecars included where
    /// the job reports them).
    package var written: [String]
    /// What failed while the outputs were still written (a basin not run, tiles with a
    /// non-finite model output), one line each without the `geomap: <verb>:` prefix.
    package var failed: [String]
    /// The job's own figures.
    package var summary: Summary

    package init(written: [String], failed: [String] = [], summary: Summary) {
        self.written = written
        self.failed = failed
        self.summary = summary
    }

    /// `.partialFailure` (exit 1) when something failed, else `.success`.
    package var exitStatus: ExitStatus { failed.isEmpty ? .success : .partialFailure }
}

/// An input file of a request that is not there or cannot be read: bad input (exit 2).
package struct JobInputError: Error, CustomStringConvertible, Equatable {
    /// The option (or configuration key) that named the file.
    package var option: String
    package var path: String
    package var problem: String

    package init(option: String, path: String, problem: String) {
        self.option = option
        self.path = path
        self.problem = problem
    }

    package var description: String { "\(option) \(path): \(problem)" }
}

/// Checks of the input files a request names, made by each job's ``GeomapJob/plan(_:)`` so a
/// request built without the CLI fails as early as one the CLI checked.
package enum JobInputs {
    /// `path` exists and is readable; a folder only when `directoryAllowed` (an OGR data
    /// source, a Landsat product). GDAL/OGR names that are not plain paths (`/vsizip/…`,
    /// `NETCDF:"f.nc":var`) are left to the library that opens them.
    package static func check(_ path: String, option: String, directoryAllowed: Bool = false)
        throws
    {
        if InputKind.isGDALVirtual(path) { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw JobInputError(option: option, path: path, problem: "no such file")
        }
        if isDirectory.boolValue, !directoryAllowed {
            throw JobInputError(option: option, path: path, problem: "is a folder, not a file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw JobInputError(option: option, path: path, problem: "not readable (permissions)")
        }
    }

    /// An input that may also be one file per basin as a folder or a glob pattern
    /// (``BasinFileSet``): a pattern must match some file.
    package static func checkSet(_ path: String, option: String) throws {
        if !FileManager.default.fileExists(atPath: path), BasinFileSet.isSet(path) {
            do { _ = try BasinFileSet.files(path) } catch {
                throw JobInputError(option: option, path: path, problem: "no file matches")
            }
            return
        }
        try check(path, option: option, directoryAllowed: true)
    }

    /// The folder an output goes into exists (outputs never create folders silently, except
    /// the tile and basin prediction jobs' `--out DIR`, which they create).
    package static func checkOutputFolder(of path: String, option: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw JobInputError(
                option: option, path: path, problem: "the output folder does not exist")
        }
    }
}
