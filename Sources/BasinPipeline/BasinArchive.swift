import BasinInputs
package import Foundation
import GeoNetCDF
import GeoVector
import Models
import OutputFiles

/// `geomap predict --basins --archive`: per output stem, archives that grow by the new days
/// each night instead of being recomputed (docs/nightly.md, "Basin archives"):
///
/// - `<stem>.forcings.nc`: the aggregated daily forcings per basin (CF-1.8 timeSeries, time
///   unlimited, in the model's variables and units) with a digest per day of the source values
///   that fed it (``BasinForcingDigests``); a night aggregates only days it has not seen or
///   whose digest changed, and copies the others;
/// - `<stem>.nc`: the daily predictions (the layout of `predict --basins`, time unlimited); a
///   night runs only the model windows (``BasinWindowPlan``) the archive does not hold as they
///   are tonight (the new and provisional last windows, and windows over changed forcing
///   days), the warm-up read from the forcing archive; the other days are copied;
/// - `<stem>.gpkg`: the summary, rewritten from the whole period.
///
/// The three are one ``OutputFiles/OutputSet``: staged, checked and swapped in together. Both
/// NetCDF archives carry ``inputsAttribute``, a digest of the model file, the static inputs
/// (basins, attributes, static rasters, mapping), the options and geomap's version; an archive
/// whose digest differs (or that cannot be read) is rebuilt over the whole period, with one
/// line saying so.
package enum BasinArchive {
    /// The archive's files for output stem `stem`, in commit order.
    package static func names(stem: String) -> [String] {
        ["\(stem).forcings.nc", "\(stem).nc", "\(stem).gpkg"]
    }

    /// The global attribute holding the digest of what invalidates an archive.
    static let inputsAttribute = "geomap_archive_inputs"
    /// The forcing archive's per-day digest variable `(time, source_digest_strlen)`.
    static let digestVariable = "source_digest"

    /// Runs one night into `directory`: `<stem>.forcings.nc`, `<stem>.nc`, `<stem>.gpkg`
    /// (`stem`: default ``BasinPredictionJob/outputStem(_:)``, the basin file's name without
    /// extension, `<stem>.group-IIII` for a group: each group keeps its own archives).
    /// - Throws: as ``BasinPredictionJob/predict(_:directory:log:progress:)``.
    package static func predict(
        _ request: BasinJobRequest, directory: URL, stem: String? = nil,
        log: (String) -> Void, progress: ((String, Int, Int) -> Void)? = nil
    ) throws -> BasinJobSummary {
        let stem = stem ?? BasinPredictionJob.outputStem(request.inputs)
        let outputs = try OutputSet(
            directory: directory.path, key: stem, names: names(stem: stem),
            inputs: BasinPredictionJob.inputPaths(request))
        let summary = try outputs.produce {
            try night(request, files: outputs, log: log, progress: progress)
        }
        try outputs.commit()
        return summary
    }

    /// One night in `files`' staging folder.
    static func night(
        _ request: BasinJobRequest, files: OutputSet, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?
    ) throws -> BasinJobSummary {
        let clock = Date()
        let url = try BasinPredictionJob.resolveModel(request.model)
        let (model, manifest) = try BasinPredictionJob.loadModel(url)
        guard let head = model.configuration.head else {
            throw ModelError(
                url.path, "the model has no prediction head (encoder only): use geomap embed")
        }
        let outputs = BasinOutputVariable.variables(of: manifest, count: head.outputs)
        let key = try inputsDigest(request, model: url)
        let (forcingName, predictionName, summaryName) = (
            files.names[0], files.names[1], files.names[2]
        )
        // The archives as the last night committed them (the set's lock is held).
        let archivedForcings = readArchive(
            files.finalPath(forcingName), key: key,
            variables: model.configuration.dynamicVariables, digests: true, log: log)
        let archivedPredictions =
            archivedForcings == nil
            ? nil
            : readArchive(
                files.finalPath(predictionName), key: key,
                variables: outputs.map(\.name) + [BasinPredictionFiles.flagVariable],
                digests: false, log: log)
        let reuse = BasinForcingReuse(archived: archivedForcings.map(forcingDays))
        let inputs = try BasinInputAssembler.assemble(
            request.inputs, model: model, modelPath: url.path, log: log, progress: progress,
            reuse: reuse)
        for message in inputs.messages { log(message) }
        let observed =
            try request.observedPaths.isEmpty
            ? nil
            : BasinObserved.read(
                request.observedPaths, variables: outputs, basinIDs: inputs.forcings.basinIDs,
                dates: Array(inputs.outputDates),
                mapping: try request.inputs.mappingPath.map {
                    try VariableMapping(contentsOf: URL(fileURLWithPath: $0))
                }, partOfFile: request.inputs.group != nil,
                areas: BasinObserved.areas(inputs.basins), log: log)
        let runner = BasinRunner(model: model)
        let ran = predictReusing(
            runner, inputs, outputs: outputs, archived: archivedPredictions?.table,
            unchanged: reuse.reused
        ) { progress?("predict", $0, $1) }
        let predictions = ran.predictions
        let metadata = BasinPredictionJob.metadata(request, url: url, manifest: manifest)
        let table = inputs.forcings
        try writeForcings(
            table, basins: inputs.basins, units: model.dynamicStatistics.map(\.units),
            digests: Array(reuse.digests.prefix(table.dayCount)), metadata: metadata, key: key,
            to: files.stagedPath(forcingName))
        try BasinPredictionFiles.writePredictions(
            predictions, basins: inputs.basins, metadata: metadata,
            to: files.stagedPath(predictionName), archive: [.text(inputsAttribute, key)])
        try BasinSummaryGeoPackage.write(
            to: files.stagedPath(summaryName), basins: inputs.basins, predictions: predictions,
            observed: observed, problems: ran.problems)
        let basinCount = predictions.basinIDs.count
        files.validate(forcingName) { path in
            try BasinSeriesWriter.verify(
                path: path, basins: basinCount, times: table.dayCount,
                variables: table.variables + [digestVariable])
        }
        let variables = predictions.variables.map(\.name) + [BasinPredictionFiles.flagVariable]
        files.validate(predictionName) { path in
            try BasinSeriesWriter.verify(
                path: path, basins: basinCount, times: predictions.dates.count,
                variables: variables)
        }
        files.validate(summaryName) { path in
            try BasinGeoPackageWriter.verify(path: path, layerName: "basins", features: basinCount)
        }
        var summary = BasinPredictionJob.summary(
            inputs, outputs: files.names.map(files.finalPath), days: predictions.dates.count,
            flags: predictions.flags, problems: ran.problems, clock: clock, manifest: manifest)
        let aggregated = reuse.aggregated.filter { $0 < reuse.firstDay + table.dayCount }.count
        summary.archive = BasinArchiveReport(
            forcingDaysAggregated: aggregated, forcingDaysReused: reuse.reused.count,
            daysPredicted: ran.daysRun, windowsRun: ran.windowsRun, windows: ran.windows)
        return summary
    }

    /// The forcing archive's days as ``BasinForcingReuse`` takes them.
    static func forcingDays(_ archive: Archive) -> BasinForcingReuse.Archived {
        let table = archive.table
        let n = table.basinIDs.count
        var days: [Int: (digest: String, values: [Float])] = [:]
        for t in 0..<table.dayCount {
            guard let day = BasinDay.number(table.dates[t]) else { continue }
            var values = [Float](repeating: .nan, count: table.variables.count * n)
            for v in table.variables.indices {
                for b in 0..<n { values[v * n + b] = table[variable: v, basin: b, day: t] }
            }
            days[day] = (archive.digests[t], values)
        }
        return .init(basinIDs: table.basinIDs, variables: table.variables, days: days)
    }

    /// An archive as read: its data variables (and, for the forcing archive, the day digests).
    struct Archive {
        var table: BasinTable
        var digests: [String]
    }

    /// Reads the archive at `path` when it exists and was made with the same inputs (`key`);
    /// otherwise says in one line that it is rebuilt and returns nil.
    static func readArchive(
        _ path: String, key: String, variables: [String], digests: Bool, log: (String) -> Void
    ) -> Archive? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let file = try NetCDFFile(opening: path)
            let globals = try file.globalAttributes()
            guard globals.first(where: { $0.name == inputsAttribute })?.value.text == key else {
                try file.close()
                log(
                    "archive \(path) was made with another model, static input, option or "
                        + "geomap: rebuilt over the whole period")
                return nil
            }
            var texts: [String] = []
            if digests {
                guard
                    let variable = try file.variables().first(where: { $0.name == digestVariable })
                else { throw NetCDFError.convention(path, "no \(digestVariable) variable") }
                texts = try file.readStrings(variable)
            }
            try file.close()
            let table = try BasinNetCDF.readForcings(
                URL(fileURLWithPath: path), variables: variables)
            if digests, texts.count != table.dayCount {
                throw NetCDFError.convention(path, "digests and days differ in number")
            }
            return Archive(table: table, digests: texts)
        } catch {
            log("archive \(path) cannot be read (\(error)): rebuilt over the whole period")
            return nil
        }
    }

    /// What ``predictReusing(_:_:outputs:archived:unchanged:progress:)`` did.
    struct Night {
        var predictions: BasinPredictions
        var problems: [Int: String]
        var windowsRun: Int
        var windows: Int
        var daysRun: Int
    }

    /// Predicts the period of `inputs`, running only the windows of tonight's plan that the
    /// archived predictions do not hold as they are: a window is taken from the archive when
    /// the archive's own plan (its period, the model's `L` and `W`) had the same window (days,
    /// kept days) and none of the window's forcing days changed since (`unchanged`: day
    /// numbers whose digest is the archive's), and the same basins were not run. Every other
    /// window (the new days, the last night's anchored last window, windows over re-issued
    /// days) is run as a one-shot run over the whole period would run it.
    static func predictReusing(
        _ runner: BasinRunner, _ inputs: BasinModelInputs, outputs: [BasinOutputVariable],
        archived: BasinTable?, unchanged: Set<Int>, progress: ((Int, Int) -> Void)?
    ) -> Night {
        let c = runner.model.configuration
        let width = outputs.count
        let plan = runner.predictionPlan(inputs)
        let firstDay = BasinDay.number(inputs.forcings.dates[0])!
        let days = plan.output.count
        let basins = inputs.basins.basins.count
        let before = runner.flags(inputs)
        var reusable = [Bool](repeating: false, count: plan.windows.count)
        var archiveStart = 0
        if let archived, archived.basinIDs == inputs.forcings.basinIDs,
            archived.variables == outputs.map(\.name) + [BasinPredictionFiles.flagVariable],
            let start = archived.dates.first.flatMap(BasinDay.number)
        {
            archiveStart = start
            let w = c.warmUp
            let span = archived.dayCount + w
            let old = BasinWindowPlan(
                available: 0..<span, output: w..<span, sequenceLength: c.sequenceLength,
                warmUp: w)
            let offset = start - w
            let oldWindows = Set(
                old.windows.map {
                    [
                        $0.start + offset, $0.length, $0.kept.lowerBound + offset,
                        $0.kept.upperBound + offset,
                    ]
                })
            let notRun = Float(BasinDayFlag.basinNotRun.rawValue)
            let notRunBefore = Set(
                (0..<basins).filter { b in
                    (0..<archived.dayCount).allSatisfy {
                        archived[variable: width, basin: b, day: $0] == notRun
                    }
                })
            if notRunBefore == Set(before.problems.keys) {
                for (i, window) in plan.windows.enumerated() {
                    let key = [
                        window.start + firstDay, window.length,
                        window.kept.lowerBound + firstDay, window.kept.upperBound + firstDay,
                    ]
                    guard oldWindows.contains(key) else { continue }
                    reusable[i] = (window.start..<(window.start + window.length)).allSatisfy {
                        unchanged.contains($0 + firstDay)
                    }
                }
            }
        }
        var sub = plan
        sub.windows = plan.windows.indices.filter { !reusable[$0] }.map { plan.windows[$0] }
        var values = [Float](repeating: .nan, count: basins * days * width)
        var outcome = before
        if !sub.windows.isEmpty {
            // A basin's values do not depend on the batch (StefaLand's head runs products of
            // a fixed shape), so the windows run tonight get a one-shot run's values.
            outcome = runner.run(inputs, plan: sub, embeddings: false, progress: progress) {
                range, block in
                let offset = range.lowerBound * days * width
                values.replaceSubrange(offset..<(offset + block.count), with: block)
            }
        } else {
            progress?(basins, basins)
        }
        if let archived {
            for (i, window) in plan.windows.enumerated() where reusable[i] {
                for day in window.kept {
                    let t = day - plan.output.lowerBound
                    let a = day + firstDay - archiveStart
                    for b in 0..<basins {
                        for k in 0..<width {
                            values[(b * days + t) * width + k] =
                                archived[
                                    variable: k, basin: b, day: a]
                        }
                        let flag = archived[variable: width, basin: b, day: a]
                        outcome.flags[b * days + t] =
                            BasinDayFlag(rawValue: UInt8(max(0, min(255, flag)))) ?? .ok
                    }
                }
            }
        }
        let predictions = BasinPredictions(
            basinIDs: inputs.forcings.basinIDs, dates: Array(inputs.outputDates),
            variables: outputs, values: values, flags: outcome.flags)
        return Night(
            predictions: predictions, problems: outcome.problems, windowsRun: sub.windows.count,
            windows: plan.windows.count, daysRun: sub.windows.reduce(0) { $0 + $1.kept.count })
    }

    /// Writes the forcing archive: the table's variables `(station, time)` and the digests.
    static func writeForcings(
        _ table: BasinTable, basins: BasinSet, units: [String?], digests: [String],
        metadata: BasinRunMetadata, key: String, to path: String
    ) throws {
        let variables = table.variables.enumerated().map { v, name in
            DSGVariable(
                name: name, units: (v < units.count ? units[v] : nil) ?? "1",
                longName: "\(name): coverage-weighted basin mean, in the model's unit")
        }
        var layout = try BasinPredictionFiles.layout(
            basins: basins, dates: table.dates, variables: variables, metadata: metadata,
            title: "Daily forcings per basin as the model reads them (geomap archive)")
        layout.unlimitedTime = true
        layout.timeTexts = [
            DSGTimeText(
                name: digestVariable,
                longName: "SHA-256 of the source forcing values of the day", values: digests)
        ]
        layout.extraAttributes.append(.text(inputsAttribute, key))
        let writer = try BasinSeriesWriter(path: path, layout: layout)
        let (n, days) = (table.basinIDs.count, table.dayCount)
        for (v, name) in table.variables.enumerated() {
            try writer.write(
                name, basins: 0..<n, times: 0..<days,
                values: Array(table.values[(v * n * days)..<((v + 1) * n * days)]))
        }
        try writer.finish()
    }

    /// SHA-256 over what makes an archive invalid when it changes: the model file, the static
    /// inputs (the basin file and its sidecars, attributes, static rasters, mapping), the
    /// options that shape the aggregation and the model's inputs (the group of basins too),
    /// and geomap's version. The forcings are not in it (their days have their own digests),
    /// nor the period's end (a night's end moves) or `--observed` (the summary is rewritten
    /// every night).
    static func inputsDigest(_ request: BasinJobRequest, model: URL) throws -> String {
        var hasher = SHA256Digest()
        hasher.update("geomap basin archive 1\n\(request.geomapVersion)\n")
        func file(_ label: String, _ path: String) throws {
            hasher.update("\(label) \(URL(fileURLWithPath: path).lastPathComponent)\n")
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                hasher.update("absent\n")
                return
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
                for name in names { try file("\(label)/", path + "/" + name) }
                return
            }
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw BasinInputError(path, "cannot be read")
            }
            defer { try? handle.close() }
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                hasher.update(block)
            }
            hasher.update("\n")
        }
        let r = request.inputs
        try file("model", model.path)
        try file("basins", r.basinsPath)
        if r.basinsPath.lowercased().hasSuffix(".shp") {
            let stem = String(r.basinsPath.dropLast(4))
            for sidecar in [".dbf", ".shx", ".prj", ".cpg"] {
                try file("sidecar", stem + sidecar)
            }
        }
        if let attributes = r.attributesPath { try file("attributes", attributes) }
        for source in r.staticRasters {
            hasher.update("raster \(source.name) \(source.band) \(source.statistic)\n")
            try file("raster", source.path)
        }
        if let mapping = r.mappingPath { try file("mapping", mapping) }
        hasher.update(
            "layer \(r.layer ?? "-") id \(r.idField ?? "-") area \(r.areaWeighted) "
                + "start \(r.start.map { "\($0)" } ?? "-") strict \(r.strictRanges)\n")
        // A group's archive holds its basins: another group size is another archive.
        hasher.update("group \(r.group.map { "\($0.index) \($0.size)" } ?? "-")\n")
        return SHA256Digest.hex(hasher.finalize())
    }
}

/// What a night of `--archive` did (the summary line's archive part).
package struct BasinArchiveReport: Sendable, Equatable {
    /// Forcing days aggregated from the files (new, or changed since the archive).
    package var forcingDaysAggregated: Int
    /// Forcing days copied from the archive.
    package var forcingDaysReused: Int
    /// Predicted days computed tonight, and the model windows run of the period's.
    package var daysPredicted: Int
    package var windowsRun: Int
    package var windows: Int

    /// `archive: 1 forcing day aggregated (730 from the archive), 92 days predicted (1 of 3
    /// windows)`.
    package var description: String {
        let s = forcingDaysAggregated == 1 ? "" : "s"
        return "archive: \(forcingDaysAggregated) forcing day\(s) aggregated "
            + "(\(forcingDaysReused) from the archive), \(daysPredicted) days predicted "
            + "(\(windowsRun) of \(windows) windows)"
    }
}
