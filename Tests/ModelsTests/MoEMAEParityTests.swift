import Foundation
import Models
import Tensor
import TestSupport
import Testing

/// The golden fixtures made by `tools/moe_mae/make_goldens.py` (PyTorch mirror, fp32, clean
/// routing, random weights).
enum MoEMAEFixtures {
    static var directory: URL { TestPaths.fixtures.appendingPathComponent("moe-mae") }

    static func file(_ name: String) throws -> SafetensorsFile {
        try SafetensorsFile(contentsOf: directory.appendingPathComponent(name))
    }

    static func named(_ name: String) throws -> [(name: String, tensor: Tensor)] {
        try file(name).allTensors()
    }

    static func tensors(_ name: String) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (key, value) in try file(name).allTensors() { out[key] = value }
        return out
    }

    /// The S encoder of the goldens.
    static func smallEncoder() throws -> MoEMAEEncoder {
        try MoEMAEEncoder(
            config: .s, tensors: named("s.weights.safetensors"),
            path: "s.weights.safetensors")
    }
}

/// Checks `actual` against `expected` token by token: for every row of the last dimension,
/// max |Δ| ≤ tolerance · max |expected| (the relative error of spec §7 item 2).
func expectTokensClose(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-4, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.shape == expected.shape, "\(label): shape", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let width = expected.columns
    var worst: Float = 0
    var worstRow = 0
    actual.withUnsafeBufferPointer { a in
        expected.withUnsafeBufferPointer { e in
            for r in 0..<expected.rows {
                var diff: Float = 0
                var scale: Float = 0
                for j in 0..<width {
                    diff = max(diff, abs(a[r * width + j] - e[r * width + j]))
                    scale = max(scale, abs(e[r * width + j]))
                }
                let relative = diff / max(scale, 1e-12)
                if relative > worst { (worst, worstRow) = (relative, r) }
            }
        }
    }
    #expect(
        worst <= tolerance, "\(label): row \(worstRow) relative error \(worst)",
        sourceLocation: sourceLocation)
}

@Suite("MoE-MAE encoder parity with the PyTorch mirror")
struct MoEMAEParityTests {
    func check(encoder: MoEMAEEncoder, goldens g: [String: Tensor], label: String) throws {
        let input = try #require(g["input"])
        for (suffix, meta) in [("meta", g["meta"]), ("nometa", nil)] {
            let tokens = try encoder.tokens(images: input, metadata: meta)
            expectTokensClose(tokens, try #require(g["tokens.\(suffix)"]), "\(label) \(suffix)")
            let cls = Pooling.cls.pool(tokens)
            let mean = Pooling.mean.pool(tokens)
            expectTokensClose(cls, try #require(g["cls.\(suffix)"]), "\(label) cls \(suffix)")
            expectTokensClose(mean, try #require(g["mean.\(suffix)"]), "\(label) mean \(suffix)")
            let multiLabel = try LinearHead(
                weight: try #require(g["head.multilabel.weight"]),
                bias: try #require(g["head.multilabel.bias"]), kind: .multiLabel)
            let multiClass = try LinearHead(
                weight: try #require(g["head.multiclass.weight"]),
                bias: try #require(g["head.multiclass.bias"]), kind: .multiClass)
            expectTokensClose(
                multiLabel.logits(mean),
                try #require(g["multilabel.logits.\(suffix)"]), "\(label) ml logits \(suffix)")
            expectTokensClose(
                multiLabel.probabilities(mean),
                try #require(g["multilabel.probs.\(suffix)"]), "\(label) ml probs \(suffix)")
            expectTokensClose(
                multiClass.logits(cls),
                try #require(g["multiclass.logits.\(suffix)"]), "\(label) mc logits \(suffix)")
            expectTokensClose(
                multiClass.probabilities(cls),
                try #require(g["multiclass.probs.\(suffix)"]), "\(label) mc probs \(suffix)")
        }
    }

    @Test("S encoder matches the goldens on every token, with and without metadata")
    func smallParity() throws {
        let encoder = try MoEMAEFixtures.smallEncoder()
        #expect(encoder.config.parameterCount == 2_366_798)
        try check(
            encoder: encoder, goldens: MoEMAEFixtures.tensors("s.goldens.safetensors"),
            label: "S")
    }

    @Test("batching does not change the result: tiles one by one equal the batch")
    func batchIndependence() throws {
        let encoder = try MoEMAEFixtures.smallEncoder()
        let g = try MoEMAEFixtures.tensors("s.goldens.safetensors")
        let input = try #require(g["input"])
        let meta = try #require(g["meta"])
        let batch = try encoder.tokens(images: input, metadata: meta, tilesPerSlice: 2, tasks: 1)
        for i in 0..<input.shape[0] {
            let one = try encoder.tokens(
                images: input.slices(i..<i + 1),
                metadata: meta.slices(i..<i + 1))
            expectTokensClose(one, batch.slices(i..<i + 1), tolerance: 1e-5, "tile \(i)")
        }
    }

    @Test("preprocessing of the synthetic raw tiles equals the goldens' input")
    func preprocessingOfGoldens() throws {
        let g = try MoEMAEFixtures.tensors("s.goldens.safetensors")
        let z = try MoEMAEPreprocessing.normalise(raw: try #require(g["raw"]))
        #expect(z == (try #require(g["input"])))
    }
}
