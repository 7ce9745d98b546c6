import Foundation

/// scikit-learn's L2-regularised logistic objectives, divided by C·n so that the gradient
/// tolerance means the same for any sample count (same minimiser as C·Σ loss + ½‖w‖²):
///
///     f(w, b) = (1/n) Σᵢ loss(xᵢ, yᵢ; w, b) + ½ λ ‖w‖²,   λ = 1 / (C·n),  b not penalised.

/// Binary log-loss: loss = log(1 + e^z) − y·z, z = w·x + b, y ∈ {0, 1}.
struct BinaryLogisticObjective: Sendable {
    /// [n, d] row-major.
    let features: [Double]
    let rows: Int
    let columns: Int
    /// One 0/1 per row.
    let targets: [Double]
    let lambda: Double

    /// Parameter vector layout: [w (d), b].
    var parameterCount: Int { columns + 1 }

    func evaluate(_ theta: [Double], _ gradient: inout [Double]) -> Double {
        let n = rows
        let d = columns
        var loss = 0.0
        features.withUnsafeBufferPointer { x in
            theta.withUnsafeBufferPointer { w in
                gradient.withUnsafeMutableBufferPointer { g in
                    for j in 0...d { g[j] = 0 }
                    let bias = w[d]
                    for i in 0..<n {
                        let row = x.baseAddress! + i * d
                        var z = bias
                        for j in 0..<d { z += row[j] * w[j] }
                        let y = targets[i]
                        loss += softplus(z) - y * z
                        let residual = sigmoid(z) - y
                        for j in 0..<d { g[j] += residual * row[j] }
                        g[d] += residual
                    }
                    let scale = 1 / Double(n)
                    for j in 0..<d { g[j] = g[j] * scale + lambda * w[j] }
                    g[d] *= scale
                }
            }
        }
        var penalty = 0.0
        for j in 0..<d { penalty += theta[j] * theta[j] }
        return loss / Double(n) + 0.5 * lambda * penalty
    }
}

/// Multinomial (softmax) cross-entropy: loss = log Σₖ e^{zₖ} − z_y, zₖ = wₖ·x + bₖ.
struct MultinomialLogisticObjective: Sendable {
    /// [n, d] row-major.
    let features: [Double]
    let rows: Int
    let columns: Int
    /// Class index in 0..<classCount per row.
    let targets: [Int]
    let classCount: Int
    let lambda: Double

    /// Parameter vector layout: [W (classCount × d, row-major), b (classCount)].
    var parameterCount: Int { classCount * (columns + 1) }

    func evaluate(_ theta: [Double], _ gradient: inout [Double]) -> Double {
        let n = rows
        let d = columns
        let k = classCount
        var loss = 0.0
        var z = [Double](repeating: 0, count: k)
        features.withUnsafeBufferPointer { x in
            theta.withUnsafeBufferPointer { w in
                gradient.withUnsafeMutableBufferPointer { g in
                    for j in 0..<g.count { g[j] = 0 }
                    let biasOffset = k * d
                    for i in 0..<n {
                        let row = x.baseAddress! + i * d
                        var largest = -Double.infinity
                        for c in 0..<k {
                            let wc = w.baseAddress! + c * d
                            var s = w[biasOffset + c]
                            for j in 0..<d { s += row[j] * wc[j] }
                            z[c] = s
                            largest = max(largest, s)
                        }
                        let y = targets[i]
                        let logitOfTarget = z[y]
                        var total = 0.0
                        for c in 0..<k {
                            z[c] = exp(z[c] - largest)
                            total += z[c]
                        }
                        loss += largest + log(total) - logitOfTarget
                        for c in 0..<k {
                            let residual = z[c] / total - (c == y ? 1 : 0)
                            let gc = g.baseAddress! + c * d
                            for j in 0..<d { gc[j] += residual * row[j] }
                            g[biasOffset + c] += residual
                        }
                    }
                    let scale = 1 / Double(n)
                    for j in 0..<biasOffset { g[j] = g[j] * scale + lambda * w[j] }
                    for c in 0..<k { g[biasOffset + c] *= scale }
                }
            }
        }
        var penalty = 0.0
        for j in 0..<(k * d) { penalty += theta[j] * theta[j] }
        return loss / Double(n) + 0.5 * lambda * penalty
    }
}

/// log(1 + e^z) without overflow.
@inline(__always)
func softplus(_ z: Double) -> Double {
    z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
}

/// 1 / (1 + e^−z) without overflow.
@inline(__always)
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}
