import ArgumentParser
import Foundation
import GeoGDAL
import GeoNetCDF
import GeoProjection
import GeomapCore
import GeomapRun
import Models
import OutputFiles
import Tensor

/// `geomap run CONFIG.yaml`: a nightly run of one or more jobs, resumable, item by item.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a configuration's jobs item by item, resuming what an earlier run left.",
        discussion: """
            Each job of the YAML configuration (version: 1) runs an existing command (predict \
            or embed over tiles or basins, zonal) with the same options; a tile job runs once \
            per input raster. Items already done with the same inputs, model, options and geomap \
            version are skipped; a failed item is recorded and the run goes on. The run \
            directory keeps the ledger, the item logs, the configuration as written and \
            resolved, and manifest.json. Exit codes: 0 all items done; 1 some items failed; \
            2 bad configuration; 74 the run directory cannot be written; 75 try again later \
            (another run holds the directory, an item said so, SIGTERM/SIGINT or the deadline). \
            With --shard I/N (or a scheduler's index variable) it runs shard I of N of the plan \
            into RUN_DIR/shards/I-of-N/, and geomap merge joins the shards. See \
            docs/nightly.md and docs/scale-out.md.
            """)

    @Argument(help: "The run configuration (YAML).")
    var config: String

    @Option(help: "Run directory (default: <config folder>/<config name>.run).")
    var runDir: String?

    @Flag(help: "Redo every item, even those done with the same fingerprint.")
    var force = false

    @Flag(help: "Print the plan (items, their inputs, which are done) and write nothing.")
    var dryRun = false

    @Option(
        help: ArgumentHelp(
            "Take no new item after this: a duration (90s, 30m, 2h) or an ISO 8601 time.",
            valueName: "time"))
    var deadline: String?

    @Option(
        help: ArgumentHelp(
            "Run shard I of N (0-based) of the plan, into RUN_DIR/shards/I-of-N/ (default: the "
                + "index a scheduler sets: SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, "
                + "AWS_BATCH_JOB_ARRAY_INDEX, BATCH_TASK_INDEX).",
            valueName: "I/N"))
    var shard: String?

    @Option(
        help: ArgumentHelp(
            "The number of shards, for a scheduler's index (default: the configuration's "
                + "shards, or the scheduler's count). See docs/scale-out.md.",
            valueName: "N"))
    var shards: Int?

    func validate() throws {
        if let deadline, RunDeadline.parse(deadline, now: Date()) == nil {
            throw ValidationError(
                "--deadline '\(deadline)' is neither a duration (90s, 30m, 2h) nor an ISO 8601 "
                    + "time (2026-12-05T06:00:00Z)")
        }
        if dryRun, force {
            throw ValidationError("--force does nothing with --dry-run; give one of them")
        }
    }

    func run() throws {
        let started = Date()
        let configURL = URL(fileURLWithPath: config).standardizedFileURL
        let loaded = try RunConfigLoader.load(configURL, displayPath: config, now: started)
        let baseDirectory = URL(
            fileURLWithPath: runDir
                ?? loaded.folder.appendingPathComponent(
                    configURL.deletingPathExtension().lastPathComponent + ".run"
                ).path
        ).standardizedFileURL
        // Items run in the configuration's folder, and so do the checks below.
        guard FileManager.default.changeCurrentDirectoryPath(loaded.folder.path) else {
            throw RunFileError(path: loaded.folder.path, problem: "cannot enter the folder")
        }
        // The shard first: a bad index or count is exit 2 before any planning.
        let selection = try ShardSelection.resolve(
            shard: shard, shards: shards, configShards: loaded.shards,
            environment: ProcessInfo.processInfo.environment)
        let whole = try RunPlan.make(loaded)
        try checkArguments(whole, config: loaded)
        let log: (String) -> Void = { line in
            FileHandle.standardError.write(Data("geomap run: \(line)\n".utf8))
        }
        var plan = whole
        var sharding: ShardPlan?
        var runDirectory = baseDirectory
        if let selection {
            let dealt = ShardPlan(plan: whole, count: selection.count)
            plan = RunPlan(items: dealt.items(of: selection.index, configFolder: loaded.folder))
            sharding = dealt
            runDirectory = baseDirectory.appendingPathComponent("shards/\(selection.label)")
            log(
                "shard \(selection.index) of \(selection.count) (\(selection.source)): "
                    + "\(plan.items.count) of \(whole.items.count) items, plan "
                    + String(dealt.hash.prefix(12)) + ", in \(runDirectory.path)")
        }
        let directory = runDirectory
        guard let executable = ModelLocator.currentExecutable() else {
            throw RunFileError(path: "/proc/self/exe", problem: "cannot find the geomap binary")
        }
        let stop = RunStop()
        var engineOptions = RunEngine.Options()
        engineOptions.force = force
        engineOptions.deadline = deadline.flatMap { RunDeadline.parse($0, now: started) }
        engineOptions.shard = selection?.label
        engineOptions.planHash = sharding?.hash
        let engine = RunEngine(
            config: loaded, plan: plan, directory: directory, options: engineOptions, stop: stop,
            executable: executable, versions: Self.versions, log: log)
        if dryRun {
            try printPlan(engine)
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true)
        } catch {
            throw RunFileError(path: directory.path, problem: "cannot create the run directory")
        }
        // One run per run directory (exit 75 naming the holder); the kernel releases the
        // lock when the process ends, however it ends.
        let lock = try OutputLock(path: directory.appendingPathComponent("run.lock").path)
        TemporaryRegistry.shared.handleStops { number in
            stop.request(number == SIGTERM ? "SIGTERM arrived" : "SIGINT arrived")
        }
        try copyConfiguration(loaded, to: directory)
        if let selection, let sharding {
            // The shard's output folders (shards/I-of-N/ below each job's), for the commands
            // whose --out names a file.
            for folder in Set(plan.items.map(\.outputFolder)) {
                do {
                    try FileManager.default.createDirectory(
                        atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw RunFileError(path: folder, problem: "cannot create the shard's folder")
                }
            }
            // Before the first item: merge and status --missing learn the whole plan from it.
            let fingerprints = try Dictionary(
                plan.items.map { ($0.key, try engine.fingerprint($0)) },
                uniquingKeysWith: { first, _ in first })
            try ShardRecord(
                sharding, index: selection.index, config: loaded, fingerprints: fingerprints,
                created: started
            ).write(to: directory.appendingPathComponent(ShardRecord.fileName))
        }
        // On a terminal one bar over the whole run; elsewhere a line per item event.
        let reporter =
            isatty(2) != 0
            ? RunReporter(terminal: true, total: plan.items.count) { text in
                FileHandle.standardError.write(Data(text.utf8))
            } : nil
        engine.reporter = reporter
        let outcome: RunOutcome
        do {
            outcome = try engine.run()
        } catch {
            reporter?.clear()
            throw error
        }
        withExtendedLifetime(lock) {}
        if let reporter { reporter.finish(outcome.message) } else { log(outcome.message) }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }

    /// Parses every item's arguments as the command line would, so an unknown or misspelt
    /// option is a configuration error before any item runs.
    /// The items of a tile job differ only in their `--in`, `--window` and `--out` values, those
    /// of a basin job in their `--group`, which the plan writes itself (`--in` an existing
    /// raster it found): their command line is parsed once per job (a CONUS mosaic is thousands
    /// of chunks, a folder thousands of scenes, a million basins thousands of groups).
    func checkArguments(_ plan: RunPlan, config: RunConfig) throws {
        var checked = Set<[String]>()
        for item in plan.items {
            var shape = item.arguments
            for option in ["--in", "--window", "--out", "--group"] {
                if let index = shape.firstIndex(of: option), index + 1 < shape.count {
                    shape[index + 1] = ""
                }
            }
            guard item.outputPrefix == nil || checked.insert(shape).inserted else { continue }
            do {
                try StrictArguments.checking(item.arguments)
            } catch {
                let job = config.jobs.first { $0.name == item.job }
                let message =
                    Geomap.message(for: error)
                    .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                throw RunConfigError(
                    file: self.config, line: job?.line, keyPath: "job \(item.job)",
                    problem: message.replacingOccurrences(of: "Error: ", with: ""))
            }
        }
    }

    func printPlan(_ engine: RunEngine) throws {
        let ledgerURL = engine.directory.appendingPathComponent("ledger.jsonl")
        let ledger =
            FileManager.default.fileExists(atPath: ledgerURL.path)
            ? try RunLedger(url: ledgerURL) : nil
        var lines: [String] = ["run directory: \(engine.directory.path)"]
        for item in engine.plan.items {
            let print = try engine.fingerprint(item)
            let done =
                ledger?.isDone(item.key, fingerprint: print) { URL(fileURLWithPath: $0) } ?? false
            let state = done ? "done (would be skipped)" : "to run"
            lines.append("\(item.key): \(state)")
            lines.append("  geomap " + item.arguments.joined(separator: " "))
            lines.append("  inputs: " + item.inputs.joined(separator: ", "))
        }
        print(lines.joined(separator: "\n"))
    }

    /// The configuration as written (`config.yaml`) and resolved (`config.resolved.json`:
    /// defaults filled in, dates resolved, every item's command line).
    func copyConfiguration(_ config: RunConfig, to directory: URL) throws {
        let written = (try? Data(contentsOf: config.file)) ?? Data()
        try RunFiles.write(written, to: directory.appendingPathComponent("config.yaml"))
        try RunFiles.write(
            try RunFiles.resolvedConfiguration(config),
            to: directory.appendingPathComponent(
                "config.resolved.json"))
    }

    static var versions: [String: String] {
        [
            "geomap": VersionReport.geomapVersion, "gdal": GDALRuntime.version,
            "proj": PROJLibrary.version, "netcdf": NetCDFLibrary.version,
            "openblas": BLAS.version,
        ]
    }
}

/// `--deadline`: a duration from now or a moment.
enum RunDeadline {
    static func parse(_ text: String, now: Date) -> Date? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last.flatMap({ units[$0] }), let count = Double(text.dropLast()),
            count >= 0, count.isFinite
        {
            return now.addingTimeInterval(count * unit)
        }
        return ISO8601DateFormatter().date(from: text)
    }
}
