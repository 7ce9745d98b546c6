import Foundation
import Tensor
import TestSupport

/// Float64 reference helpers for the kernel tests.
enum Ref {
    static func doubles(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }

    /// max |a − b| / max |b| (norm-wise relative error; 0 when both are zero).
    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "relativeError: \(a.count) vs \(b.count)")
        var diff = 0.0
        var scale = 0.0
        for (x, y) in zip(a, b) {
            diff = max(diff, abs(Double(x) - y))
            scale = max(scale, abs(y))
        }
        return scale == 0 ? diff : diff / scale
    }

    /// C[m, n] = op(A) op(B) in Float64, with A, B stored dense row-major.
    static func matmul(
        _ a: [Double], _ aShape: (Int, Int), _ b: [Double], _ bShape: (Int, Int),
        transposeA: Bool, transposeB: Bool
    ) -> [Double] {
        let (m, k) = transposeA ? (aShape.1, aShape.0) : aShape
        let n = transposeB ? bShape.0 : bShape.1
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transposeA ? a[p * aShape.1 + i] : a[i * aShape.1 + p]
                    let bv = transposeB ? b[j * bShape.1 + p] : b[p * bShape.1 + j]
                    s += av * bv
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    static func softmax(_ row: [Double]) -> [Double] {
        let m = row.max()!
        let e = row.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    static func random(_ shape: [Int], seed: UInt64, range: ClosedRange<Float> = -1...1) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: g.floats(Tensor.elementCount(shape), in: range))
    }
}
