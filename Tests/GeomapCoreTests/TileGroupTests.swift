import Foundation
import GeomapCore
import Models
import Tensor
import TestSupport
import Testing

@Suite("tile groups: a tile's model outputs depend only on its group")
struct TileGroupTests {
    /// The rows `rows` of a `[B, width]` tensor, as bit patterns.
    private func bits(_ tensor: Tensor?, rows: Range<Int>) -> [UInt32] {
        guard let tensor else { return [] }
        let width = tensor.shape[1]
        return tensor.withUnsafeBufferPointer { values in
            values[rows.lowerBound * width..<rows.upperBound * width].map(\.bitPattern)
        }
    }

    @Test("MoE-MAE: the same group beside other tiles, or alone, gives the same bits")
    func groupsAreIndependent() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("xxs.safetensors")
        try MoEMAETileModel.writeRandomModel(
            architecture: "moe-mae-xxs", classes: ["a", "b", "c"], to: url)
        let model = try TileModelLoader.load(url)
        var random = SeededGenerator(seed: 3)
        let tile = 7 * 40 * 40
        let values = (0..<13 * tile).map { _ in Float(Int.random(in: 500...20000, using: &random)) }
        let all = try model.run(
            raw: Tensor(shape: [13, 7, 40, 40], scalars: values), places: nil,
            probabilities: true, pooling: .mean, groups: [0..<3, 3..<11, 11..<13])
        let alone = try model.run(
            raw: Tensor(shape: [8, 7, 40, 40], scalars: Array(values[3 * tile..<11 * tile])),
            places: nil, probabilities: true, pooling: .mean, groups: [0..<8])
        #expect(!bits(all.probabilities, rows: 3..<11).isEmpty)
        #expect(bits(all.probabilities, rows: 3..<11) == bits(alone.probabilities, rows: 0..<8))
        #expect(bits(all.embeddings, rows: 3..<11) == bits(alone.embeddings, rows: 0..<8))
        // Groups that do not cover the batch in order are refused, not guessed.
        #expect(throws: (any Error).self) {
            try model.run(
                raw: Tensor(shape: [8, 7, 40, 40], scalars: Array(values[0..<8 * tile])),
                places: nil, probabilities: true, pooling: .mean, groups: [0..<3, 4..<8])
        }
    }
}
