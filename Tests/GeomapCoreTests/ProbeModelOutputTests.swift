import Foundation
import GeomapCore
import Models
import Tensor
import TestSupport
import Testing

@Suite("Model files written by probe fit")
struct ProbeModelOutputTests {
    /// A base "encoder" model file with an old head, and a fit on 60 synthetic samples.
    func fixture(architecture: String = "test-encoder") throws
        -> (folder: URL, base: ModelFile, outcome: ProbeFitOutcome)
    {
        let folder = try makeTemporaryDirectory("probe-model")
        let manifest = ModelManifest(
            architecture: architecture, name: "enc", description: "a test encoder",
            hyperParameters: .object([:]),
            input: InputSpec(kind: .image, variables: [VariableSpec(name: "B1")]),
            output: OutputSpec(task: .embedding, settings: .object(["width": .number(4)])),
            provenance: Provenance(source: "test", createdBy: "test"))
        let url = folder.appendingPathComponent("base.safetensors")
        try ModelFile.write(
            manifest: manifest,
            tensors: [
                ("encoder.w", Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])),
                ("head.weight", Tensor(shape: [1, 4], scalars: [9, 9, 9, 9])),
            ], to: url)
        var rows: [[Double]] = []
        var labels: [[Int]] = []
        for i in 0..<60 {
            let a = Double(i % 3)
            let b = Double((i * 7) % 5)
            rows.append([a, b, a * b / 4, Double(i % 2)])
            labels.append(i % 3 == 0 ? [0] : (i % 2 == 0 ? [1, 2] : [2]))
        }
        let outcome = try ProbeFitRun.run(
            features: FeatureMatrix(rows),
            targets: ProbeTargets(labelSets: labels, classCount: 3),
            classNames: ["Urban fabric", "water", "forest"],
            settings: ProbeFitSettings(holdoutFraction: 0.25, seed: 5))
        return (folder, try ModelFile(contentsOf: url), outcome)
    }

    @Test("the new file holds the base tensors, the head, classes and metrics")
    func writes() throws {
        let (folder, base, outcome) = try fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(outcome.split.holdout.count == 15)
        let out = folder.appendingPathComponent("with-head.safetensors")
        try ProbeModelOutput.write(
            base: base, outcome: outcome, pool: "mean", sampleList: "S.csv", to: out)
        let model = try ModelFile(contentsOf: out)
        #expect(model.safetensors.names == ["encoder.w", "head.weight", "head.bias"])
        let weight = try model.safetensors.tensor("head.weight")
        #expect(weight.shape == [3, 4])
        #expect(weight.scalars == outcome.head.weights.map(Float.init))
        #expect(try model.safetensors.tensor("head.bias").shape == [3])
        let output = model.manifest.output
        #expect(output.task == .multiLabel)
        #expect(output.classes?.map(\.name) == ["Urban fabric", "water", "forest"])
        #expect(output.classes?.first?.color == "#e6004d")
        #expect(output.settings?["pooling"] == .string("mean"))
        #expect(output.settings?["width"] == .number(4))
        let probe = try #require(model.manifest.metrics?["probe"])
        #expect(probe["holdoutSamples"] == .number(15))
        #expect(probe["holdout"]?["accuracy"] == .number(outcome.holdoutMetrics!.accuracy))
        let map = try #require(outcome.holdoutMetrics?.microAveragePrecision)
        #expect(probe["holdout"]?["microAveragePrecision"] == .number(map))
        #expect(model.manifest.provenance.createdBy == "test; head: geomap probe fit")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(Set(leftovers) == ["base.safetensors", "with-head.safetensors"])
    }

    @Test("a model the architecture's loader refuses is not written (nothing left behind)")
    func validationFailure() throws {
        // The `linear` architecture has no place for head tensors: its strict loader refuses.
        let (folder, base, outcome) = try fixture(architecture: "linear")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("bad.safetensors")
        #expect(throws: (any Error).self) {
            try ProbeModelOutput.write(
                base: base, outcome: outcome, pool: "cls", sampleList: "S.csv", to: out)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["base.safetensors"])
    }

    @Test("an output folder that does not exist is an error naming it")
    func missingFolder() throws {
        let (folder, base, outcome) = try fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("nope/m.safetensors")
        #expect {
            try ProbeModelOutput.write(
                base: base, outcome: outcome, pool: "cls", sampleList: "S.csv", to: out)
        } throws: { error in
            String(describing: error).contains(folder.appendingPathComponent("nope").path)
        }
    }

    @Test("metrics summary line")
    func summary() throws {
        let (folder, _, outcome) = try fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let line = try #require(outcome.holdoutMetrics).summary
        #expect(line.hasPrefix("accuracy 0.") || line.hasPrefix("accuracy 1."))
        #expect(line.contains("mAP micro") && line.hasSuffix("classes)"))
    }
}
