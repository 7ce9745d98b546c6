import Foundation
import GeoRaster
import GeomapCore
import Models

/// The deterministic, sorted list of a configuration's work items.
///
/// - Tile jobs: one item per input raster (``TileJobInputs``): `predict --in RASTER --out OUT`
///   or `embed --in RASTER --out OUT/<stem>.embeddings.tif`, where `out` names the job's
///   output folder (default: the configuration's folder); a raster whose output grid is larger
///   than the job's `chunk-pixels` on a side is one item per chunk (``TileChunks``):
///   `predict --in RASTER --window C,R,W,H …` writing `OUT/<stem>.x<C>y<R>.*`, key
///   `job/<stem>/x<C>y<R>`. Two inputs with the same file stem (or a stem equal to another's
///   chunk name) are an error: their outputs would collide.
/// - Basin jobs: one item per group of `group-size` basins (default 256; ``BasinGroup``),
///   `predict|embed … --group I --group-size N`, key `job/group-IIII`, writing
///   `<stem>.group-IIII.*` (predict: `<stem>` the basin file's; embed: `--out E.nc`'s `E`),
///   joined into `<stem>.nc` / `.gpkg` when the run ends (``JobOutputs``). The count of basins
///   is the basin layer's declared feature count (no feature is read). One group is still
///   `job/group-0000`, so the path is the same for every size. `predict-basins` adds
///   `--archive` unless the job says `archive: false`: each group keeps its own archives
///   (`<stem>.group-IIII.forcings.nc`, `.nc`, `.gpkg`; docs/nightly.md, "Basin archives").
/// - Zonal jobs: one item for the whole job, with the job's options as written.
///
/// Two jobs that would write the same file (the same `out` for two zonal jobs, two basin jobs
/// with one output stem in one folder, two tile jobs of one kind over scenes of one name into
/// one folder) are an error: the later would silently replace the earlier's output while the
/// ledger records both as done. So is a job whose output is one of its own inputs.
package struct RunPlan: Sendable {
    package var items: [WorkItem]

    package init(items: [WorkItem]) {
        self.items = items
    }

    /// Plans `config`. Relative paths resolve against the configuration's folder.
    /// - Parameter scratchParent: the folder path where the plan's scratch folder
    ///   (`geomap-plan-<pid>-<n>`, removed before returning) is made; nil: the system's
    ///   temporary folder.
    package static func make(_ config: RunConfig, scratchParent: String? = nil) throws -> RunPlan {
        var items: [WorkItem] = []
        // Scenes are measured for chunking through TileInput, which may write a warped VRT.
        let parent =
            scratchParent.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory
        let scratch = parent.appendingPathComponent(
            "geomap-plan-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for (index, job) in config.jobs.enumerated() {
            let keyPath = "jobs[\(index)]"
            let file = config.file.path
            func failure(_ problem: String, line: Int? = nil) -> RunConfigError {
                RunConfigError(
                    file: file, line: line ?? job.line, keyPath: keyPath, problem: problem)
            }
            let folder = config.folder
            let modelFile = try model(of: job, folder: folder)
            let modelDigest = try modelFile.map { try FileDigest.sha256(ofFileAt: $0) } ?? ""
            let optionInputs = inputFiles(job.arguments, folder: folder)
            let modelInputs = modelFile.map { [$0] } ?? []
            switch job.kind {
            case .predictTiles, .embedTiles:
                let rasters = try TileJobInputs.expand(
                    job.inputs, folder: folder, file: file, line: job.line,
                    keyPath: "\(keyPath).inputs")
                let outValue = job.options.last { $0.key == "out" }
                let outFolder = absolute(outValue.map(firstValue) ?? ".", folder: folder)
                let options = job.options.filter { $0.key != "out" }
                let rest = RunJob(
                    name: job.name, kind: job.kind, inputs: [], options: options, line: job.line
                ).arguments
                try FileManager.default.createDirectory(
                    at: scratch, withIntermediateDirectories: true)
                let chunks = TileChunks(
                    job: job, model: modelFile, temporaryDirectory: scratch.path)
                var stems: [String: String] = [:]
                for raster in rasters {
                    let scene = URL(fileURLWithPath: raster).deletingPathExtension()
                        .lastPathComponent
                    let size = chunks?.outputSize(of: raster)
                    let windows: [PixelWindow?] =
                        size.flatMap { chunks?.windows(ofSize: $0) } ?? [nil]
                    for window in windows {
                        // A chunk's outputs are <stem>.x<C>y<R>.*, as predict --window names them.
                        let stem = window.map { "\(scene).\(TileChunks.label($0))" } ?? scene
                        if let other = stems[stem] {
                            throw failure(
                                "'\(other)' and '\(raster)' share the name '\(stem)': their "
                                    + "outputs would overwrite each other in \(outFolder)")
                        }
                        stems[stem] = raster
                        let out =
                            job.kind == .predictTiles
                            ? ["--out", outFolder]
                            : ["--out", "\(outFolder)/\(stem).embeddings.tif"]
                        let command = job.kind == .predictTiles ? "predict" : "embed"
                        // Its cost: the output pixels it computes.
                        let extent = window.map { (width: $0.width, height: $0.height) } ?? size
                        let windowArguments =
                            window.map {
                                ["--window", "\($0.x),\($0.y),\($0.width),\($0.height)"]
                            } ?? []
                        items.append(
                            WorkItem(
                                key: "\(job.name)/\(scene)"
                                    + (window.map { "/\(TileChunks.label($0))" } ?? ""),
                                job: job.name,
                                arguments: [command, "--in", raster] + windowArguments + out
                                    + rest,
                                inputs: [raster] + optionInputs + modelInputs,
                                model: modelFile, modelSHA256: modelDigest,
                                outputFolder: outFolder, outputPrefix: "\(stem).",
                                outputWindow: window,
                                cost: extent.map {
                                    WorkCost.tiles(width: $0.width, height: $0.height)
                                } ?? WorkCost.unmeasured))
                    }
                }
            case .predictBasins, .embedBasins:
                guard let out = job.options.last(where: { $0.key == "out" }) else {
                    throw failure("missing out (where the job writes)")
                }
                guard let basins = job.options.last(where: { $0.key == "basins" }) else {
                    throw failure("missing basins (the basin polygons)")
                }
                let outPath = absolute(firstValue(out), folder: folder)
                let basinsPath = absolute(firstValue(basins), folder: folder)
                let (outFolder, stem) =
                    job.kind == .predictBasins
                    ? (
                        outPath,
                        URL(fileURLWithPath: basinsPath).deletingPathExtension().lastPathComponent
                    )
                    : (
                        URL(fileURLWithPath: outPath).deletingLastPathComponent().path,
                        URL(fileURLWithPath: outPath).deletingPathExtension().lastPathComponent
                    )
                let size = job.groupSize ?? BasinGroup.defaultSize
                // The header's count: a million polygons plan in milliseconds. A file that
                // cannot be read is one group, which then fails with the command's message.
                let features = try? BasinGroup.featureCount(
                    path: basinsPath,
                    layer: job.options.last { $0.key == "layer" }.map(firstValue))
                let groups = BasinGroup.count(features: features ?? 0, size: size)
                let days = days(of: job)
                for index in 0..<groups {
                    let group = BasinGroup(index: index, size: size)
                    // Its cost: its basins (the last group's rest) × the period's days.
                    let basinCount = features.map { min(size, $0 - index * size) } ?? size
                    items.append(
                        WorkItem(
                            key: "\(job.name)/\(group.label)", job: job.name,
                            arguments: [job.kind == .predictBasins ? "predict" : "embed"]
                                + job.arguments + archiveArgument(job)
                                + ["--group", "\(index)", "--group-size", "\(size)"],
                            inputs: optionInputs + modelInputs, model: modelFile,
                            modelSHA256: modelDigest, outputFolder: outFolder,
                            outputPrefix: "\(group.stem(stem)).", joinStem: stem,
                            cost: WorkCost.basins(max(1, basinCount), days: days)))
                }
            case .zonal:
                let command = ["zonal"]
                guard let out = job.options.last(where: { $0.key == "out" }) else {
                    throw failure("missing out (where the job writes)")
                }
                let outPath = absolute(firstValue(out), folder: folder)
                let outFolder = URL(fileURLWithPath: outPath).deletingLastPathComponent().path
                items.append(
                    WorkItem(
                        key: "\(job.name)/all", job: job.name,
                        arguments: command + job.arguments,
                        inputs: optionInputs + modelInputs, model: modelFile,
                        modelSHA256: modelDigest,
                        outputFolder: outFolder, outputPrefix: nil))
            }
        }
        try checkOutputsDisjoint(items, config: config)
        return RunPlan(items: items)
    }

    /// The files an item of `job` writes, absolute: a tile item's rasters (predict's
    /// embeddings with `embeddings`), a basin group's files and its job's joined ones, a zonal
    /// job's `out` and `weights` (relative to the configuration's `folder`).
    static func outputFiles(of item: WorkItem, job: RunJob, folder: URL) -> [String] {
        let prefix = item.outputFolder + "/" + (item.outputPrefix ?? "")
        let option = { (key: String) in job.options.last { $0.key == key }.map(firstValue) }
        switch job.kind {
        case .predictTiles:
            return [prefix + "classes.tif", prefix + "probabilities.tif"]
                + (option("embeddings") != nil ? [prefix + "embeddings.tif"] : [])
        case .embedTiles:
            return [prefix + "embeddings.tif"]
        case .predictBasins, .embedBasins:
            let joined = item.joinStem.map { stem in
                ["nc", "gpkg"].map { "\(item.outputFolder)/\(stem).\($0)" }
            }
            return ["nc", "gpkg", "forcings.nc"].map { prefix + $0 } + (joined ?? [])
        case .zonal:
            return ["out", "weights"].compactMap(option).map { absolute($0, folder: folder) }
        }
    }

    /// Refuses two jobs writing one file, and a job writing one of its own inputs.
    private static func checkOutputsDisjoint(_ items: [WorkItem], config: RunConfig) throws {
        var writer: [String: RunJob] = [:]
        for (index, job) in config.jobs.enumerated() {
            let mine = items.filter { $0.job == job.name }
            let inputs = Set(mine.flatMap(\.inputs))
            for item in mine {
                for path in outputFiles(of: item, job: job, folder: config.folder) {
                    let path = URL(fileURLWithPath: path).standardizedFileURL.path
                    func refuse(_ problem: String) -> RunConfigError {
                        RunConfigError(
                            file: config.file.path, line: job.line, keyPath: "jobs[\(index)].out",
                            problem: problem)
                    }
                    if inputs.contains(path) {
                        throw refuse("the job would write \(path), one of its own inputs")
                    }
                    if let other = writer[path], other.name != job.name {
                        throw refuse(
                            "the job would write \(path), which job '\(other.name)' (line "
                                + "\(other.line)) writes too; give each job its own out")
                    }
                    writer[path] = job
                }
            }
        }
    }

    /// Days of a basin job's period from its `start` and `end` (``WorkCost/days(start:end:)``).
    static func days(of job: RunJob) -> Int {
        let value = { (key: String) in job.options.last { $0.key == key }.map(firstValue) }
        return WorkCost.days(start: value("start"), end: value("end"))
    }

    /// A `predict-basins` job keeps incremental archives unless it says `archive: false`:
    /// `--archive` when the job does not name the option itself.
    static func archiveArgument(_ job: RunJob) -> [String] {
        guard job.kind == .predictBasins, !job.options.contains(where: { $0.key == "archive" })
        else { return [] }
        return ["--archive"]
    }

    private static func firstValue(_ option: RunOption) -> String {
        if case .values(let values) = option.value, let first = values.first { return first }
        return "."
    }

    static func absolute(_ path: String, folder: URL) -> String {
        path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardizedFileURL.path
    }

    /// The model file a job runs (its `model` option, a path or an installed name, else the
    /// bundled demo of its kind); `nil` for zonal jobs.
    static func model(of job: RunJob, folder: URL) throws -> String? {
        let value = job.options.last { $0.key == "model" }.map(firstValue)
        let resolved = value.map { absolute($0, folder: folder) }
        if let resolved, FileManager.default.fileExists(atPath: resolved) { return resolved }
        switch job.kind {
        case .zonal: return nil
        case .predictTiles, .embedTiles: return try TileModelLoader.resolve(value).path
        case .predictBasins, .embedBasins: return try BasinPredictionJob.resolveModel(value).path
        }
    }

    /// Options whose value is a file the command writes, never one it reads: an existing
    /// output counted as an input changed the item's fingerprint on every run, so the item
    /// was redone every night.
    static let outputOptions: Set<String> = ["--out", "--weights"]

    /// Every existing regular file an argument names: `PATH`, `NAME=PATH` and
    /// `NAME=PATH:class=V` forms, with a shapefile's sidecars, and the files of a folder or
    /// pattern of one file per basin given to `--forcings` or `--observed` (``BasinFileSet``),
    /// so that a new or changed basin file redoes the item; the values of ``outputOptions``
    /// are left out. Absolute, sorted, each once.
    static func inputFiles(_ arguments: [String], folder: URL) -> [String] {
        var files = Set<String>()
        for (i, argument) in arguments.enumerated()
        where i > 0 && ["--forcings", "--observed"].contains(arguments[i - 1]) {
            let path = absolute(argument, folder: folder)
            if BasinFileSet.isSet(path), let set = try? BasinFileSet.files(path) {
                files.formUnion(set)
            }
        }
        for (i, argument) in arguments.enumerated()
        where !argument.hasPrefix("--") && (i == 0 || !outputOptions.contains(arguments[i - 1])) {
            var candidates = [argument]
            if let equals = argument.firstIndex(of: "=") {
                let path = String(argument[argument.index(after: equals)...])
                candidates.append(path)
                if let classPart = path.range(of: ":class=") {
                    candidates.append(String(path[..<classPart.lowerBound]))
                }
            }
            for candidate in candidates {
                let path = absolute(candidate, folder: folder)
                var info = stat()
                guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                files.insert(path)
                if path.lowercased().hasSuffix(".shp") {
                    let stem = String(path.dropLast(4))
                    for sidecar in [".dbf", ".shx", ".prj", ".cpg"]
                    where FileManager.default.fileExists(atPath: stem + sidecar) {
                        files.insert(stem + sidecar)
                    }
                }
            }
        }
        return files.sorted()
    }
}
