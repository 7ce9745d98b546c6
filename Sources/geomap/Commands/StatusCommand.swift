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
            it stops early. Exit code 0 when every item is done, 1 when some failed or are \
            missing, 2 when RUN_DIR holds no manifest.
            """)

    @Argument(help: "A run directory (geomap run --run-dir).")
    var runDirectory: String

    @Flag(help: "Print the summary as JSON.")
    var json = false

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
}
