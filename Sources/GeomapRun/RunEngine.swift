package import Foundation
import GeoRaster
package import GeomapCore
import Models

/// Runs a planned configuration item by item into a run directory: skips items the ledger
/// holds as done with the same fingerprint, runs the others as child processes, retries
/// transient failures, records every outcome in the ledger, and writes the manifest.
///
/// Exit codes (``RunOutcome/exitStatus``): 0 all items done; 1 the run finished and some items
/// failed; 75 the run stopped early and should be tried again (a stop request, the deadline,
/// an item said "try again later").
package final class RunEngine {
    package struct Options: Sendable {
        /// Redo every item, whatever the ledger says.
        package var force = false
        /// Stop taking items after this moment.
        package var deadline: Date?
        /// Seconds before the first retry of a transient failure; doubled for each further
        /// one, at most ``maximumBackoff``.
        package var backoff: Double = 2
        package var maximumBackoff: Double = 60
        /// A shard of a sharded run (`i-of-n`) and the hash of the plan it was dealt from:
        /// recorded in the manifest; a shard builds no mosaic or joined file (`geomap merge`
        /// does).
        package var shard: String?
        package var planHash: String?
        package init() {}
    }

    package let config: RunConfig
    package let plan: RunPlan
    package let directory: URL
    package let options: Options
    package let stop: RunStop
    let process: ItemProcess
    let versions: [String: String]
    let log: (String) -> Void
    /// Input identities read so far, by path: many items share inputs (the model, a scene's
    /// chunks, a VRT over thousands of scenes), each read and hashed once per run.
    private var identities: [String: ItemFingerprint.InputIdentity] = [:]

    package init(
        config: RunConfig, plan: RunPlan, directory: URL, options: Options, stop: RunStop,
        executable: URL, versions: [String: String], log: @escaping (String) -> Void
    ) {
        self.config = config
        self.plan = plan
        self.directory = directory
        self.options = options
        self.stop = stop
        self.process = ItemProcess(executable: executable, workingDirectory: config.folder)
        self.versions = versions
        self.log = log
    }

    /// On a terminal, the run's progress bar (set by the command): item events then go through
    /// it; `nil` sends every event to `log` as a line.
    package var reporter: RunReporter?

    /// An item event: through ``reporter`` when there is one, else a line to `log`.
    private func event(_ line: String, important: Bool = false) {
        if let reporter {
            reporter.event(line, important: important)
        } else {
            log(line)
        }
    }

    /// The fingerprint of `item`, from its inputs' identities as this run first read them (an
    /// input that changes while the run lasts is seen changed by the next run, which redoes
    /// its items).
    package func fingerprint(_ item: WorkItem) throws -> String {
        ItemFingerprint(
            inputs: try item.inputs.map(identity), modelSHA256: item.modelSHA256,
            options: item.arguments, item: item.key, version: versions["geomap"] ?? ""
        ).value
    }

    private func identity(_ path: String) throws -> ItemFingerprint.InputIdentity {
        if let known = identities[path] { return known }
        let identity = try ItemFingerprint.InputIdentity.of(path)
        identities[path] = identity
        return identity
    }

    /// Runs every item not yet done. The run directory must exist and be locked by the caller.
    package func run() throws -> RunOutcome {
        let started = Date()
        // The manifest's temporary of a run killed while writing it (the directory is ours).
        OutputRecovery.sweep(directory.path)
        let ledger = try RunLedger(url: directory.appendingPathComponent("ledger.jsonl"))
        let logs = directory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var records: [RunManifest.Item] = []
        var failed = 0
        var tried = 0
        var stopReason: String?
        var abandoned: String?
        let total = plan.items.count
        // Items this run has to do (not done earlier with the same fingerprint): the base of
        // max-failed-fraction.
        var toRun = 0
        for (index, item) in plan.items.enumerated() {
            let place = "[\(index + 1)/\(total)] \(item.key)"
            let print = try fingerprint(item)
            var record = RunManifest.Item(
                key: item.key, status: "missing", action: nil, fingerprint: print,
                inputs: item.inputs, outputs: [], attempts: 0, seconds: 0)
            if stopReason == nil, let why = stop.requested { stopReason = why }
            if !options.force,
                ledger.isDone(item.key, fingerprint: print, resolve: { URL(fileURLWithPath: $0) })
            {
                let entry = ledger.latest[item.key]
                record.status = "done"
                record.action = "skipped"
                record.outputs = entry?.outputs ?? []
                record.attempts = entry?.attempts ?? 0
                record.seconds = entry?.seconds ?? 0
                event("\(place): done earlier, unchanged (skipped)")
                reporter?.update { $0.finished += 1 }
                records.append(record)
                continue
            }
            toRun += 1
            // The deadline stops taking new items; items done earlier are not taken, so a run
            // with nothing left to do past its deadline still ends "all done" (exit 0).
            if stopReason == nil, let deadline = options.deadline, Date() >= deadline {
                stopReason = "the deadline was reached"
            }
            guard stopReason == nil, abandoned == nil else {
                records.append(record)
                continue
            }
            tried += 1
            let itemLog = logs.appendingPathComponent(
                item.key.replacingOccurrences(of: "/", with: "__") + ".log")
            let before = OutputSnapshot(item.outputFolder, prefix: item.outputPrefix)
            var attempts = 0
            var ending: ItemProcess.Ending
            let clock = Date()
            event("\(place): running")
            reporter?.update { $0.current = item.key }
            repeat {
                attempts += 1
                ending = try process.run(item.arguments, log: itemLog) { stop.running($0) }
                stop.running(nil)
                guard case .transient(let message) = ending, attempts <= config.retries,
                    stop.requested == nil
                else { break }
                let wait = min(
                    options.maximumBackoff, options.backoff * pow(2, Double(attempts - 1)))
                event(
                    "\(place): \(message); retry \(attempts) of \(config.retries) in \(Int(wait)) s",
                    important: true)
                Thread.sleep(forTimeInterval: wait)
            } while true
            record.attempts = attempts
            record.seconds = Date().timeIntervalSince(clock)
            switch ending {
            case .done:
                let written = before.written(
                    after: OutputSnapshot(item.outputFolder, prefix: item.outputPrefix))
                record.outputs = try written.map { name in
                    try outputRecord("\(item.outputFolder)/\(name)")
                }
                record.status = "done"
                try ledger.append(
                    .init(
                        key: item.key, fingerprint: print, status: .done,
                        outputs: record.outputs, attempts: attempts, seconds: record.seconds))
                event(
                    "\(place): done in \(String(format: "%.1f", record.seconds)) s, "
                        + "\(record.outputs.count) files")
            case .failed(let errorClass, let message):
                failed += 1
                try fail(&record, errorClass: errorClass, message: message, ledger: ledger)
                event("\(place): failed (\(errorClass)): \(message)", important: true)
            case .transient(let message):
                failed += 1
                try fail(&record, errorClass: "io", message: message, ledger: ledger)
                event(
                    "\(place): failed after \(attempts) attempts (io): \(message)", important: true)
            case .tryAgainLater(let message):
                stopReason = "\(item.key) said to try again later: \(message)"
                event("\(place): try again later: \(message)", important: true)
            case .interrupted:
                stopReason = stop.requested ?? "\(item.key) was interrupted"
                event("\(place): interrupted; the next run redoes it", important: true)
            }
            records.append(record)
            if record.status != "missing" {
                reporter?.update {
                    $0.finished += 1
                    $0.ran += 1
                    $0.ranSeconds += record.seconds
                    if record.status == "failed" { $0.failed += 1 }
                    $0.current = nil
                }
            }
            if stopReason == nil, abandoned == nil,
                Double(failed) > config.maxFailedFraction * Double(toRun)
            {
                abandoned =
                    "\(failed) of \(toRun) items failed, more than max-failed-fraction "
                    + "\(config.maxFailedFraction): the run stops"
                event(abandoned!, important: true)
            }
        }
        var joinProblems: [String] = []
        if stopReason == nil, options.shard == nil {
            for job in config.jobs {
                joinProblems += JobOutputs.finish(job: job, plan: plan, records: records) {
                    line, important in event(line, important: important)
                }
            }
        }
        let outcome: RunOutcome
        let left = records.filter { $0.status == "missing" }.count
        if let stopReason {
            outcome = RunOutcome(
                status: .tryAgainLater,
                message: "stopped: \(stopReason); \(left) items left for the next run",
                items: records)
        } else if let abandoned {
            outcome = RunOutcome(status: .partialFailure, message: abandoned, items: records)
        } else if failed > 0 {
            let names = records.filter { $0.status == "failed" }.map(\.key)
            outcome = RunOutcome(
                status: .partialFailure,
                message: "\(failed) of \(total) items failed: " + names.joined(separator: ", "),
                items: records)
        } else if !joinProblems.isEmpty {
            outcome = RunOutcome(
                status: .partialFailure,
                message: "all \(total) items done, but " + joinProblems.joined(separator: "; "),
                items: records)
        } else {
            let skipped = records.filter { $0.action == "skipped" }.count
            outcome = RunOutcome(
                status: .success,
                message: "all \(total) items done (\(tried) run, \(skipped) unchanged)",
                items: records)
        }
        try manifest(outcome, started: started).write(
            to: directory.appendingPathComponent("manifest.json"))
        return outcome
    }

    private func fail(
        _ record: inout RunManifest.Item, errorClass: String, message: String, ledger: RunLedger
    ) throws {
        record.status = "failed"
        record.errorClass = errorClass
        record.message = message
        try ledger.append(
            .init(
                key: record.key, fingerprint: record.fingerprint, status: .failed, outputs: [],
                attempts: record.attempts, seconds: record.seconds, errorClass: errorClass,
                message: message))
    }

    private func outputRecord(_ path: String) throws -> RunLedger.OutputRecord {
        let size =
            (try? FileManager.default.attributesOfItem(atPath: path)[.size])
            .flatMap { $0 as? NSNumber }?.int64Value ?? 0
        return RunLedger.OutputRecord(
            path: path, size: size, sha256: try FileDigest.sha256(ofFileAt: path))
    }

    private func manifest(_ outcome: RunOutcome, started: Date) throws -> RunManifest {
        var models: [RunManifest.Model] = []
        for item in plan.items {
            guard let model = item.model, !models.contains(where: { $0.path == model })
            else { continue }
            models.append(RunManifest.Model(path: model, sha256: item.modelSHA256))
        }
        let configData = (try? Data(contentsOf: config.file)) ?? Data()
        var hasher = SHA256Digest()
        hasher.update(configData)
        let iso = ISO8601DateFormatter()
        return RunManifest(
            runID: "\(iso.string(from: started))-\(getpid())", config: config.file.path,
            configSHA256: SHA256Digest.hex(hasher.finalize()), versions: versions,
            models: models, host: ProcessInfo.processInfo.hostName,
            started: iso.string(from: started), ended: iso.string(from: Date()),
            exitCode: outcome.status.rawValue, outcome: outcome.message, items: outcome.items,
            shard: options.shard, planHash: options.planHash)
    }

}

/// How a run ended.
package struct RunOutcome: Sendable {
    package var status: ExitStatus
    package var message: String
    package var items: [RunManifest.Item]
}
