package import Tensor

/// How the 105 pre-LN tokens of a tile become one embedding (spec §3): `cls` takes token 4
/// (`[m]`), `mean` the mean over all 105 tokens, metadata and CLS included (`[m]`), `tokens` all
/// tokens flattened token-major (`[105·m]`).
extension Pooling {
    /// Pools encoder tokens.
    /// - Parameter tokens: `[B, 105, m]`.
    /// - Returns: `[B, m]` (`cls`, `mean`) or `[B, 105·m]` (`tokens`).
    package func pool(_ tokens: Tensor) -> Tensor {
        precondition(tokens.rank == 3, "pool: tokens \(tokens.shape) are not [B, N, m]")
        let (b, n, m) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
        switch self {
        case .tokens:
            return tokens.reshaped([b, n * m])
        case .cls:
            var out = Tensor(zeros: [b, m])
            tokens.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<b {
                        (dst.baseAddress! + i * m).update(
                            from: src.baseAddress! + (i * n + MoEMAEConfig.clsIndex) * m, count: m)
                    }
                }
            }
            return out
        case .mean:
            var out = Tensor(zeros: [b, m])
            tokens.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<b {
                        let d = dst.baseAddress! + i * m
                        for t in 0..<n {
                            let s = src.baseAddress! + (i * n + t) * m
                            for j in 0..<m { d[j] += s[j] }
                        }
                        let inverse = 1 / Float(n)
                        for j in 0..<m { d[j] *= inverse }
                    }
                }
            }
            return out
        }
    }
}

/// A linear classification head on pooled embeddings: multi-label (one sigmoid per class,
/// as a one-vs-rest logistic regression) or multi-class (softmax).
package struct LinearHead: Sendable, Equatable {
    /// `[classes, features]` (PyTorch / scikit-learn `coef_` layout).
    package let weight: Tensor
    /// `[classes]`.
    package let bias: Tensor
    package let kind: ClassificationTask

    /// - Throws: ``MoEMAEError/badInput(_:)`` when `weight` is not 2-D or `bias` does not
    ///   match it.
    package init(weight: Tensor, bias: Tensor, kind: ClassificationTask) throws {
        guard weight.rank == 2, bias.shape == [weight.shape[0]] else {
            throw MoEMAEError.badInput(
                "head weight \(weight.shape) and bias \(bias.shape) are not [classes, features]"
                    + " and [classes]")
        }
        self.weight = weight
        self.bias = bias
        self.kind = kind
    }

    /// Decision values `features · weightᵀ + bias`.
    /// - Parameter features: `[B, features]`. - Returns: `[B, classes]`.
    package func logits(_ features: Tensor) -> Tensor {
        linear(features, weight: weight, bias: bias)
    }

    /// Per-class sigmoid (multi-label) or softmax over classes (multi-class): `[B, classes]`.
    package func probabilities(_ features: Tensor) -> Tensor {
        var y = logits(features)
        switch kind {
        case .multiLabel: sigmoid(&y)
        case .multiClass: softmax(&y)
        }
        return y
    }
}
