package import Foundation
package import GeomapCore

/// A sharded run directory as its shards left it (`RUN_DIR/shards/i-of-n/`: each shard's
/// `plan.json`, ledger and manifest), for `geomap merge` and `geomap status --missing`.
///
/// The plan comes from the shards' recorded plans (``ShardRecord``): every shard records the
/// whole plan, so one shard that ran is enough to know every item, also those of shards that
/// never started. An item is **done** when its shard recorded the same plan, and the shard's
/// ledger holds it `done` with the fingerprint that plan recorded and every output still there
/// with its size; **failed** when the ledger's latest entry for it (same fingerprint) is a
/// failure; **missing** otherwise.
package struct ShardedRun: Sendable {
    package enum State: Sendable, Equatable {
        case done(RunLedger.Entry)
        case failed(RunLedger.Entry)
        case missing
    }

    /// One `shards/i-of-n/` folder.
    package struct Shard: Sendable {
        package var index: Int
        package var url: URL
        /// Its `plan.json`, `nil` when it has none (killed before planning, or not a shard).
        package var record: ShardRecord?
        /// Its ledger's latest entry per key.
        package var ledger: [String: RunLedger.Entry]
        /// Its `manifest.json`, when it has one.
        package var manifest: RunManifest?
    }

    /// The run directory.
    package let directory: URL
    /// The number of shards.
    package let count: Int
    /// The shard folders of that count that exist, by index.
    package let shards: [Int: Shard]
    /// The plan the shards were dealt from: the newest recorded one; `nil` when no shard
    /// recorded a plan.
    package let reference: ShardRecord?
    /// Shards that recorded another plan than ``reference`` (by their plan hash).
    package let otherPlans: [Int: String]
    /// The state of each item of ``reference``.
    package let states: [State]

    /// Reads `directory`'s shards of `count` (or of the only count its `shards/` holds).
    /// - Throws: ``ShardError`` (exit 2) when `directory` holds no shard folder (and no
    ///   count is given) or shards of several counts without `count`.
    package static func read(_ directory: URL, count: Int?) throws -> ShardedRun {
        let folder = directory.appendingPathComponent("shards")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var found: [(index: Int, count: Int, name: String)] = []
        for name in names {
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[1] == "of", let index = Int(parts[0]),
                let total = Int(parts[2]), (0..<total).contains(index),
                name == ShardSelection.label(index: index, count: total)
            else { continue }
            found.append((index, total, name))
        }
        let counts = Set(found.map(\.count)).sorted()
        let total: Int
        if let count {
            guard count >= 1 else {
                throw ShardError("--shards \(count): the number of shards must be 1 or more")
            }
            total = count
        } else if counts.count == 1 {
            total = counts[0]
        } else if counts.isEmpty {
            throw ShardError(
                "\(directory.path): no shards (\(folder.path)/I-of-N/): not a sharded run "
                    + "directory, or no shard has started")
        } else {
            throw ShardError(
                "\(folder.path) holds shards of "
                    + counts.map(String.init).joined(separator: ", ")
                    + " shards: give the number with --shards N")
        }
        var shards: [Int: Shard] = [:]
        for entry in found where entry.count == total {
            let url = folder.appendingPathComponent(entry.name)
            let recordURL = url.appendingPathComponent(ShardRecord.fileName)
            let manifestURL = url.appendingPathComponent("manifest.json")
            shards[entry.index] = Shard(
                index: entry.index, url: url,
                record: FileManager.default.fileExists(atPath: recordURL.path)
                    ? try ShardRecord.read(recordURL) : nil,
                ledger: try RunLedger.read(url.appendingPathComponent("ledger.jsonl")),
                manifest: FileManager.default.fileExists(atPath: manifestURL.path)
                    ? try? RunManifest.read(manifestURL) : nil)
        }
        // The newest plan is the one to finish; a shard planned otherwise must run again.
        let records = shards.values.compactMap(\.record).filter { $0.count == total }
        let reference = records.max {
            ($0.created, $1.index) < ($1.created, $0.index)
        }
        var otherPlans: [Int: String] = [:]
        for shard in shards.values {
            if let record = shard.record, let reference, record.planHash != reference.planHash {
                otherPlans[shard.index] = record.planHash
            }
        }
        let states: [State] = (reference?.items ?? []).map { item in
            guard let shard = shards[item.shard], let record = shard.record,
                record.planHash == reference?.planHash,
                let fingerprint = record.fingerprints[item.key],
                let entry = shard.ledger[item.key], entry.fingerprint == fingerprint
            else { return .missing }
            switch entry.status {
            case .done:
                return RunLedger.outputsPresent(entry) { URL(fileURLWithPath: $0) }
                    ? .done(entry) : .missing
            case .failed:
                return .failed(entry)
            }
        }
        return ShardedRun(
            directory: directory, count: total, shards: shards, reference: reference,
            otherPlans: otherPlans, states: states)
    }

    /// The shards that still have an item to do (failed or missing), or that recorded another
    /// plan, in order. With no recorded plan at all, every shard.
    package var unfinished: [Int] {
        guard let reference else { return Array(0..<count) }
        var indices = Set(otherPlans.keys)
        for (item, state) in zip(reference.items, states) where state.isDone == false {
            indices.insert(item.shard)
        }
        return indices.sorted()
    }
}

extension ShardedRun.State {
    package var isDone: Bool {
        if case .done = self { return true }
        return false
    }
}

/// `geomap merge`: joins a sharded run's shards (docs/scale-out.md).
package enum ShardMerge {
    /// Checks that every item of the plan is done and, only then, writes the joint outputs:
    /// per job what ``JobOutputs`` makes at the end of an unsharded run (tile mosaics over every
    /// item's rasters, basin groups joined into `<stem>.nc`/`.gpkg`), a zonal job's files
    /// copied from its shard folder into the job's output folder, and the merged
    /// `RUN_DIR/manifest.json`.
    /// - Parameter report: a line for the log, and whether a person must see it.
    /// - Returns: the merged manifest.
    /// - Throws: ``ShardError`` (exit 2) when no shard recorded a plan of this count or shards
    ///   recorded different plans; ``MergeIncomplete`` (exit 1) naming the missing and failed
    ///   items and the shards to run again, or a join that failed; ``RunFileError`` (exit 74)
    ///   when a file cannot be written.
    package static func merge(
        _ run: ShardedRun, versions: [String: String], report: (String, _ important: Bool) -> Void
    ) throws -> RunManifest {
        let started = Date()
        guard let reference = run.reference else {
            throw MergeIncomplete(
                "\(run.directory.path): no shard of \(run.count) has recorded its plan (none has "
                    + "started): run shards \(ranges(Array(0..<run.count))) of \(run.count)")
        }
        if !run.otherPlans.isEmpty {
            let byPlan = Dictionary(
                grouping: run.shards.values.filter { $0.record != nil },
                by: { $0.record!.planHash })
            let groups = byPlan.sorted { $0.key < $1.key }.map { hash, shards in
                shards.map { $0.record!.label }.sorted().joined(separator: ", ")
                    + " from plan \(hash.prefix(12))"
            }
            throw ShardError(
                "\(run.directory.path): the shards were made from different plans ("
                    + groups.joined(separator: "; ")
                    + "): run shards \(ranges(run.otherPlans.keys.sorted())) of \(run.count) "
                    + "again with the configuration of plan \(reference.planHash.prefix(12))")
        }
        let notDone = zip(reference.items, run.states).filter { !$0.1.isDone }
        if !notDone.isEmpty {
            for (item, state) in notDone {
                let shard = ShardSelection.label(index: item.shard, count: run.count)
                if case .failed(let entry) = state {
                    report(
                        "\(item.key) (shard \(shard)): failed (\(entry.errorClass ?? "error")): "
                            + (entry.message ?? ""), true)
                } else {
                    report("\(item.key) (shard \(shard)): missing", true)
                }
            }
            let failed = notDone.filter { if case .failed = $0.1 { true } else { false } }.count
            throw MergeIncomplete(
                "\(run.directory.path): \(notDone.count) of \(reference.items.count) items not "
                    + "done (\(failed) failed, \(notDone.count - failed) missing): run shards "
                    + "\(ranges(run.unfinished)) of \(run.count) again, then merge "
                    + "(nothing was merged)")
        }
        let entries: [String: RunLedger.Entry] = Dictionary(
            zip(reference.items, run.states).compactMap { item, state in
                if case .done(let entry) = state { (item.key, entry) } else { nil }
            }, uniquingKeysWith: { first, _ in first })
        // Each job's joint outputs as an unsharded run makes them (``JobOutputs``): the items
        // read where their shards wrote them, the mosaics and joined files written into the
        // job's own output folder.
        var problems: [String] = []
        for recorded in reference.jobs {
            let items = reference.items.filter { $0.job == recorded.name }
            guard let folder = items.first?.outputFolder,
                let kind = RunJobKind(rawValue: recorded.kind)
            else { continue }
            let plan = RunPlan(
                items: items.map { item in
                    WorkItem(
                        key: item.key, job: item.job, arguments: [], inputs: [], model: nil,
                        modelSHA256: "",
                        outputFolder:
                            "\(item.outputFolder)/shards/"
                            + ShardSelection.label(index: item.shard, count: run.count),
                        outputPrefix: item.outputPrefix, joinStem: item.joinStem)
                })
            let records = items.map { item in
                let entry = entries[item.key]!
                return RunManifest.Item(
                    key: item.key, status: "done", action: nil, fingerprint: entry.fingerprint,
                    inputs: [], outputs: entry.outputs, attempts: entry.attempts,
                    seconds: entry.seconds)
            }
            let job = RunJob(name: recorded.name, kind: kind, inputs: [], options: [], line: 0)
            problems += JobOutputs.finish(
                job: job, plan: plan, records: records, folder: folder, force: true,
                report: report)
            if kind == .zonal {
                // One item for the whole job: its files go where the unsharded run writes them.
                for path in records.flatMap(\.outputs).map(\.path) {
                    let target = "\(folder)/\(URL(fileURLWithPath: path).lastPathComponent)"
                    try copy(path, to: target)
                    report("\(job.name): \(target) from \(path)", false)
                }
            }
        }
        if !problems.isEmpty {
            throw MergeIncomplete(
                "\(run.directory.path): every item is done, but "
                    + problems.joined(separator: "; ") + " (no merged manifest written)")
        }
        let manifest = merged(
            run, reference: reference, entries: entries, versions: versions, started: started)
        try manifest.write(to: run.directory.appendingPathComponent("manifest.json"))
        return manifest
    }

    /// The merged manifest: every item as its shard's manifest (or ledger) recorded it.
    static func merged(
        _ run: ShardedRun, reference: ShardRecord, entries: [String: RunLedger.Entry],
        versions: [String: String], started: Date
    ) -> RunManifest {
        let manifests = run.shards.keys.sorted().compactMap { run.shards[$0]?.manifest }
        var recorded: [String: RunManifest.Item] = [:]
        for manifest in manifests {
            for item in manifest.items where recorded[item.key] == nil { recorded[item.key] = item }
        }
        let items = reference.items.map { item -> RunManifest.Item in
            let entry = entries[item.key]!
            return RunManifest.Item(
                key: item.key, status: "done", action: nil, fingerprint: entry.fingerprint,
                inputs: recorded[item.key]?.inputs ?? [], outputs: entry.outputs,
                attempts: entry.attempts, seconds: entry.seconds)
        }
        var models: [RunManifest.Model] = []
        for model in manifests.flatMap(\.models) where !models.contains(model) {
            models.append(model)
        }
        let iso = ISO8601DateFormatter()
        let first = manifests.map(\.started).min() ?? iso.string(from: started)
        let hosts = Array(Set(manifests.map(\.host))).sorted()
        return RunManifest(
            runID: "merge-\(iso.string(from: started))-\(getpid())", config: reference.config,
            configSHA256: manifests.first?.configSHA256 ?? "",
            versions: manifests.first?.versions ?? versions, models: models,
            host: hosts.isEmpty ? ProcessInfo.processInfo.hostName : hosts.joined(separator: ", "),
            started: first, ended: iso.string(from: Date()), exitCode: 0,
            outcome: "merged \(run.count) shards: all \(items.count) items done", items: items,
            shards: run.count, planHash: reference.planHash)
    }

    /// Copies `source` over `target` whole: a hidden temporary beside it, then a rename.
    static func copy(_ source: String, to target: String) throws {
        let url = URL(fileURLWithPath: target)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).merge")
        try? FileManager.default.removeItem(at: temporary)
        do {
            try FileManager.default.copyItem(
                at: URL(fileURLWithPath: source), to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw RunFileError(path: target, problem: "cannot copy \(source): \(error)")
        }
        guard rename(temporary.path, target) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw RunFileError(path: target, problem: "cannot rename into place: \(reason)")
        }
    }

    /// `0-3, 7, 9-10`.
    package static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < indices.count {
            var end = index
            while end + 1 < indices.count, indices[end + 1] == indices[end] + 1 { end += 1 }
            parts.append(
                end == index ? "\(indices[index])" : "\(indices[index])-\(indices[end])")
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }
}

/// Items of the plan not done: the merge wrote nothing. One line, exit code 1.
package struct MergeIncomplete: Error, CustomStringConvertible, ExitStatusProviding {
    package var description: String
    package init(_ description: String) { self.description = description }
    package var exitStatus: ExitStatus { .partialFailure }
}
