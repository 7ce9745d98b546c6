import ArgumentParser
import Foundation
import GeomapRun

/// `geomap status RUN_DIR`: what the last run in a run directory did.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarise a run directory: items done, failed (with reasons) and missing.",
        discussion: """
            Reads RUN_DIR/manifest.json, written by geomap run at the end of every run and when \
            it stops early (and by geomap merge). Exit code 0 when every item is done, 1 when \
            some failed or are missing, 2 when RUN_DIR holds no manifest. With --missing, for a \
            sharded run: the shard indices that still have unfinished items, from the shards' \
            plans and ledgers (exit 1 when there are some, 0 when none; see \
            docs/scale-out.md).
            """)

    enum Form: String, ExpressibleByArgument, CaseIterable {
        case list, slurm
    }

    @Argument(help: "A run directory (geomap run --run-dir).")
    var runDirectory: String

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Print the shards of a sharded run that still have unfinished items.")
    var missing = false

    @Option(
        help: ArgumentHelp(
            "With --missing: one index a line (list) or --array=3,7,12 (slurm).",
            valueName: "form"))
    var form: Form = .list

    @Option(
        help: ArgumentHelp(
            "With --missing: the number of shards (default: the one count found under "
                + "RUN_DIR/shards/).",
            valueName: "N"))
    var shards: Int?

    func validate() throws {
        if !missing, shards != nil {
            throw ValidationError("--shards applies only with --missing")
        }
        if !missing, form != .list {
            throw ValidationError("--form applies only with --missing")
        }
        if missing, json {
            throw ValidationError("--json does not apply with --missing")
        }
    }

    /// The summary `--json` prints.
    struct Summary: Encodable {
        struct Failure: Encodable {
            var key: String
            var errorClass: String?
            var message: String?
        }
        var config: String
        var started: String
        var ended: String
        var outcome: String
        var done: [String]
        var failed: [Failure]
        var missing: [String]
    }

    func run() throws {
        if missing {
            try printMissing()
            return
        }
        let url = URL(fileURLWithPath: runDirectory).appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError("\(runDirectory): no manifest.json (not a geomap run directory?)")
        }
        let manifest = try RunManifest.read(url)
        let summary = Summary(
            config: manifest.config, started: manifest.started, ended: manifest.ended,
            outcome: manifest.outcome,
            done: manifest.items.filter { $0.status == "done" }.map(\.key),
            failed: manifest.items.filter { $0.status == "failed" }.map {
                Summary.Failure(key: $0.key, errorClass: $0.errorClass, message: $0.message)
            },
            missing: manifest.items.filter { $0.status == "missing" }.map(\.key))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            var lines = [
                "run of \(summary.config), \(summary.started) to \(summary.ended)",
                "outcome: \(summary.outcome)",
                "done: \(summary.done.count), failed: \(summary.failed.count), "
                    + "missing: \(summary.missing.count)",
            ]
            lines += summary.failed.map {
                "failed \($0.key) (\($0.errorClass ?? "error")): \($0.message ?? "")"
            }
            lines += summary.missing.map { "missing \($0)" }
            print(lines.joined(separator: "\n"))
        }
        if !summary.failed.isEmpty || !summary.missing.isEmpty { throw ExitCode(1) }
    }

    /// `--missing`: the shards with unfinished items (those of the newest recorded plan, and
    /// those that recorded another plan).
    func printMissing() throws {
        let directory = URL(fileURLWithPath: runDirectory).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw ValidationError("\(runDirectory): no such run directory")
        }
        let run = try ShardedRun.read(directory, count: shards)
        for (index, hash) in run.otherPlans.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(
                Data(
                    ("geomap status: shard \(index) of \(run.count) ran plan \(hash.prefix(12)), "
                        + "not the newest (\(run.reference?.planHash.prefix(12) ?? "")): it must "
                        + "run again\n").utf8))
        }
        let indices = run.unfinished
        guard !indices.isEmpty else { return }
        switch form {
        case .list: print(indices.map(String.init).joined(separator: "\n"))
        case .slurm: print("--array=" + indices.map(String.init).joined(separator: ","))
        }
        throw ExitCode(1)
    }
}
