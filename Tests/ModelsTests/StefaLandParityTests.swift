import Foundation
import Models
import Tensor
import TestSupport
import Testing

@Suite("StefaLand forward pass against the PyTorch mirror's goldens")
struct StefaLandParityTests {
    @Test(
        "normalisation, embeddings and predictions match within 1e-4 relative",
        arguments: ["small", "released"])
    func parity(name: String) throws {
        let golden = try StefaLandGolden(name)
        let model = try golden.model()
        let normalized = model.normalize(
            dynamic: try golden.io.tensor("x_raw"), static: try golden.io.tensor("c_raw"))
        #expect(relativeError(normalized.dynamic, try golden.io.tensor("x")) < 1e-6)
        #expect(relativeError(normalized.static, try golden.io.tensor("c")) < 1e-6)

        let out = model(
            dynamic: try golden.io.tensor("x"), static: try golden.io.tensor("c"),
            embeddings: true, predictions: true)
        let embeddings = try #require(out.embeddings)
        let predictions = try #require(out.predictions)
        let embeddingError = relativeError(embeddings, try golden.io.tensor("embeddings"))
        let predictionError = relativeError(predictions, try golden.io.tensor("predictions"))
        #expect(embeddingError < 1e-4, "embeddings: \(embeddingError)")
        #expect(predictionError < 1e-4, "predictions: \(predictionError)")
    }

    @Test("basins are independent: one basin alone gives the same outputs as in a batch")
    func basinIndependence() throws {
        let golden = try StefaLandGolden("small")
        let model = try golden.model()
        let x = try golden.io.tensor("x")
        let c = try golden.io.tensor("c")
        let all = try #require(model(dynamic: x, static: c).predictions)
        let last = x.shape[0] - 1
        let alone = try #require(
            model(dynamic: x.slices(last..<(last + 1)), static: c.slices(last..<(last + 1)))
                .predictions)
        #expect(alone == all.slices(last..<(last + 1)))
    }

    @Test("a batch larger than the head's groups gives each basin its own outputs")
    func manyBasins() throws {
        let golden = try StefaLandGolden("small")
        let model = try golden.model()
        let x = try golden.io.tensor("x")
        let c = try golden.io.tensor("c")
        let n = x.shape[0]
        let count = 20
        let bigX = Tensor(
            shape: [count] + x.shape.dropFirst(),
            scalars: (0..<count).flatMap { x.slices(($0 % n)..<($0 % n + 1)).scalars })
        let bigC = Tensor(
            shape: [count, c.shape[1]],
            scalars: (0..<count).flatMap { c.slices(($0 % n)..<($0 % n + 1)).scalars })
        let out = model(dynamic: bigX, static: bigC, embeddings: true, parts: 3)
        let expected = try golden.io.tensor("predictions")
        let predictions = try #require(out.predictions)
        for b in 0..<count {
            #expect(
                relativeError(
                    predictions.slices(b..<(b + 1)),
                    expected.slices((b % n)..<(b % n + 1))) < 1e-4, "basin \(b)")
        }
    }

    @Test("missing values become 0 after normalisation")
    func missingValues() throws {
        let model = try StefaLandGolden("small").model()
        let f = model.configuration.dynamicVariables.count
        var raw = [Float](repeating: 1, count: 2 * f)
        raw[1] = .nan
        let n = model.normalize(
            dynamic: Tensor(shape: [1, 2, f], scalars: raw),
            static: Tensor(zeros: [1, model.configuration.staticVariables.count]))
        #expect(n.dynamic.scalars[1] == 0)
        #expect(n.dynamic.scalars.allSatisfy { $0.isFinite })
    }
}

@Suite("StefaLand model-file key table")
struct StefaLandKeyTableTests {
    @Test(
        "the key table of a configuration equals the golden weights' names and shapes",
        arguments: ["small", "released"])
    func keyTable(name: String) throws {
        let golden = try StefaLandGolden(name)
        let expected = golden.configuration.modelFileTensorShapes
        let actual = golden.weights.entries
        #expect(Set(expected.map(\.name)) == Set(actual.map(\.name)))
        for entry in actual {
            #expect(expected.first { $0.name == entry.name }?.shape == entry.shape, "\(entry.name)")
        }
        _ = try StefaLandModel(randomWeightsFor: golden.configuration)
    }
}
