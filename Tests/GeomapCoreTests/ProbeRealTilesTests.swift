import Foundation
import GeomapCore
import Models
import Tensor
import TestSupport
import Testing

/// `geomap probe fit`'s pipeline on the real BigEarthNet-Landsat tiles with the XXS encoder of
/// the upstream-layout fixture checkpoint (random weights): embeddings, fit, model file, and
/// the MoE-MAE loader reading the head back.
@Suite("Probe fit on the real tiles")
struct ProbeRealTilesTests {
    @Test(
        "labelled real tiles → embeddings → head → a model file the MoE-MAE loader runs",
        .enabled(
            if: TestPaths.bigEarthNetImages != nil,
            Comment(rawValue: TestPaths.sharedAbsentMessage)))
    func realTiles() throws {
        let folder = try makeTemporaryDirectory("probe-real")
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = folder.appendingPathComponent("xxs.safetensors")
        try ArchitectureRegistry.importModel(
            checkpoint: TestPaths.fixtures.appendingPathComponent("moe-mae/xxs.upstream.pth"),
            architecture: "moe-mae-xxs", options: ImportOptions(), output: base)
        let data = try #require(TestPaths.bigEarthNetImages).deletingLastPathComponent()
        let (rows, _) = try BigEarthNet.sampleRows(dataFolder: data)
        let csv = folder.appendingPathComponent("S.csv")
        try ProbeSampleList.write(rows, to: csv)
        let full = try ProbeSampleList.read(
            csv, task: .multiLabel, classNames: BigEarthNet.classNames19)
        #expect(full.samples.count == 199)
        // Every third tile keeps the test short: 67 samples.
        let list = ProbeSampleList(
            source: full.source, task: full.task, classNames: full.classNames,
            samples: full.samples.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))

        let file = try ModelFile(contentsOf: base)
        let encoder = try MoEMAEModel(file: file)
        let embedder = SampleEmbedder(model: encoder, pooling: .mean, useMetadata: true)
        let features = try embedder.embed(list.samples)
        #expect(features.rows == 67 && features.columns == 108)
        #expect(features.values.allSatisfy { $0.isFinite })

        let outcome = try ProbeFitRun.run(
            features: features, targets: list.targets(), classNames: list.classNames)
        #expect(outcome.split.holdout.count == 13)
        #expect(outcome.report.converged.allSatisfy { $0 })
        let out = folder.appendingPathComponent("xxs-head.safetensors")
        try ProbeModelOutput.write(
            base: file, outcome: outcome, pool: "mean", sampleList: "S.csv", to: out)

        // The written model's own head (Float32, Models.LinearHead) gives the same
        // probabilities as the fitted one.
        let model = try MoEMAEModel(contentsOf: out)
        #expect(model.classes == BigEarthNet.classNames19)
        #expect(model.pooling == .mean)
        let head = try #require(model.head)
        let x = features.selecting(rows: Array(0..<8))
        let expected = try outcome.head.probabilities(x)
        let actual = head.probabilities(
            Tensor(shape: [8, 108], scalars: x.values.map(Float.init))
        ).scalars
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 1e-5)
    }
}
