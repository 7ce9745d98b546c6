package import Foundation
package import Models
import OutputFiles
import Tensor

/// Writes the model file of `geomap probe fit`: the base model's tensors and manifest, plus the
/// fitted head and its metrics.
///
/// - Tensors: every tensor of the base except an existing `head.*`, then `head.weight`
///   [classes, d] and `head.bias` [classes] (Float32, PyTorch / scikit-learn `coef_` layout).
/// - Manifest: `output.task` becomes `multi-label` or `multi-class`, `output.classes` the
///   head's classes (BigEarthNet-19 names get CORINE legend colours, others a fixed palette),
///   `output.settings` keeps the base's members and sets `pooling` (how tile tokens become the
///   d-wide embedding the head reads, e.g. `mean`); `metrics.probe` records the fit (see
///   ``metricsJSON(_:pool:sampleList:)``); `provenance.createdBy` gains "head: geomap probe fit".
/// - The file is written under a temporary name in the destination folder, validated by the
///   architecture's strict loader when the architecture is registered, and renamed into place;
///   nothing is left under the final name on failure.
package enum ProbeModelOutput {
    /// A 20-colour qualitative palette (Tableau 20) for class lists without known colours.
    package static let palette: [String] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
        "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ]

    /// The colours of `names`: CORINE legend colours for BigEarthNet-19 names, else the palette.
    package static func colors(for names: [String]) -> [String] {
        names.enumerated().map { index, name in
            if let known = BigEarthNet.classNames19.firstIndex(of: name) {
                return BigEarthNet.classColors19[known]
            }
            return palette[index % palette.count]
        }
    }

    /// Writes `base` with the head of `outcome` to `url`.
    /// - Parameters:
    ///   - pool: the embedding pooling the head was fitted on (e.g. `mean`, `cls`).
    ///   - sampleList: the sample list's file name, recorded in the metrics.
    package static func write(
        base: ModelFile, outcome: ProbeFitOutcome, pool: String, sampleList: String, to url: URL
    ) throws {
        let head = outcome.head
        var tensors = base.safetensors.allTensors().filter { !$0.name.hasPrefix("head.") }
        let weight = Tensor(
            shape: [head.classCount, head.featureCount], scalars: head.weights.map(Float.init))
        let bias = Tensor(shape: [head.classCount], scalars: head.bias.map(Float.init))
        tensors.append(("head.weight", weight))
        tensors.append(("head.bias", bias))

        var manifest = base.manifest
        var settings: [String: JSONValue] = [:]
        if case .object(let members)? = manifest.output.settings { settings = members }
        settings["pooling"] = .string(pool)
        manifest.output = OutputSpec(
            task: ModelTask(head.task),
            classes: zip(head.classNames, colors(for: head.classNames)).map {
                ClassSpec(name: $0, color: $1)
            },
            settings: .object(settings))
        var metrics: [String: JSONValue] = [:]
        if case .object(let members)? = manifest.metrics { metrics = members }
        metrics["probe"] = try metricsJSON(outcome, pool: pool, sampleList: sampleList)
        manifest.metrics = .object(metrics)
        let creator = manifest.provenance.createdBy
        manifest.provenance.createdBy =
            (creator.map { $0 + "; " } ?? "") + "head: geomap probe fit"

        let folder = url.deletingLastPathComponent()
        let staging = folder.appendingPathComponent(TemporaryName.make(suffix: "safetensors"))
        do {
            try ModelFile.write(manifest: manifest, tensors: tensors, to: staging)
            let written = try ModelFile(contentsOf: staging)
            if let architecture = try? ArchitectureRegistry.architecture(
                for: manifest.architecture)
            {
                try architecture.validate(written)
            }
            try POSIXFileSystem().rename(staging.path, to: url.path)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// What `metrics.probe` holds: task, pooling, solver settings, sample counts, the holdout
    /// and training ``ProbeMetrics``, and per-class convergence.
    package static func metricsJSON(
        _ outcome: ProbeFitOutcome, pool: String, sampleList: String
    ) throws -> JSONValue {
        let options = outcome.settings.regression
        var object: [String: JSONValue] = [
            "task": .string(outcome.head.task.rawValue),
            "pool": .string(pool),
            "sampleList": .string(sampleList),
            "solver": .string("L-BFGS, L2, one-vs-rest (multi-label) or softmax (multi-class)"),
            "C": .number(options.c),
            "tolerance": .number(options.tolerance),
            "maxIterations": .number(Double(options.maxIterations)),
            "standardize": .bool(options.standardize),
            "holdoutFraction": .number(outcome.settings.holdoutFraction),
            "seed": .string(String(outcome.settings.seed)),
            "trainingSamples": .number(Double(outcome.split.training.count)),
            "holdoutSamples": .number(Double(outcome.split.holdout.count)),
            "iterations": .array(outcome.report.iterations.map { .number(Double($0)) }),
            "converged": .bool(outcome.report.converged.allSatisfy { $0 }),
            "constantClasses": .array(
                outcome.report.constantClasses.map { .string(outcome.head.classNames[$0]) }),
            "training": try JSONValue(encoding: outcome.trainingMetrics),
        ]
        if let holdout = outcome.holdoutMetrics {
            object["holdout"] = try JSONValue(encoding: holdout)
        }
        return .object(object)
    }
}
