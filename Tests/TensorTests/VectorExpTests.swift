import Foundation
import Tensor
import Testing

@Suite("Vectorised exp against Foundation's exp")
struct VectorExpTests {
    @Test("vectorExp is within 1e-6 relative of exp over [-87, 88], 0 below -87.3")
    func matchesFoundation() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.00137 })
            let y = vectorExp(lanes)
            for i in 0..<8 {
                let expected = Foundation.exp(Double(lanes[i]))
                worst = max(worst, abs(Double(y[i]) - expected) / expected)
            }
            x += 0.0117
        }
        #expect(worst < 1e-6)
        #expect(vectorExp(SIMD8(repeating: -.infinity)) == SIMD8(repeating: 0))
        #expect(vectorExp(SIMD8(repeating: 0)) == SIMD8(repeating: 1))
        #expect(scalarExp(1) == vectorExp(SIMD8(repeating: 1))[0])
    }

    @Test("softmaxRows matches a Float64 softmax; NaN and -inf rows stay NaN")
    func softmaxMatchesReference() {
        let columns = 105
        var row = (0..<columns).map { Float(sin(Double($0) * 1.7) * 9) }
        let ref = row.map { Foundation.exp(Double($0) - Double(row.max()!)) }
        let total = ref.reduce(0, +)
        row.withUnsafeMutableBufferPointer {
            softmaxRows($0.baseAddress!, rows: 1, columns: columns, stride: columns)
        }
        let error = zip(row, ref).map { abs(Double($0) - $1 / total) / ($1 / total) }.max()!
        // x − max is rounded in Float (|x − max| up to 18 here: ≈ 1e-6 relative in e^x).
        #expect(error < 3e-6)
        var bad: [Float] = [1, .nan, 2, -.infinity, -.infinity, -.infinity]
        bad.withUnsafeMutableBufferPointer {
            softmaxRows($0.baseAddress!, rows: 2, columns: 3, stride: 3)
        }
        #expect(bad.allSatisfy { $0.isNaN })
    }
}
