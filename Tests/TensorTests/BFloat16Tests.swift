import Foundation
import Tensor
import TestSupport
import Testing

private let bf16Skip = "this CPU lacks AVX512_BF16 (or GEOMAP_KERNELS caps the level)"

/// The Float64 value of `x` rounded to bfloat16 (what the kernels multiply).
private func rounded(_ x: Float) -> Double { Double(BF16.value(BF16.bits(x))) }

@Suite("bfloat16 conversion and products against Float64 references")
struct BFloat16Tests {
    @Test(
        "rounding to bfloat16: nearest, ties to even, NaN stays NaN, ±inf and overflow",
        arguments: [
            (Float(1), Float(1)),
            (Float(1) + Float(1) / 256, Float(1)),  // tie, even (down)
            (Float(1) + 3 * Float(1) / 256, Float(1) + Float(1) / 64),  // tie, even (up)
            (Float(1) + Float(1) / 256 + Float(1) / 65536, Float(1) + Float(1) / 128),
            (-Float(2.5), -Float(2.5)),
            (Float.infinity, Float.infinity),
            (-Float.infinity, -Float.infinity),
            (Float.greatestFiniteMagnitude, Float.infinity),
            (Float(0), Float(0)),
        ])
    func rounding(input: Float, expected: Float) {
        #expect(BF16.value(BF16.bits(input)) == expected)
    }

    @Test("NaN converts to a NaN")
    func nan() {
        #expect(BF16.value(BF16.bits(.nan)).isNaN)
        #expect(BF16.value(BF16.bits(-.nan)).isNaN)
        #expect(BF16.value(BF16.bits(Float(bitPattern: 0x7F80_0001))).isNaN)  // low payload
    }

    @Test(
        "linear: odd sizes, strided rows, bias and accumulate match Float64 on rounded inputs",
        .enabled(if: MatmulPrecision.bf16Available, "skipped: \(bf16Skip)"),
        arguments: [(1, 1, 1), (3, 17, 5), (8, 16, 2), (9, 33, 145), (21, 288, 144), (13, 5, 97)])
    func linear(m: Int, n: Int, k: Int) {
        var g = SeededGenerator(seed: UInt64(m * 1000 + n * 10 + k))
        let ldx = k + 3
        let x = g.floats(m * ldx, in: -2...2)
        let w = g.floats(n * k, in: -1...1)
        let bias = g.floats(n, in: -1...1)
        let ldy = n + 2
        let start = g.floats(m * ldy, in: -1...1)
        let ldb = BF16.rowWidth(k) + 2
        var xb = [UInt16](repeating: 0xFFFF, count: m * ldb)
        let weights = w.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { bp in
                BF16Weights(
                    weight: wp.baseAddress!, ldw: k, outFeatures: n, inFeatures: k,
                    bias: bp.baseAddress!)
            }
        }
        x.withUnsafeBufferPointer { xp in
            xb.withUnsafeMutableBufferPointer {
                BF16.convert(
                    rows: m, columns: k, x: xp.baseAddress!, ldx: ldx, out: $0.baseAddress!,
                    ldo: ldb)
            }
        }
        for i in 0..<m {
            for j in 0..<k {
                #expect(BF16.value(xb[i * ldb + j]) == Float(rounded(x[i * ldx + j])))
            }
            if k % 2 == 1 { #expect(xb[i * ldb + k] == 0) }
        }
        for accumulate in [false, true] {
            var y = start
            xb.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer {
                    BF16.linear(
                        rows: m, x: xp.baseAddress!, ldx: ldb, weights: weights,
                        y: $0.baseAddress!, ldy: ldy, accumulate: accumulate)
                }
            }
            for i in 0..<m {
                for o in 0..<n {
                    var sum = Double(bias[o]) + (accumulate ? Double(start[i * ldy + o]) : 0)
                    var magnitude = abs(Double(bias[o]))
                    for j in 0..<k {
                        let p = rounded(x[i * ldx + j]) * rounded(w[o * k + j])
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
        "expertSiLU: routed rows read in place, gain · SiLU scattered onto their rows only",
        .enabled(if: MatmulPrecision.bf16Available, "skipped: \(bf16Skip)"))
    func expert() {
        var g = SeededGenerator(seed: 11)
        let (rows, k, n) = (23, 37, 21)
        let ldb = BF16.rowWidth(k)
        let x = g.floats(rows * k, in: -2...2)
        let w = g.floats(n * k, in: -1...1)
        let bias = g.floats(n, in: -1...1)
        let routed = [0, 2, 3, 7, 8, 9, 10, 11, 12, 22]
        let gain = g.floats(routed.count, in: 0...1)
        let start = g.floats(rows * n, in: -1...1)
        var xb = [UInt16](repeating: 0, count: rows * ldb)
        x.withUnsafeBufferPointer { xp in
            xb.withUnsafeMutableBufferPointer {
                BF16.convert(
                    rows: rows, columns: k, x: xp.baseAddress!, ldx: k, out: $0.baseAddress!,
                    ldo: ldb)
            }
        }
        let weights = w.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { bp in
                BF16Weights(
                    weight: wp.baseAddress!, ldw: k, outFeatures: n, inFeatures: k,
                    bias: bp.baseAddress!)
            }
        }
        var y = start
        y.withUnsafeMutableBufferPointer { yp in
            BF16.expertSiLU(
                count: routed.count, tokens: routed, x: xb, ldx: ldb, weights: weights,
                gain: gain, y: yp.baseAddress!, ldy: n)
        }
        for r in 0..<rows {
            let slot = routed.firstIndex(of: r)
            for o in 0..<n {
                var expected = Double(start[r * n + o])
                if let slot {
                    var z = Double(bias[o])
                    for j in 0..<k { z += rounded(x[r * k + j]) * rounded(w[o * k + j]) }
                    expected += Double(gain[slot]) * z / (1 + exp(-z))
                }
                #expect(abs(Double(y[r * n + o]) - expected) <= 2e-6 * (abs(expected) + 1))
            }
        }
    }

    @Test(
        "convert with a multiplier rounds the float product",
        .enabled(if: MatmulPrecision.bf16Available, "skipped: \(bf16Skip)"))
    func convertProduct() {
        let x: [Float] = [1.5, -2, 3.25, 0.1, 7]
        let y: [Float] = [2, 0.5, -1, 10, 0]
        var out = [UInt16](repeating: 0xFFFF, count: 6)
        BF16.convert(rows: 1, columns: 5, x: x, ldx: 5, multiplier: y, ldm: 5, out: &out, ldo: 6)
        #expect(out.prefix(5).map(BF16.value) == zip(x, y).map { BF16.value(BF16.bits($0 * $1)) })
        #expect(out[5] == 0)
    }

    @Test(
        "attentionHead bf16: head dims 16/18 within 5e-3 of Float64 on rounded operands; others fp32",
        .enabled(if: MatmulPrecision.bf16Available, "skipped: \(bf16Skip)"),
        arguments: [
            (105, 105, 18), (105, 105, 16), (20, 5, 18), (17, 2, 18), (3, 16, 16), (1, 1, 16),
            (9, 33, 24),
        ])
    func attention(nq: Int, nk: Int, hd: Int) {
        var g = SeededGenerator(seed: UInt64(nq * 100 + nk + hd))
        let (ldq, ldk, ldv, ldo) = (3 * hd + 1, 2 * hd + 3, 2 * hd + 5, hd + 2)
        let q = g.floats(nq * ldq, in: -2...2)
        let k = g.floats(nk * ldk, in: -2...2)
        let v = g.floats(nk * ldv, in: -1...1)
        var out = [Float](repeating: 12345, count: nq * ldo)
        let scale = 1 / Float(hd).squareRoot()
        let workspace = AttentionWorkspace(queries: nq, keys: nk, headDim: hd)
        attentionHead(
            queries: nq, keys: nk, headDim: hd, scale: scale, q: q, ldq: ldq, k: k, ldk: ldk,
            v: v, ldv: ldv, out: &out, ldo: ldo, workspace: workspace, bf16: true)
        // bf16 runs for head dims 16 and 18 only; other dims are the float32 kernel's (2e-6).
        let bf16 = hd == 16 || hd == 18
        let r: (Float) -> Double = { bf16 ? rounded($0) : Double($0) }
        var (worst, largest) = (0.0, 0.0)
        for i in 0..<nq {
            let scores = (0..<nk).map { j in
                (0..<hd).reduce(0.0) { $0 + r(q[i * ldq + $1] * scale) * r(k[j * ldk + $1]) }
            }
            let top = scores.max() ?? 0
            let e = scores.map { exp($0 - top) }
            let sum = e.reduce(0, +)
            for d in 0..<hd {
                let ref = (0..<nk).reduce(0.0) { $0 + e[$1] * r(v[$1 * ldv + d]) } / sum
                worst = max(worst, abs(Double(out[i * ldo + d]) - ref))
                largest = max(largest, abs(ref))
            }
            for d in hd..<ldo { #expect(out[i * ldo + d] == 12345) }
        }
        #expect(
            worst <= (bf16 ? 5e-3 : 2e-6) * largest, "\(nq)×\(nk)×\(hd): error \(worst)")
    }

    @Test(
        "attentionHead bf16: a NaN score row falls back to the float32 path (NaN as in PyTorch)",
        .enabled(if: MatmulPrecision.bf16Available, "skipped: \(bf16Skip)"))
    func attentionNaN() {
        let (n, hd) = (5, 18)
        var q = [Float](repeating: 0.5, count: n * hd)
        q[2 * hd] = .nan
        let k = [Float](repeating: 0.25, count: n * hd)
        let v = (0..<(n * hd)).map { Float($0 % hd) }
        var out = [Float](repeating: 0, count: n * hd)
        let workspace = AttentionWorkspace(queries: n, keys: n, headDim: hd)
        attentionHead(
            queries: n, keys: n, headDim: hd, scale: 0.5, q: q, ldq: hd, k: k, ldk: hd, v: v,
            ldv: hd, out: &out, ldo: hd, workspace: workspace, bf16: true)
        #expect(out[(2 * hd)..<(3 * hd)].allSatisfy { $0.isNaN })
        #expect(abs(out[0]) < 1e-5 && abs(out[hd - 1] - 17) < 1e-5)
    }

    @Test("the fp32 fallback: bf16 resolves to fp32 with a notice when unavailable")
    func fallback() {
        let (precision, notice) = MatmulPrecision.bf16.effective
        if MatmulPrecision.bf16Available {
            #expect(precision == .bf16 && notice == nil)
        } else {
            #expect(precision == .fp32)
            #expect(notice?.contains("running in fp32") == true)
            #expect(notice?.contains("\n") == false)
        }
        #expect(MatmulPrecision.fp32.effective.precision == .fp32)
        #expect(MatmulPrecision.fp32.effective.notice == nil)
        #expect(KernelLevel(name: "avx512bf16") == .avx512bf16)
    }
}
