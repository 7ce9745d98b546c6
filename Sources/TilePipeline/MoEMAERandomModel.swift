package import Foundation
package import Models
import Tensor

extension MoEMAETileModel {
    /// Writes a MoE-MAE model file with seeded random weights (uniform in ±`scale`; LayerNorm
    /// gains near 1) and, when `classes` is not empty, a random linear head on mean-pooled
    /// embeddings. For tests and benchmarks only: its predictions mean nothing.
    /// - Parameters:
    ///   - architecture: `moe-mae-s`, `moe-mae-xs` or `moe-mae-xxs`.
    ///   - task: `multi-label` or `multi-class` (with classes), ignored without.
    ///   - reshape: a tensor name to store with one extra row (a deliberately broken file).
    package static func writeRandomModel(
        architecture: String, classes: [String], task: ModelTask = .multiLabel, seed: UInt64 = 7,
        scale: Float = 0.05, reshape: String? = nil, to url: URL
    ) throws {
        guard let config = MoEMAEConfig.known[architecture] else {
            throw TilePredictionError.model(
                path: url.path, reason: "unknown architecture '\(architecture)'")
        }
        var state = seed
        func next() -> Float {  // SplitMix64 → uniform [−1, 1)
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 23) - 1
        }
        var shapes = config.tensorShapes
        if !classes.isEmpty {
            shapes += [
                ("head.weight", [classes.count, config.embedDim]), ("head.bias", [classes.count]),
            ]
        }
        let tensors: [(name: String, tensor: Tensor)] = shapes.map { name, shape in
            var shape = shape
            if name == reshape { shape[0] += 1 }
            let count = shape.reduce(1, *)
            let isGain =
                name.hasSuffix("norm1.weight") || name.hasSuffix("norm2.weight")
                || name == "norm.weight"
            let scalars = (0..<count).map { _ in isGain ? 1 + scale * next() : scale * next() }
            return (name, Tensor(shape: shape, scalars: scalars))
        }
        let bands = zip(MoEMAEPreprocessing.bigEarthNetMean, MoEMAEPreprocessing.bigEarthNetStd)
            .map { (mean: $0, std: $1) }
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
        let output =
            classes.isEmpty
            ? OutputSpec(task: .embedding, settings: .object(["pooling": .string("mean")]))
            : OutputSpec(
                task: task,
                classes: classes.enumerated().map {
                    ClassSpec(name: $0.element, color: palette[$0.offset % palette.count])
                },
                settings: .object(["pooling": .string("mean")]))
        let manifest = ModelManifest(
            architecture: architecture, name: "random-\(architecture)",
            description: "Random weights (seed \(seed)) for tests and benchmarks; meaningless.",
            hyperParameters: try JSONValue(encoding: config),
            input: MoEMAEModel.inputSpec(config: config, bands: bands), output: output,
            provenance: Provenance(source: "random (seed \(seed))", demo: true))
        try ModelFile.write(manifest: manifest, tensors: tensors, to: url)
    }
}
