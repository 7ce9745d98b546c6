import Foundation
import Tensor
import Testing

/// Float64 LSTM cell with PyTorch's gate order (i, f, g, o).
private func referenceStep(
    x: [Double], h: [Double], c: [Double], wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor
) -> ([Double], [Double]) {
    let hidden = h.count
    var gates = [Double](repeating: 0, count: 4 * hidden)
    for g in 0..<4 * hidden {
        var s = Double(bih.scalars[g]) + Double(bhh.scalars[g])
        for p in 0..<x.count { s += Double(wih[g, p]) * x[p] }
        for p in 0..<hidden { s += Double(whh[g, p]) * h[p] }
        gates[g] = s
    }
    var newH = h
    var newC = c
    for j in 0..<hidden {
        let i = Ref.sigmoid(gates[j])
        let f = Ref.sigmoid(gates[hidden + j])
        let gg = Foundation.tanh(gates[2 * hidden + j])
        let o = Ref.sigmoid(gates[3 * hidden + j])
        newC[j] = f * c[j] + i * gg
        newH[j] = o * Foundation.tanh(newC[j])
    }
    return (newH, newC)
}

@Suite("LSTM (PyTorch nn.LSTM gate order i, f, g, o)")
struct LSTMTests {
    let input = 6
    let hidden = 5
    var wih: Tensor { Ref.random([4 * hidden, input], seed: 50) }
    var whh: Tensor { Ref.random([4 * hidden, hidden], seed: 51) }
    var bih: Tensor { Ref.random([4 * hidden], seed: 52) }
    var bhh: Tensor { Ref.random([4 * hidden], seed: 53) }
    var weights: LSTMWeights { LSTMWeights(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh) }

    @Test("one step from a non-zero state matches Float64")
    func step() {
        let batch = 3
        let x = Ref.random([batch, input], seed: 54)
        let h = Ref.random([batch, hidden], seed: 55)
        let c = Ref.random([batch, hidden], seed: 56)
        let (h1, c1) = lstmStep(x, h: h, c: c, weights: weights)
        var eh = [Double]()
        var ec = [Double]()
        for b in 0..<batch {
            let (rh, rc) = referenceStep(
                x: Ref.doubles(x.row(b)), h: Ref.doubles(h.row(b)), c: Ref.doubles(c.row(b)),
                wih: wih, whh: whh, bih: bih, bhh: bhh)
            eh += rh
            ec += rc
        }
        #expect(Ref.relativeError(h1.scalars, eh) < 1e-5)
        #expect(Ref.relativeError(c1.scalars, ec) < 1e-5)
    }

    @Test("a sequence (batch-first and time-first) equals stepping a Float64 cell")
    func sequence() {
        let (batch, steps) = (2, 7)
        let xBF = Ref.random([batch, steps, input], seed: 57)
        let result = lstmSequence(xBF, weights: weights, batchFirst: true)
        var xTF = Tensor(zeros: [steps, batch, input])
        for b in 0..<batch {
            for t in 0..<steps { for p in 0..<input { xTF[t, b, p] = xBF[b, t, p] } }
        }
        let resultTF = lstmSequence(xTF, weights: weights, batchFirst: false)
        for b in 0..<batch {
            var h = [Double](repeating: 0, count: hidden)
            var c = h
            var outputs = [Double]()
            for t in 0..<steps {
                let x = (0..<input).map { Double(xBF[b, t, $0]) }
                (h, c) = referenceStep(x: x, h: h, c: c, wih: wih, whh: whh, bih: bih, bhh: bhh)
                outputs += h
            }
            let got = (0..<steps).flatMap { t in (0..<hidden).map { result.output[b, t, $0] } }
            let gotTF = (0..<steps).flatMap { t in (0..<hidden).map { resultTF.output[t, b, $0] } }
            #expect(Ref.relativeError(got, outputs) < 1e-5)
            #expect(Ref.relativeError(gotTF, outputs) < 1e-5)
            #expect(Ref.relativeError(result.h.row(b).scalars, h) < 1e-5)
            #expect(Ref.relativeError(result.c.row(b).scalars, c) < 1e-5)
        }
    }
}

@Suite("Parallel ranges")
struct ParallelTests {
    @Test("ranges cover the range exactly once and write disjoint outputs")
    func coverage() throws {
        #expect(splitRanges(count: 10, parts: 3) == [0..<4, 4..<7, 7..<10])
        #expect(splitRanges(count: 2, parts: 8) == [0..<1, 1..<2])
        #expect(splitRanges(count: 0, parts: 2).isEmpty)
        var out = [Float](repeating: -1, count: 1000)
        try out.withUnsafeMutableBufferPointer { p in
            let shared = UnsafeSendablePointer(p.baseAddress!)
            try parallelRanges(count: 1000, parts: 7) { range in
                for i in range { shared.pointer[i] = Float(i) * 2 }
            }
        }
        #expect(out == (0..<1000).map { Float($0) * 2 })
    }

    @Test("an error in one chunk is rethrown")
    func errors() {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try parallelRanges(count: 10, parts: 4) { range in
                if range.contains(5) { throw Boom() }
            }
        }
    }

    @Test("parallelMapRanges returns results in range order")
    func mapOrder() async throws {
        let sums = try await parallelMapRanges(count: 100, parts: 5) { range in range.reduce(0, +)
        }
        #expect(sums.count == 5 && sums.reduce(0, +) == 4950)
        #expect(sums == splitRanges(count: 100, parts: 5).map { $0.reduce(0, +) })
    }
}
