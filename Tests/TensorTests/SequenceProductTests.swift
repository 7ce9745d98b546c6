import Tensor
import Testing

/// A sequence's values must not depend on the batch it runs in (a night predicts a few windows
/// of a basin, a one-shot run all of them, and the archives must agree bit for bit). OpenBLAS's
/// AVX2 sgemm kernels (Haswell/Zen, 0.3.21) round a row by its position in a product and by the
/// product's row count: on a Zen 3 CPU, the same row of a 256 × 256 product came out different
/// in 15 of 256 columns between a 1-row and a 91-row product, and at 180 of 5,888 positions
/// within 24-row products. So each sequence's products over days run on their own
/// (`linear(_:weight:bias:blockRows:)`), and the LSTM's step products always have the same rows.
@Suite("Sequence products: a sequence's values do not depend on its batch")
struct SequenceProductTests {
    /// `sequence` (`[days, k]`) at block `slot` of `count` blocks, the others random.
    func batch(_ sequence: Tensor, slot: Int, of count: Int, seed: UInt64) -> Tensor {
        let (days, k) = (sequence.rows, sequence.columns)
        var scalars = Ref.random([count * days, k], seed: seed).scalars
        scalars.replaceSubrange(
            (slot * days * k)..<((slot + 1) * days * k), with: sequence.scalars)
        return Tensor(shape: [count * days, k], scalars: scalars)
    }

    @Test(
        "linear per block: a sequence's rows are the same alone and at any block of any batch, bit for bit",
        arguments: [(365, 64, 96), (37, 256, 256), (30, 13, 64)])
    func perBlock(shape: (Int, Int, Int)) {
        let (days, k, n) = shape
        let w = Ref.random([n, k], seed: 11)
        let b = Ref.random([n], seed: 12)
        let sequence = Ref.random([days, k], seed: 13)
        let alone = linear(sequence, weight: w, bias: b, blockRows: days)
        #expect(alone.shape == [days, n])
        let plain = linear(sequence, weight: w, bias: b)
        #expect(alone.scalars.map(\.bitPattern) == plain.scalars.map(\.bitPattern))
        for (slot, count) in [(0, 2), (1, 3), (4, 5), (7, 8), (2, 13)] {
            let x = batch(sequence, slot: slot, of: count, seed: UInt64(100 + slot))
            let y = linear(x, weight: w, bias: b, blockRows: days)
            #expect(y.shape == [count * days, n])
            let rows = Array(y.scalars[(slot * days * n)..<((slot + 1) * days * n)])
            #expect(
                rows.map(\.bitPattern) == alone.scalars.map(\.bitPattern), "\(slot) of \(count)")
        }
    }

    @Test(
        "lstmSequence on 8 sequences: a sequence's outputs are the same at every slot, bit for bit")
    func lstmSlots() {
        let (days, input, hidden) = (40, 24, 32)
        let weights = LSTMWeights(
            weightIH: Ref.random([4 * hidden, input], seed: 21),
            weightHH: Ref.random([4 * hidden, hidden], seed: 22),
            biasIH: Ref.random([4 * hidden], seed: 23), biasHH: Ref.random([4 * hidden], seed: 24))
        let sequence = Ref.random([days, input], seed: 25)
        var reference: [UInt32]?
        for slot in [0, 3, 7] {
            let x = batch(sequence, slot: slot, of: 8, seed: UInt64(200 + slot))
            let output = lstmSequence(x.reshaped([8, days, input]), weights: weights).output
            let rows = Array(
                output.scalars[(slot * days * hidden)..<((slot + 1) * days * hidden)]
            ).map(\.bitPattern)
            if let reference {
                #expect(rows == reference, "slot \(slot)")
            } else {
                reference = rows
            }
        }
    }
}
