import BasinInputs
package import Foundation
import GeoNetCDF
import GeoVector
package import Models
import OutputFiles

/// One basin run as the command line asks for it (`geomap predict --basins`,
/// `geomap embed --basins`): inputs, model, outputs.
package struct BasinJobRequest: Sendable {
    package var inputs: BasinInputRequest
    /// `--model`: a model file path or an installed model's name; `nil`: the bundled demo.
    package var model: String?
    /// `--observed`: observed series for the summary's metrics (predict only).
    package var observedPaths: [String]
    /// The command line, recorded as the outputs' `history`.
    package var command: String
    package var geomapVersion: String

    package init(
        inputs: BasinInputRequest, model: String? = nil, observedPaths: [String] = [],
        command: String, geomapVersion: String
    ) {
        self.inputs = inputs
        self.model = model
        self.observedPaths = observedPaths
        self.command = command
        self.geomapVersion = geomapVersion
    }
}

/// What a basin run did.
package struct BasinJobSummary: Sendable {
    /// The files written.
    package var outputs: [String]
    package var basins: Int
    /// Days per basin in the outputs.
    package var days: Int
    /// Basins not run, in basin order: (id, one-line reason).
    package var problems: [(id: String, reason: String)]
    /// Basin-days whose inputs were partly missing (flagged `missing_forcing`).
    package var missingDays: Int
    /// Basins run whose model output was NaN or ±Inf on some days, in basin order: (id,
    /// one-line status); their days are flagged `non_finite_output` and the run exits 1.
    package var failures: [(id: String, reason: String)] = []
    /// Basin-days flagged `non_finite_output`.
    package var nonFiniteDays = 0
    /// Wall-clock seconds of the whole job (reading, running, writing).
    package var seconds: Double
    package var modelName: String
    package var modelIsDemo: Bool
    /// With `--archive`: what the night aggregated and predicted (``BasinArchive``).
    package var archive: BasinArchiveReport? = nil
}

/// Runs the basin pipeline: assemble the inputs, run the model, write the outputs.
package enum BasinPredictionJob {
    /// The model `geomap predict --basins` and `geomap embed --basins` use without `--model`.
    package static let defaultModel = "stefaland-demo"

    /// Resolves `--model` like tile mode (a path or a name); `nil`: the bundled demo model.
    /// - Throws: ``Models/ModelError`` naming what is missing and where geomap looked.
    package static func resolveModel(_ value: String?) throws -> URL {
        let locator = ModelLocator()
        if let value { return try locator.resolve(value) }
        do {
            return try locator.resolve(defaultModel)
        } catch {
            let looked = locator.locations.map(\.directory.path).joined(separator: ", ")
            throw ModelError(
                "\(defaultModel).safetensors",
                "the bundled StefaLand demo model is missing (looked in \(looked)); pass "
                    + "--model PATH (geomap models import CKPT --arch stefaland)")
        }
    }

    /// Loads a StefaLand model file strictly.
    /// - Throws: ``Models/ModelError`` for an unreadable file or another architecture.
    package static func loadModel(_ url: URL) throws -> (
        model: StefaLandModel, manifest: ModelManifest
    ) {
        let file = try ModelFile(contentsOf: url)
        guard let architecture = ArchitectureRegistry.architecture(of: file, runBy: .basins),
            case .basins(let model) = try architecture.loadForInference(file)
        else {
            throw ModelError(
                url.path,
                "architecture '\(file.manifest.architecture)' is not a basin model "
                    + "(basin models: \(ArchitectureRegistry.ids(for: .basins).joined(separator: ", ")))"
            )
        }
        return (model, file.manifest)
    }

    /// The stem of `geomap predict --basins`' outputs: the basin file's name without its
    /// extension, and `<stem>.group-IIII` for a group (``BasinGroup``).
    package static func outputStem(_ inputs: BasinInputRequest) -> String {
        let stem = URL(fileURLWithPath: inputs.basinsPath).deletingPathExtension()
            .lastPathComponent
        return inputs.group.map { $0.stem(stem) } ?? stem
    }

    /// The file `geomap embed --basins --out E.nc` writes: `E.nc`, and `E.group-IIII.nc`
    /// beside it for a group.
    package static func embeddingPath(_ out: String, group: BasinGroup?) -> String {
        guard let group else { return out }
        let url = URL(fileURLWithPath: out)
        let stem = group.stem(url.deletingPathExtension().lastPathComponent)
        let name = url.pathExtension.isEmpty ? stem : "\(stem).\(url.pathExtension)"
        let folder = (out as NSString).deletingLastPathComponent
        return folder.isEmpty ? name : "\(folder)/\(name)"
    }

    /// `geomap predict --basins`: writes `<directory>/<stem>.nc` and `<directory>/<stem>.gpkg`
    /// (``outputStem(_:)``: `<stem>.group-IIII.*` for a group). Both appear complete or not at
    /// all.
    /// - Parameters:
    ///   - log: one line per note (inputs' messages).
    ///   - progress: (stage, done, total): the assembler's stages, then `predict` in basins.
    /// - Throws: bad input from the assembler (``BasinInputError``, vector, NetCDF and model
    ///   errors); a model without prediction head.
    package static func predict(
        _ request: BasinJobRequest, directory: URL, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)? = nil
    ) throws -> BasinJobSummary {
        let stem = outputStem(request.inputs)
        let names = ["\(stem).nc", "\(stem).gpkg"]
        let outputs = try OutputSet(
            directory: directory.path, key: stem, names: names, inputs: inputPaths(request))
        let summary = try outputs.produce {
            try predict(request, files: outputs, log: log, progress: progress)
        }
        try outputs.commit()
        return summary
    }

    /// Writes and checks the predictions (`files.names[0]`) and the summary layer
    /// (`files.names[1]`) in `files`' staging folder.
    static func predict(
        _ request: BasinJobRequest, files: OutputSet, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?
    ) throws -> BasinJobSummary {
        let clock = Date()
        let url = try resolveModel(request.model)
        let (model, manifest) = try loadModel(url)
        guard let head = model.configuration.head else {
            throw ModelError(
                url.path, "the model has no prediction head (encoder only): use geomap embed")
        }
        let inputs = try BasinInputAssembler.assemble(
            request.inputs, model: model, modelPath: url.path, log: log, progress: progress)
        for message in inputs.messages { log(message) }
        let outputs = BasinOutputVariable.variables(of: manifest, count: head.outputs)
        // Observed series are read and checked before the model runs (fail early).
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
        let (predictions, problems) = runner.predict(inputs, outputs: outputs) {
            progress?("predict", $0, $1)
        }
        let netCDF = files.stagedPath(files.names[0])
        let geoPackage = files.stagedPath(files.names[1])
        try BasinPredictionFiles.writePredictions(
            predictions, basins: inputs.basins,
            metadata: metadata(request, url: url, manifest: manifest), to: netCDF)
        try BasinSummaryGeoPackage.write(
            to: geoPackage, basins: inputs.basins, predictions: predictions,
            observed: observed, problems: problems)
        let (basinCount, days) = (predictions.basinIDs.count, predictions.dates.count)
        let variables = predictions.variables.map(\.name) + [BasinPredictionFiles.flagVariable]
        files.validate(files.names[0]) { path in
            try BasinSeriesWriter.verify(
                path: path, basins: basinCount, times: days, variables: variables)
        }
        files.validate(files.names[1]) { path in
            try BasinGeoPackageWriter.verify(path: path, layerName: "basins", features: basinCount)
        }
        return summary(
            inputs, outputs: files.names.map(files.finalPath), days: predictions.dates.count,
            flags: predictions.flags, problems: problems, clock: clock, manifest: manifest)
    }

    /// `geomap embed --basins`: writes the embeddings file `path` (for a group, its
    /// ``embeddingPath(_:group:)``), streamed group by group.
    package static func embed(
        _ request: BasinJobRequest, to out: String, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)? = nil
    ) throws -> BasinJobSummary {
        let path = embeddingPath(out, group: request.inputs.group)
        let file = URL(fileURLWithPath: path)
        let outputs = try OutputSet(
            directory: file.deletingLastPathComponent().path, key: file.lastPathComponent,
            names: [file.lastPathComponent], inputs: inputPaths(request))
        var summary = try outputs.produce {
            try embed(
                request, staged: outputs.stagedPath(file.lastPathComponent), outputs: outputs,
                log: log, progress: progress)
        }
        summary.outputs = [path]
        try outputs.commit()
        return summary
    }

    /// Writes and checks the embeddings at `staged` (in `outputs`' staging folder).
    static func embed(
        _ request: BasinJobRequest, staged path: String, outputs: OutputSet,
        log: (String) -> Void, progress: ((String, Int, Int) -> Void)?
    ) throws -> BasinJobSummary {
        let clock = Date()
        let url = try resolveModel(request.model)
        let (model, manifest) = try loadModel(url)
        // The encoder embeds the period itself (no warm-up days are fed: see BasinRunner).
        let inputs = try BasinInputAssembler.assemble(
            request.inputs, model: model, modelPath: url.path, log: log, progress: progress,
            warmUp: 0)
        for message in inputs.messages { log(message) }
        let dates = Array(inputs.outputDates)
        let writer = try BasinPredictionFiles.embeddingWriter(
            basins: inputs.basins, dates: dates, width: model.configuration.dModel,
            metadata: metadata(request, url: url, manifest: manifest), to: path)
        let runner = BasinRunner(model: model)
        let groupProgress: (Int, Int) -> Void = { progress?("embed", $0, $1) }
        let outcome = try runner.embed(inputs, progress: groupProgress) { basins, block in
            try BasinPredictionFiles.writeEmbeddings(
                block, to: writer, basins: basins, days: dates.count,
                width: model.configuration.dModel)
        }
        try writer.write(
            BasinPredictionFiles.flagVariable, basins: 0..<inputs.basins.basins.count,
            times: 0..<dates.count, values: outcome.flags.map { Float($0.rawValue) })
        try writer.finish()
        let basinCount = inputs.basins.basins.count
        outputs.validate(URL(fileURLWithPath: path).lastPathComponent) { staged in
            try BasinSeriesWriter.verify(
                path: staged, basins: basinCount, times: dates.count,
                variables: [
                    BasinPredictionFiles.embeddingVariable, BasinPredictionFiles.flagVariable,
                ])
        }
        return summary(
            inputs, outputs: [path], days: dates.count, flags: outcome.flags,
            problems: outcome.problems, clock: clock, manifest: manifest)
    }

    /// Every file a basin run reads (outputs must be none of them).
    static func inputPaths(_ request: BasinJobRequest) -> [String] {
        let r = request.inputs
        return [r.basinsPath] + r.forcingPaths + (r.attributesPath.map { [$0] } ?? [])
            + r.staticRasters.map(\.path) + (r.mappingPath.map { [$0] } ?? [])
            + request.observedPaths + (request.model.map { [$0] } ?? [])
    }

    static func metadata(_ request: BasinJobRequest, url: URL, manifest: ModelManifest)
        -> BasinRunMetadata
    {
        let r = request.inputs
        let sources =
            [r.basinsPath] + r.forcingPaths + (r.attributesPath.map { [$0] } ?? [])
            + r.staticRasters.map(\.path) + (r.mappingPath.map { [$0] } ?? [])
        return BasinRunMetadata(
            modelName: manifest.name, modelPath: url.lastPathComponent,
            demo: manifest.provenance.demo, sources: sources, command: request.command,
            geomapVersion: request.geomapVersion)
    }

    static func summary(
        _ inputs: BasinModelInputs, outputs: [String], days: Int, flags: [BasinDayFlag],
        problems: [Int: String], clock: Date, manifest: ModelManifest
    ) -> BasinJobSummary {
        let ids = inputs.forcings.basinIDs
        var result = BasinJobSummary(
            outputs: outputs, basins: ids.count, days: days,
            problems: problems.keys.sorted().map { (ids[$0], problems[$0]!) },
            missingDays: flags.reduce(0) { $0 + ($1 == .missingForcing ? 1 : 0) },
            seconds: Date().timeIntervalSince(clock), modelName: manifest.name,
            modelIsDemo: manifest.provenance.demo)
        for b in ids.indices where problems[b] == nil {
            let count = flags[(b * days)..<((b + 1) * days)].filter { $0 == .nonFiniteOutput }
                .count
            guard count > 0 else { continue }
            result.failures.append(
                (ids[b], BasinDayFlag.nonFiniteStatus(count: count, days: days)))
            result.nonFiniteDays += count
        }
        return result
    }
}
