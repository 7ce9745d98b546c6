import Foundation
package import GeomapJobs
package import Models

/// `geomap probe fit`: embeds labelled samples with a MoE-MAE encoder, fits a linear head on
/// the embeddings (``ProbeFitRun``) and writes the encoder with the head as a new model file.
package enum ProbeFitJob: GeomapJob {
    /// Where the labelled samples come from.
    package enum Samples: Sendable, Equatable {
        /// `--samples S.csv`: image paths (relative to the CSV's folder) and class names.
        case list(String)
        /// `--in R.tif --labels-raster L.tif`: R's windows every `stride` pixels, labelled by
        /// L (a class raster on R's grid); `minShare`: multi-label's least share of a class.
        case labelsRaster(input: String, labels: String, stride: Int, minShare: Double)
    }

    package struct Request: Sendable {
        /// The MoE-MAE encoder model file.
        package var model: String
        package var samples: Samples
        /// The model file to write (the encoder plus the fitted head).
        package var output: String
        package var task = ClassificationTask.multiLabel
        /// `--classes`: `bigearthnet-19` or a text file with one name per line; `nil`: the
        /// sample list's names, sorted (or the labels raster's categories).
        package var classes: String?
        /// The pooling the head reads; `nil`: the model's.
        package var pooling: Pooling?
        /// `false` for `--no-metadata`.
        package var useMetadata = true
        /// Holdout share, seed and solver settings.
        package var settings = ProbeFitSettings()

        package init(model: String, samples: Samples, output: String) {
            self.model = model
            self.samples = samples
            self.output = output
        }

        /// The file the samples' labels were read from, recorded in the model's metrics.
        var labelSource: String {
            switch samples {
            case .list(let path): path
            case .labelsRaster(_, let labels, _, _): labels
            }
        }
    }

    /// A checked request with its class list read.
    package struct Item: Sendable {
        package var request: Request
        /// The `--classes` names, `nil` for the samples' own.
        package var classNames: [String]?
    }

    /// The fitted head and the data it was fitted on.
    package struct Summary: Sendable {
        package var outcome: ProbeFitOutcome
        /// Samples (images or labelled tiles) embedded.
        package var samples: Int
        package var classNames: [String]
    }

    /// One item. Checks the options, the input files, the output's folder and the class list.
    /// - Throws: ``ProbeError`` naming the option or file.
    package static func plan(_ request: Request) throws -> [Item] {
        let settings = request.settings
        guard settings.holdoutFraction >= 0, settings.holdoutFraction < 1 else {
            throw ProbeError.argument(
                "--holdout must be in [0, 1), got \(settings.holdoutFraction)")
        }
        guard settings.regression.c > 0 else {
            throw ProbeError.argument("--c must be positive, got \(settings.regression.c)")
        }
        let modelURL = URL(fileURLWithPath: request.model)
        let outURL = URL(fileURLWithPath: request.output)
        guard modelURL.standardizedFileURL.path != outURL.standardizedFileURL.path else {
            throw ProbeError.argument("--out must differ from --model (\(request.model))")
        }
        var isFolder: ObjCBool = false
        let outFolder = outURL.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: outFolder, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw ProbeError.file(path: outFolder, problem: "the output folder does not exist")
        }
        // The model file and a sample list are checked by their readers first thing in run
        // (their messages name what is wrong with them).
        switch request.samples {
        case .list: break
        case .labelsRaster(let input, let labels, _, let minShare):
            guard minShare > 0, minShare <= 1 else {
                throw ProbeError.argument("--min-share must be in (0, 1], got \(minShare)")
            }
            try JobInputs.check(input, option: "--in")
            try JobInputs.check(labels, option: "--labels-raster")
            if request.classes == "bigearthnet-19" {
                throw ProbeError.argument(
                    "--classes bigearthnet-19 does not apply to --labels-raster; give a file "
                        + "(line n names class id n)")
            }
        }
        return [Item(request: request, classNames: try classNames(request.classes))]
    }

    package static func run(_ item: Item, events: JobEvents) throws -> JobResult<Summary> {
        let request = item.request
        let file: ModelFile
        let outURL = URL(fileURLWithPath: request.output)
        let features: FeatureMatrix
        let targets: ProbeTargets
        let classNames: [String]
        let count: Int
        let pooling: Pooling
        switch request.samples {
        case .list(let path):
            let list = try ProbeSampleList.read(
                URL(fileURLWithPath: path), task: request.task, classNames: item.classNames)
            targets = try list.targets()
            // The sample list is read first: its errors name it, whatever the model file.
            file = try encoderFile(request.model)
            let encoder = try MoEMAEModel(file: file)
            pooling = request.pooling ?? encoder.pooling
            let embedder = SampleEmbedder(
                model: encoder, pooling: pooling, useMetadata: request.useMetadata)
            events.note(
                "embedding \(list.samples.count) images (\(pooling.rawValue) pooling, "
                    + "\(embedder.width) features)…")
            features = try embedder.embed(list.samples)
            classNames = list.classNames
            count = list.samples.count
        case .labelsRaster(let input, let labels, let stride, let minShare):
            file = try encoderFile(request.model)
            let tileModel = try MoEMAETileModel(file: file)
            let tile = tileModel.input.tileSize
            guard stride >= 1, stride <= tile else {
                throw ProbeError.argument("--stride must be in 1…\(tile), got \(stride)")
            }
            let labelled = try LabelRasterTiles(
                inputPath: input, labelsPath: labels, tile: tile, stride: stride,
                task: request.task, minShare: minShare, classFile: item.classNames)
            targets = try labelled.targets()
            pooling = request.pooling ?? tileModel.model.pooling
            events.note(
                "embedding \(labelled.tiles.count) tiles (\(labelled.skipped) mostly nodata "
                    + "skipped, \(pooling.rawValue) pooling)…")
            features = try labelled.embed(
                model: tileModel, inputPath: input, pooling: pooling,
                useMetadata: request.useMetadata)
            classNames = labelled.classNames
            count = labelled.tiles.count
        }
        let outcome = try ProbeFitRun.run(
            features: features, targets: targets, classNames: classNames,
            settings: request.settings)
        try ProbeModelOutput.write(
            base: file, outcome: outcome, pool: pooling.rawValue,
            sampleList: URL(fileURLWithPath: request.labelSource).lastPathComponent, to: outURL)
        return JobResult(
            written: [request.output],
            summary: Summary(outcome: outcome, samples: count, classNames: classNames))
    }

    /// The model file, which must be a MoE-MAE encoder (the head is fitted on its embeddings).
    static func encoderFile(_ path: String) throws -> ModelFile {
        let file = try ModelFile(contentsOf: URL(fileURLWithPath: path))
        guard MoEMAEArchitecture.ids.contains(file.manifest.architecture) else {
            throw ProbeError.file(
                path: path,
                problem: "architecture '\(file.manifest.architecture)' has no embeddings to fit "
                    + "a head on (expected \(MoEMAEArchitecture.ids.joined(separator: ", ")))")
        }
        return file
    }

    /// The `--classes` list, or `nil` for the samples' own names.
    static func classNames(_ classes: String?) throws -> [String]? {
        guard let classes else { return nil }
        if classes == "bigearthnet-19" { return BigEarthNet.classNames19 }
        guard let text = try? String(contentsOfFile: classes, encoding: .utf8) else {
            throw ProbeError.file(
                path: classes, problem: "cannot read the class list (or use bigearthnet-19)")
        }
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty, Set(names).count == names.count else {
            throw ProbeError.file(
                path: classes, problem: "the class list is empty or repeats a name")
        }
        return names
    }
}
