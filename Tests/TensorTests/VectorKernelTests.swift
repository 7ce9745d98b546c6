import Foundation
import Tensor
import TestSupport
import Testing

/// Every vector-kernel level this CPU can run (the baseline always; AVX2 and AVX-512 when
/// present), each checked against a Float64 reference.
private let levels = KernelLevel.allCases.filter { $0 <= KernelLevel.supported }

@Suite("Vector kernels (baseline, AVX2, AVX-512) against Float64 references")
struct VectorKernelTests {
    @Test("the detected level never exceeds what the CPU supports; names parse")
    func detection() {
        #expect(KernelLevel.detected <= KernelLevel.supported)
        #expect(KernelLevel(name: "AVX512") == .avx512)
        #expect(KernelLevel(name: "baseline") == .baseline)
        #expect(KernelLevel(name: "sse9") == nil)
    }

    @Test(
        "softmaxRows: random rows of 1 to 113 columns, strided, within 3e-6 relative",
        arguments: levels)
    func softmaxLevels(level: KernelLevel) {
        var g = SeededGenerator(seed: 7)
        for columns in [1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 105, 113] {
            let rows = 3
            let stride = columns + 5
            var x = g.floats(rows * stride, in: -20...20)
            let before = x
            x.withUnsafeMutableBufferPointer {
                softmaxRows(
                    $0.baseAddress!, rows: rows, columns: columns, stride: stride,
                    level: level)
            }
            for r in 0..<rows {
                let row = (0..<columns).map { Double(before[r * stride + $0]) }
                let ref = Ref.softmax(row)
                for j in 0..<columns {
                    let got = Double(x[r * stride + j])
                    #expect(
                        abs(got - ref[j]) <= 3e-6 * ref[j] + 1e-30,
                        "\(level) columns \(columns) row \(r) col \(j): \(got) vs \(ref[j])")
                }
                // The gap between rows is untouched.
                for j in columns..<stride where r < rows - 1 {
                    #expect(x[r * stride + j] == before[r * stride + j])
                }
            }
        }
    }

    @Test(
        "softmaxRows: NaN and all -inf rows become NaN; a +inf-free huge row is exact",
        arguments: levels)
    func softmaxSpecialValues(level: KernelLevel) {
        var bad: [Float] = [1, .nan, 2, -.infinity, -.infinity, -.infinity]
        bad.withUnsafeMutableBufferPointer {
            softmaxRows($0.baseAddress!, rows: 2, columns: 3, stride: 3, level: level)
        }
        #expect(bad.allSatisfy { $0.isNaN })
        var huge: [Float] = (0..<20).map { Float($0) * 1e37 }
        huge.withUnsafeMutableBufferPointer {
            softmaxRows($0.baseAddress!, rows: 1, columns: 20, stride: 20, level: level)
        }
        #expect(huge[19] == 1 && huge[0..<19].allSatisfy { $0 == 0 })
    }

    @Test(
        "SiLU: values over [-90, 90] within 2e-6 relative (1e-36 absolute), any length",
        arguments: levels)
    func siluLevels(level: KernelLevel) {
        for count in [1, 7, 8, 9, 16, 17, 100, 1001] {
            let x = (0..<count).map { Float(-90 + 180 * Double($0) / Double(max(count - 1, 1))) }
            var y = x
            y.withUnsafeMutableBufferPointer {
                Activation.siluInPlace($0.baseAddress!, count: count, level: level)
            }
            for (a, b) in zip(x, y) {
                let ref = Double(a) / (1 + Foundation.exp(-Double(a)))
                // Below x ≈ -87 e^-x is clamped at e^88.3: SiLU there is ~1e-37 (absolute slack).
                #expect(
                    abs(Double(b) - ref) <= 2e-6 * abs(ref) + 1e-36,
                    "\(level) count \(count) silu(\(a)) = \(b), expected \(ref)")
            }
        }
    }

    @Test(
        "attentionHead: strided heads of several shapes match Float64 within 2e-6",
        arguments: levels)
    func attentionLevels(level: KernelLevel) {
        var g = SeededGenerator(seed: 11)
        // (queries, keys, headDim): the MoE-MAE S/XS/XXS head, odd sizes, > 32 (plain path).
        let shapes = [
            (105, 105, 18), (105, 105, 16), (7, 9, 5), (33, 17, 24), (1, 1, 1),
            (40, 100, 32), (13, 64, 8), (6, 11, 40), (20, 5, 18), (3, 16, 16), (17, 2, 18),
        ]
        let workspace = AttentionWorkspace(queries: 105, keys: 105, headDim: 40)
        for (nq, nk, hd) in shapes {
            let (ldq, ldk, ldv, ldo) = (3 * hd + 1, 2 * hd + 3, 2 * hd + 5, hd + 2)
            let q = g.floats(nq * ldq, in: -2...2)
            let k = g.floats(nk * ldk, in: -2...2)
            let v = g.floats(nk * ldv)
            var out = [Float](repeating: 12345, count: nq * ldo)
            let scale = 1 / Float(hd).squareRoot()
            q.withUnsafeBufferPointer { qp in
                k.withUnsafeBufferPointer { kp in
                    v.withUnsafeBufferPointer { vp in
                        out.withUnsafeMutableBufferPointer { op in
                            attentionHead(
                                queries: nq, keys: nk, headDim: hd, scale: scale,
                                q: qp.baseAddress!, ldq: ldq, k: kp.baseAddress!, ldk: ldk,
                                v: vp.baseAddress!, ldv: ldv, out: op.baseAddress!, ldo: ldo,
                                workspace: workspace, level: level)
                        }
                    }
                }
            }
            var worst = 0.0
            var largest = 0.0
            for i in 0..<nq {
                let scores = (0..<nk).map { j in
                    (0..<hd).reduce(0.0) { $0 + Double(q[i * ldq + $1]) * Double(k[j * ldk + $1]) }
                        * Double(scale)
                }
                let p = Ref.softmax(scores)
                for d in 0..<hd {
                    let ref = (0..<nk).reduce(0.0) { $0 + p[$1] * Double(v[$1 * ldv + d]) }
                    worst = max(worst, abs(Double(out[i * ldo + d]) - ref))
                    largest = max(largest, abs(ref))
                }
                // Columns beyond the head are not written.
                for d in hd..<ldo { #expect(out[i * ldo + d] == 12345) }
            }
            #expect(worst <= 2e-6 * largest, "\(level) \(nq)×\(nk)×\(hd): error \(worst)")
        }
    }

    @Test("attentionHead: a NaN score row gives NaN like the plain definition", arguments: levels)
    func attentionNaN(level: KernelLevel) {
        let (n, hd) = (5, 4)
        var q = [Float](repeating: 0.5, count: n * hd)
        q[2 * hd] = .nan  // query row 2
        let k = [Float](repeating: 0.25, count: n * hd)
        let v = (0..<(n * hd)).map { Float($0) }
        var out = [Float](repeating: 0, count: n * hd)
        let workspace = AttentionWorkspace(queries: n, keys: n, headDim: hd)
        attentionHead(
            queries: n, keys: n, headDim: hd, scale: 0.5, q: q, ldq: hd, k: k, ldk: hd,
            v: v, ldv: hd, out: &out, ldo: hd, workspace: workspace, level: level)
        #expect(out[(2 * hd)..<(3 * hd)].allSatisfy { $0.isNaN })
        // The other rows: uniform weights, the mean of the value rows.
        #expect(abs(out[0] - 8) < 1e-5 && abs(out[hd - 1] - 11) < 1e-5)
    }
}

@Suite("LayerNorm out of place")
struct LayerNormOutOfPlaceTests {
    @Test("layerNormRows(_:stride:into:stride:) equals the in-place form; the input is kept")
    func outOfPlaceEqualsInPlace() {
        var g = SeededGenerator(seed: 3)
        let (rows, columns, strideX, strideY) = (5, 37, 41, 39)
        let x = g.floats(rows * strideX, in: -3...3)
        let weight = g.floats(columns)
        let bias = g.floats(columns)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer {
            layerNormRows(
                $0.baseAddress!, rows: rows, columns: columns, stride: strideX,
                weight: weight, bias: bias, eps: 1e-5)
        }
        var y = [Float](repeating: -7, count: rows * strideY)
        y.withUnsafeMutableBufferPointer {
            layerNormRows(
                x, stride: strideX, into: $0.baseAddress!, stride: strideY, rows: rows,
                columns: columns, weight: weight, bias: bias, eps: 1e-5)
        }
        for r in 0..<rows {
            for j in 0..<columns { #expect(y[r * strideY + j] == inPlace[r * strideX + j]) }
            for j in columns..<strideY where r < rows - 1 { #expect(y[r * strideY + j] == -7) }
        }
        // Against Float64: mean 0 and variance 1 before the affine part.
        let row0 = (0..<columns).map { Double(x[$0]) }
        let mean = row0.reduce(0, +) / Double(columns)
        let variance = row0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(columns)
        let expected =
            (row0[3] - mean) / (variance + 1e-5).squareRoot() * Double(weight[3])
            + Double(bias[3])
        #expect(abs(Double(y[3]) - expected) < 1e-5)
    }
}
