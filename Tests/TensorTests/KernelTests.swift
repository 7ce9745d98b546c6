import Foundation
import Tensor
import Testing

@Suite("Row kernels and activations against Float64 references")
struct KernelTests {
    @Test(
        "layerNorm with and without affine parameters (biased variance)",
        arguments: [(1, 144), (6, 7), (105, 144), (3, 1)])
    func layerNormMatches(shape: (Int, Int)) {
        let (rows, cols) = shape
        let x = Ref.random([rows, cols], seed: 30, range: -3...5)
        let w = Ref.random([cols], seed: 31)
        let b = Ref.random([cols], seed: 32)
        for affine in [true, false] {
            var y = x
            layerNorm(&y, weight: affine ? w : nil, bias: affine ? b : nil, eps: 1e-5)
            var e = [Double]()
            for r in 0..<rows {
                let row = (0..<cols).map { Double(x[r, $0]) }
                let mean = row.reduce(0, +) / Double(cols)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
                for j in 0..<cols {
                    let n = (row[j] - mean) / (variance + 1e-5).squareRoot()
                    e.append(affine ? n * Double(w.scalars[j]) + Double(b.scalars[j]) : n)
                }
            }
            #expect(Ref.relativeError(y.scalars, e) < 1e-5, "affine \(affine)")
        }
        #expect(layerNormed(x, weight: w, bias: b).shape == x.shape)
    }

    @Test("softmax rows sum to one and match Float64, also for huge and tiny logits")
    func softmaxMatches() {
        let x = Ref.random([5, 11], seed: 33, range: -10...10)
        let y = softmaxed(x)
        var e = [Double]()
        for r in 0..<5 { e += Ref.softmax((0..<11).map { Double(x[r, $0]) }) }
        #expect(Ref.relativeError(y.scalars, e) < 1e-5)
        var extreme = Tensor(
            shape: [3, 3],
            scalars: [
                -1e30, -1e30 + 1e24, -1e4,  // large negative logits
                1e30, 0, -1e30,
                -88, -89, -90,
            ])
        softmax(&extreme)
        #expect(extreme.scalars.allSatisfy { $0.isFinite })
        #expect(extreme[0, 2] == 1 && extreme[1, 0] == 1 && extreme[1, 2] == 0)
        let tail = Ref.softmax([-88, -89, -90])
        #expect(Ref.relativeError(Array(extreme.scalars[6...]), tail) < 1e-6)
        var single = Tensor(shape: [2, 1], scalars: [-5, 1e20])
        softmax(&single)
        #expect(single.scalars == [1, 1])
    }

    @Test("activations match their Float64 definitions", arguments: Activation.allCases)
    func activation(_ kind: Activation) {
        var values = Ref.random([200], seed: 34, range: -30...30).scalars
        values += [0, -0.5, 0.5, 19.9, 20.1, -80, 80]
        let x = Tensor(shape: [values.count], scalars: values)
        let y = kind(x)
        let e: [Double] = values.map { f in
            let v = Double(f)
            switch kind {
            case .gelu: return 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
            case .relu: return max(v, 0)
            case .silu: return v * Ref.sigmoid(v)
            case .sigmoid: return Ref.sigmoid(v)
            case .tanh: return Foundation.tanh(v)
            case .softplus: return v > 20 ? v : Foundation.log1p(Foundation.exp(v))
            case .identity: return v
            }
        }
        // Element-wise relative error: each output must be right on its own scale.
        for (a, b) in zip(y.scalars, e) {
            #expect(abs(Double(a) - b) <= 1e-5 * max(abs(b), 1e-6) + 1e-12, "\(kind) \(b)")
        }
        var z = x
        switch kind {
        case .gelu: gelu(&z)
        case .relu: relu(&z)
        case .silu: silu(&z)
        case .sigmoid: sigmoid(&z)
        case .tanh: tanhInPlace(&z)
        case .softplus: softplus(&z)
        case .identity: break
        }
        #expect(z == y)
    }

    @Test("element-wise add, mul, scale, bias, row scaling and mean of rows")
    func elementwise() {
        let a = Ref.random([4, 3], seed: 35)
        let b = Ref.random([4, 3], seed: 36)
        let bias = Ref.random([3], seed: 37)
        #expect(adding(a, b).scalars == zip(a.scalars, b.scalars).map { $0 + $1 })
        #expect(multiplied(a, b).scalars == zip(a.scalars, b.scalars).map { $0 * $1 })
        var s = a
        scale(&s, by: 3)
        #expect(s.scalars == a.scalars.map { $0 * 3 })
        var ax = a
        addScaled(&ax, b, alpha: 2)
        let eAx = zip(a.scalars, b.scalars).map { Double($0) + 2 * Double($1) }
        #expect(Ref.relativeError(ax.scalars, eAx) < 1e-6)
        var biased = a
        addBias(&biased, bias)
        #expect(biased[3, 2] == a[3, 2] + bias[2])
        var scaled = a
        multiplyRows(&scaled, by: bias)
        #expect(scaled[2, 1] == a[2, 1] * bias[1])
        let mean = meanOfRows(a)
        let eMean = (0..<3).map { j in (0..<4).map { Double(a[$0, j]) }.reduce(0, +) / 4 }
        #expect(Ref.relativeError(mean.scalars, eMean) < 1e-6)
    }
}

@Suite("Top-k selection")
struct TopKTests {
    @Test("top-k of random rows equals a full sort, for k = 1, 2 and all")
    func matchesSort() {
        let x = Ref.random([20, 8], seed: 40)
        for k in [1, 2, 8] {
            let result = topK(x, k: k)
            #expect(result.values.shape == [20, k])
            for r in 0..<20 {
                let order = (0..<8).sorted { x[r, $0] > x[r, $1] }
                #expect(Array(result.indices[r * k..<(r + 1) * k]) == Array(order.prefix(k)))
                #expect(result.values.row(r).scalars == order.prefix(k).map { x[r, $0] })
            }
        }
    }

    @Test("ties keep the lower index first; NaN ranks highest; single row works")
    func tiesAndNaN() {
        let x = Tensor(shape: [1, 5], scalars: [1, 3, 3, 0, 3])
        #expect(topK(x, k: 2).indices == [1, 2])
        #expect(topK(x, k: 4).indices == [1, 2, 4, 0])
        let n = Tensor(shape: [5], scalars: [1, .nan, 2, -1, 0])
        let r = topK(n, k: 2)
        #expect(r.indices == [1, 2] && r.values[0].isNaN && r.values[1] == 2)
    }
}
