import Tensor
import Testing

@Suite("Matrix products against Float64 references")
struct GemmTests {
    @Test(
        "linear = x · Wᵀ + b at several shapes, including one row and k = 1",
        arguments: [(5, 7, 3), (1, 144, 576), (33, 1, 4), (16, 144, 576), (105, 144, 144)])
    func linearMatchesReference(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        let x = Ref.random([m, k], seed: 1)
        let w = Ref.random([n, k], seed: 2)
        let b = Ref.random([n], seed: 3)
        let y = linear(x, weight: w, bias: b)
        #expect(y.shape == [m, n])
        var expected = Ref.matmul(
            Ref.doubles(x), (m, k), Ref.doubles(w), (n, k),
            transposeA: false, transposeB: true)
        for i in 0..<m { for j in 0..<n { expected[i * n + j] += Double(b.scalars[j]) } }
        #expect(Ref.relativeError(y.scalars, expected) < 1e-5)
        let noBias = linear(x, weight: w)
        let expectedNoBias = Ref.matmul(
            Ref.doubles(x), (m, k), Ref.doubles(w), (n, k),
            transposeA: false, transposeB: true)
        #expect(Ref.relativeError(noBias.scalars, expectedNoBias) < 1e-5)
    }

    @Test("linear keeps leading dimensions and fills a preallocated output")
    func linearLeadingDims() {
        let x = Ref.random([2, 3, 8], seed: 4)
        let w = Ref.random([5, 8], seed: 5)
        let y = linear(x, weight: w)
        #expect(y.shape == [2, 3, 5])
        var out = Tensor(repeating: 7, shape: [6, 5])
        linear(x, weight: w, bias: nil, into: &out)
        #expect(out.scalars == y.scalars)
    }

    @Test("matmul with every transpose combination")
    func matmulTransposes() {
        let (m, k, n) = (6, 9, 4)
        for ta in [false, true] {
            for tb in [false, true] {
                let a = Ref.random(ta ? [k, m] : [m, k], seed: 10)
                let b = Ref.random(tb ? [n, k] : [k, n], seed: 11)
                let c = matmul(a, b, transposeA: ta, transposeB: tb, alpha: 0.5)
                let e = Ref.matmul(
                    Ref.doubles(a), (a.shape[0], a.shape[1]), Ref.doubles(b),
                    (b.shape[0], b.shape[1]), transposeA: ta, transposeB: tb
                ).map { $0 * 0.5 }
                #expect(c.shape == [m, n])
                #expect(Ref.relativeError(c.scalars, e) < 1e-5, "ta \(ta) tb \(tb)")
            }
        }
    }

    @Test("batchedMatmul per item and with a shared right operand")
    func batched() {
        let a = Ref.random([3, 4, 5], seed: 12)
        let b = Ref.random([3, 6, 5], seed: 13)
        let c = batchedMatmul(a, b, transposeB: true)
        #expect(c.shape == [3, 4, 6])
        for i in 0..<3 {
            let e = Ref.matmul(
                Ref.doubles(a.slices(i..<i + 1)), (4, 5),
                Ref.doubles(b.slices(i..<i + 1)), (6, 5), transposeA: false, transposeB: true)
            #expect(Ref.relativeError(c.slices(i..<i + 1).scalars, e) < 1e-5)
        }
        let shared = Ref.random([5, 2], seed: 14)
        let d = batchedMatmul(a, shared)
        for i in 0..<3 {
            let e = Ref.matmul(
                Ref.doubles(a.slices(i..<i + 1)), (4, 5), Ref.doubles(shared),
                (5, 2), transposeA: false, transposeB: false)
            #expect(Ref.relativeError(d.slices(i..<i + 1).scalars, e) < 1e-5)
        }
    }

    @Test("strided gemm on head slices of [tokens, heads·hd] equals the product of copies")
    func stridedHeads() {
        let (tokens, heads, hd) = (7, 3, 4)
        let q = Ref.random([tokens, heads * hd], seed: 15)
        let k = Ref.random([tokens, heads * hd], seed: 16)
        for h in 0..<heads {
            var scores = [Float](repeating: 0, count: tokens * tokens)
            q.withUnsafeBufferPointer { qp in
                k.withUnsafeBufferPointer { kp in
                    scores.withUnsafeMutableBufferPointer { sp in
                        gemm(
                            .none, .transposed, m: tokens, n: tokens, k: hd,
                            a: qp.baseAddress! + h * hd, lda: heads * hd,
                            b: kp.baseAddress! + h * hd, ldb: heads * hd,
                            c: sp.baseAddress!, ldc: tokens)
                    }
                }
            }
            let qh = (0..<tokens).flatMap { t in (0..<hd).map { Double(q[t, h * hd + $0]) } }
            let kh = (0..<tokens).flatMap { t in (0..<hd).map { Double(k[t, h * hd + $0]) } }
            let e = Ref.matmul(
                qh, (tokens, hd), kh, (tokens, hd), transposeA: false,
                transposeB: true)
            #expect(Ref.relativeError(scores, e) < 1e-5)
        }
    }

    @Test("gemmBatched with beta = 1 accumulates and k = 0 gives zeros")
    func accumulateAndEmpty() {
        let a = Ref.random([2, 3], seed: 17)
        let b = Ref.random([3, 2], seed: 18)
        var c = [Float](repeating: 1, count: 4)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemmBatched(
                        batch: 1, m: 2, n: 2, k: 3, a: ap.baseAddress!, lda: 3,
                        strideA: 0, b: bp.baseAddress!, ldb: 2, strideB: 0, beta: 1,
                        c: cp.baseAddress!, ldc: 2, strideC: 0)
                }
            }
        }
        let e = Ref.matmul(
            Ref.doubles(a), (2, 3), Ref.doubles(b), (3, 2), transposeA: false,
            transposeB: false
        ).map { $0 + 1 }
        #expect(Ref.relativeError(c, e) < 1e-5)
        let empty = matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3]))
        #expect(empty.scalars == [0, 0, 0, 0, 0, 0])
    }

    @Test("multi-head attention with grouped key/value heads (h mod G) matches Float64")
    func attention() {
        let (tokens, heads, groups, hd) = (9, 4, 2, 5)
        let q = Ref.random([tokens, heads * hd], seed: 19)
        let k = Ref.random([tokens, groups * hd], seed: 20)
        let v = Ref.random([tokens, groups * hd], seed: 21)
        let scale: Float = 1 / Float(hd).squareRoot()
        let out = multiHeadAttention(
            q: q, k: k, v: v, heads: heads, kvHeads: groups,
            headDim: hd, scale: scale, kvHead: { $0 % groups })
        var expected = [Double](repeating: 0, count: tokens * heads * hd)
        for h in 0..<heads {
            let g = h % groups
            for i in 0..<tokens {
                var logits = [Double](repeating: 0, count: tokens)
                for j in 0..<tokens {
                    var s = 0.0
                    for p in 0..<hd { s += Double(q[i, h * hd + p]) * Double(k[j, g * hd + p]) }
                    logits[j] = s * Double(scale)
                }
                let w = Ref.softmax(logits)
                for p in 0..<hd {
                    var s = 0.0
                    for j in 0..<tokens { s += w[j] * Double(v[j, g * hd + p]) }
                    expected[i * heads * hd + h * hd + p] = s
                }
            }
        }
        #expect(Ref.relativeError(out.scalars, expected) < 1e-5)
    }
}
