import Foundation
import Tensor
import TestSupport
import Testing

private let packedSkip = "this CPU lacks AVX-512 (or GEOMAP_KERNELS caps the level below avx512)"

private func packed(_ w: [Float], bias: [Float], n: Int, k: Int) -> PackedWeights {
    w.withUnsafeBufferPointer { wp in
        bias.withUnsafeBufferPointer { bp in
            PackedWeights(
                weight: wp.baseAddress!, ldw: k, outFeatures: n, inFeatures: k,
                bias: bp.baseAddress!)
        }
    }
}

@Suite("float32 products against packed weights, against Float64 references")
struct PackedGemmTests {
    @Test(
        "linear: odd sizes, strided rows, bias and accumulate match Float64",
        .enabled(if: PackedGemm.available, "skipped: \(packedSkip)"),
        arguments: [
            (1, 1, 1), (3, 17, 5), (4, 32, 2), (5, 16, 9), (8, 16, 2), (9, 33, 145),
            (21, 288, 144), (13, 5, 97), (840, 147, 144),
        ])
    func linear(m: Int, n: Int, k: Int) {
        var g = SeededGenerator(seed: UInt64(m * 1000 + n * 10 + k))
        let ldx = k + 3
        let x = g.floats(m * ldx, in: -2...2)
        let w = g.floats(n * k, in: -1...1)
        let bias = g.floats(n, in: -1...1)
        let ldy = n + 2
        let start = g.floats(m * ldy, in: -1...1)
        let weights = packed(w, bias: bias, n: n, k: k)
        for accumulate in [false, true] {
            var y = start
            y.withUnsafeMutableBufferPointer {
                PackedGemm.linear(
                    rows: m, x: x, ldx: ldx, weights: weights, y: $0.baseAddress!, ldy: ldy,
                    accumulate: accumulate)
            }
            for i in 0..<m {
                for o in 0..<n {
                    var sum = Double(bias[o]) + (accumulate ? Double(start[i * ldy + o]) : 0)
                    var magnitude = abs(sum)
                    for j in 0..<k {
                        let p = Double(x[i * ldx + j]) * Double(w[o * k + j])
                        sum += p
                        magnitude += abs(p)
                    }
                    let got = Double(y[i * ldy + o])
                    #expect(
                        abs(got - sum) <= 1e-6 * (magnitude + 1),
                        "m \(m) n \(n) k \(k) [\(i), \(o)]: \(got) vs \(sum)")
                }
                // Columns past n are untouched.
                for o in n..<ldy { #expect(y[i * ldy + o] == start[i * ldy + o]) }
            }
        }
    }

    @Test(
        "expertSiLU: routed rows in place, gain · SiLU (⊙ multiplier) onto their rows only",
        .enabled(if: PackedGemm.available, "skipped: \(packedSkip)"),
        arguments: [false, true])
    func expert(multiplied: Bool) {
        var g = SeededGenerator(seed: multiplied ? 12 : 11)
        let (rows, k, n) = (23, 37, 21)
        let x = g.floats(rows * k, in: -2...2)
        let w = g.floats(n * k, in: -1...1)
        let bias = g.floats(n, in: -1...1)
        let routed = [0, 2, 3, 7, 8, 9, 10, 11, 12, 22]
        let gain = g.floats(routed.count, in: 0...1)
        let start = g.floats(rows * n, in: -1...1)
        let ldm = n + 4
        let multiplier = g.floats(rows * ldm, in: -2...2)
        let weights = packed(w, bias: bias, n: n, k: k)
        var y = start
        y.withUnsafeMutableBufferPointer { yp in
            multiplier.withUnsafeBufferPointer { mp in
                PackedGemm.expertSiLU(
                    count: routed.count, tokens: routed, x: x, ldx: k, weights: weights,
                    gain: gain, multiplier: multiplied ? mp.baseAddress! : nil, ldm: ldm,
                    y: yp.baseAddress!, ldy: n)
            }
        }
        for r in 0..<rows {
            let slot = routed.firstIndex(of: r)
            for o in 0..<n {
                var expected = Double(start[r * n + o])
                if let slot {
                    var z = Double(bias[o])
                    for j in 0..<k { z += Double(x[r * k + j]) * Double(w[o * k + j]) }
                    let factor = multiplied ? Double(multiplier[r * ldm + o]) : 1
                    expected += Double(gain[slot]) * z / (1 + exp(-z)) * factor
                }
                #expect(abs(Double(y[r * n + o]) - expected) <= 4e-6 * (abs(expected) + 1))
            }
        }
    }

    @Test("the kernels are offered exactly at kernel level avx512 and above")
    func availability() {
        #expect(PackedGemm.available == (KernelLevel.detected >= .avx512))
    }
}
