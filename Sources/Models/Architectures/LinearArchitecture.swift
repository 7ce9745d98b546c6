import Foundation
package import Tensor

/// `linear`: a single `nn.Linear(in, out)` (a linear or logistic probe), the smallest
/// architecture. It proves the import pipeline end to end and serves heads fitted on embeddings.
///
/// Checkpoint: a state dict with exactly `weight [out, in]` and optionally `bias [out]`, possibly
/// under one prefix given by `--set prefix=head.` (the prefix is removed). Settings:
/// `task=multi-label|multi-class|regression` (default `regression`).
package enum LinearArchitecture: ModelArchitecture {
    package static let ids = ["linear"]
    package static let summary = "a single nn.Linear layer (weight [out, in], bias [out])"

    /// Hyper-parameters stored in the manifest.
    package struct Configuration: Codable, Sendable, Equatable {
        package var inFeatures: Int
        package var outFeatures: Int
        package var bias: Bool

        package init(inFeatures: Int, outFeatures: Int, bias: Bool) {
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
            self.bias = bias
        }
    }

    package static func importCheckpoint(
        _ checkpoint: Checkpoint, id: String, options: ImportOptions
    )
        throws -> ImportedModel
    {
        var state = checkpoint.stateDict
        if let prefix = options.settings["prefix"] { state = state.selectingPrefix(prefix) }
        guard let weight = state["weight"] else {
            throw ModelError(
                checkpoint.path,
                "missing tensor weight (found: \(state.names.prefix(5).joined(separator: ", ")))")
        }
        guard weight.rank == 2 else {
            throw ModelError(
                checkpoint.path, "tensor weight has shape \(weight.shape), expected [out, in]")
        }
        let configuration = Configuration(
            inFeatures: weight.shape[1], outFeatures: weight.shape[0], bias: state["bias"] != nil)
        let store = state.weightStore(path: checkpoint.path)
        let model = try LinearModel(store: store, configuration: configuration)
        try store.verifyAllConsumed()
        let taskName = options.settings["task"] ?? ModelTask.regression.rawValue
        guard let task = ModelTask(rawValue: taskName), task != .embedding else {
            throw ModelError(
                checkpoint.path, "task=\(taskName) is not multi-label, multi-class or regression")
        }
        let manifest = ModelManifest(
            architecture: id, name: options.name ?? "linear",
            description: options.description
                ?? "A linear layer imported from \(URL(fileURLWithPath: checkpoint.path).lastPathComponent).",
            hyperParameters: try JSONValue(encoding: configuration),
            input: InputSpec(
                kind: .features,
                variables: (0..<configuration.inFeatures).map { VariableSpec(name: "x\($0)") }),
            output: OutputSpec(
                task: task,
                variables: (0..<configuration.outFeatures).map { VariableSpec(name: "y\($0)") }),
            provenance: options.provenance(for: checkpoint))
        var tensors = [(name: "weight", tensor: model.weight)]
        if let bias = model.bias { tensors.append((name: "bias", tensor: bias)) }
        return ImportedModel(manifest: manifest, tensors: tensors)
    }

    package static func validate(_ model: ModelFile) throws {
        _ = try LinearModel(file: model)
    }

    package static let inferenceKind = InferenceKind.features

    package static func loadForInference(_ model: ModelFile) throws -> InferenceModel {
        .features(try LinearModel(file: model))
    }
}

/// The `linear` architecture's forward pass: `y = x · Wᵀ + b`.
package struct LinearModel: Sendable {
    package let configuration: LinearArchitecture.Configuration
    /// `[out, in]`.
    package let weight: Tensor
    /// `[out]` or `nil`.
    package let bias: Tensor?

    /// Loads strictly from a model file.
    package init(file: ModelFile) throws {
        let configuration: LinearArchitecture.Configuration
        do {
            configuration = try file.manifest.hyperParameters.decode(
                LinearArchitecture.Configuration.self)
        } catch {
            throw ModelError(
                file.path, "invalid hyperParameters for linear: \(ModelFile.describe(error))")
        }
        let store = file.weights()
        self = try LinearModel(store: store, configuration: configuration)
        try store.verifyAllConsumed()
    }

    init(store: WeightStore, configuration: LinearArchitecture.Configuration) throws {
        self.configuration = configuration
        weight = try store.tensor(
            "weight", shape: [configuration.outFeatures, configuration.inFeatures])
        bias =
            configuration.bias ? try store.tensor("bias", shape: [configuration.outFeatures]) : nil
    }

    /// - Parameter x: `[batch, in]`. - Returns: `[batch, out]`.
    package func callAsFunction(_ x: Tensor) -> Tensor {
        linear(x, weight: weight, bias: bias)
    }
}
