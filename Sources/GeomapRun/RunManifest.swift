package import Foundation
import GeomapCore

/// `<run-dir>/manifest.json`: what a run did and produced, written atomically at the end of
/// every run (and when it stops early), for `geomap status` and for people.
package struct RunManifest: Codable, Sendable, Equatable {
    /// One work item as the run left it.
    package struct Item: Codable, Sendable, Equatable {
        package var key: String
        /// `done`, `failed` or `missing` (not run: the run stopped first).
        package var status: String
        /// `skipped` when an earlier run had done it with the same fingerprint.
        package var action: String?
        package var fingerprint: String
        package var inputs: [String]
        package var outputs: [RunLedger.OutputRecord]
        package var attempts: Int
        package var seconds: Double
        package var errorClass: String?
        package var message: String?
    }

    /// A model the run used: file and SHA-256.
    package struct Model: Codable, Sendable, Equatable {
        package var path: String
        package var sha256: String
    }

    package var runID: String
    package var config: String
    /// SHA-256 of the configuration file's bytes.
    package var configSHA256: String
    /// geomap, GDAL, PROJ, netCDF-C and OpenBLAS versions.
    package var versions: [String: String]
    package var models: [Model]
    package var host: String
    /// ISO 8601 UTC.
    package var started: String
    package var ended: String
    /// The exit code the run ended with and why, in words.
    package var exitCode: Int32
    package var outcome: String
    package var items: [Item]
    /// A shard's manifest: `i-of-n` (docs/scale-out.md); `nil` otherwise.
    package var shard: String? = nil
    /// A merged manifest (`geomap merge`): the number of shards joined; `nil` otherwise.
    package var shards: Int? = nil
    /// Sharded runs: ``ShardPlan/hash(_:)`` of the plan the shards were dealt from.
    package var planHash: String? = nil

    /// Writes the manifest to `url` atomically (a temporary name in the same folder, fsync,
    /// rename), so a reader sees the old manifest or the new one, never half of one.
    package func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try RunFiles.write(try encoder.encode(self), to: url)
    }

    package static func read(_ url: URL) throws -> RunManifest {
        guard let data = try? Data(contentsOf: url) else {
            throw RunFileError(path: url.path, problem: "cannot read the manifest")
        }
        do {
            return try JSONDecoder().decode(RunManifest.self, from: data)
        } catch {
            throw RunFileError(path: url.path, problem: "not a geomap run manifest")
        }
    }
}

/// The run directory's small files (manifest, configuration copies).
package enum RunFiles {
    /// Replaces `url` with `data` whole: a temporary name in the same folder, fsync, rename.
    package static func write(_ data: Data, to url: URL) throws {
        // A name the output sweep knows, so a copy a kill left behind is removed.
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            TemporaryName.make(suffix: "tmp"))
        do {
            try data.write(to: temporary)
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw RunFileError(
                path: url.path, problem: "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw RunFileError(path: url.path, problem: "cannot rename into place: \(reason)")
        }
    }
}

extension RunFiles {
    /// The configuration with defaults filled in and dates resolved, and each job's command
    /// line (with the default `--archive` of `predict-basins`), as JSON
    /// (`config.resolved.json`).
    package static func resolvedConfiguration(_ config: RunConfig) throws -> Data {
        struct Job: Encodable {
            var name: String
            var kind: String
            var inputs: [String]
            var arguments: [String]
            /// Tile jobs: the largest item in output pixels per side.
            var chunkPixels: Int?
            /// Basin jobs: basins per item.
            var groupSize: Int?

            enum CodingKeys: String, CodingKey {
                case name, kind, inputs, arguments
                case chunkPixels = "chunk-pixels"
                case groupSize = "group-size"
            }
        }
        struct Resolved: Encodable {
            var version: Int
            var retries: Int
            var maxFailedFraction: Double
            var jobs: [Job]
            var shards: Int?

            enum CodingKeys: String, CodingKey {
                case version, retries, jobs, shards
                case maxFailedFraction = "max-failed-fraction"
            }
        }
        let resolved = Resolved(
            version: RunConfig.supportedVersion, retries: config.retries,
            maxFailedFraction: config.maxFailedFraction,
            jobs: config.jobs.map {
                Job(
                    name: $0.name, kind: $0.kind.rawValue, inputs: $0.inputs,
                    arguments: $0.arguments + RunPlan.archiveArgument($0),
                    chunkPixels: $0.kind.takesInputs
                        ? $0.chunkPixels ?? RunJob.defaultChunkPixels : nil,
                    groupSize: $0.kind == .predictBasins || $0.kind == .embedBasins
                        ? $0.groupSize ?? BasinGroup.defaultSize : nil)
            }, shards: config.shards)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(resolved)
    }
}
