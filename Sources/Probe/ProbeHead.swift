import Foundation
package import Models

/// A linear classification head on embeddings: logits z = W·x + b.
///
/// Multi-label heads turn each logit into an independent probability σ(z_c) (one-vs-rest);
/// multi-class heads take the softmax over the classes.
package struct ProbeHead: Sendable, Equatable {
    package let task: ClassificationTask
    /// One name per class, in output order.
    package let classNames: [String]
    /// Embedding width d.
    package let featureCount: Int
    /// [classes, d], row-major.
    package let weights: [Double]
    /// [classes].
    package let bias: [Double]

    package init(
        task: ClassificationTask, classNames: [String], featureCount: Int, weights: [Double],
        bias: [Double]
    ) throws {
        let k = classNames.count
        guard k > 0, featureCount > 0, weights.count == k * featureCount, bias.count == k else {
            throw ProbeError.shape(
                "a head of \(k) classes on \(featureCount) features needs \(k * featureCount) "
                    + "weights and \(k) biases, got \(weights.count) and \(bias.count)")
        }
        self.task = task
        self.classNames = classNames
        self.featureCount = featureCount
        self.weights = weights
        self.bias = bias
    }

    package var classCount: Int { classNames.count }

    /// - Returns: [rows, classes] logits W·x + b.
    package func logits(_ features: FeatureMatrix) throws -> [Double] {
        guard features.columns == featureCount else {
            throw ProbeError.shape(
                "the head takes \(featureCount) features per sample, got \(features.columns)")
        }
        let k = classCount
        let d = featureCount
        var out = [Double](repeating: 0, count: features.rows * k)
        features.values.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                for i in 0..<features.rows {
                    let row = x.baseAddress! + i * d
                    for c in 0..<k {
                        let wc = w.baseAddress! + c * d
                        var s = bias[c]
                        for j in 0..<d { s += row[j] * wc[j] }
                        out[i * k + c] = s
                    }
                }
            }
        }
        return out
    }

    /// - Returns: [rows, classes]: per-class sigmoids (multi-label) or the softmax
    ///   (multi-class).
    package func probabilities(_ features: FeatureMatrix) throws -> [Double] {
        var z = try logits(features)
        let k = classCount
        switch task {
        case .multiLabel:
            for i in 0..<z.count { z[i] = sigmoid(z[i]) }
        case .multiClass:
            for i in 0..<features.rows {
                let range = i * k..<(i + 1) * k
                let largest = z[range].max() ?? 0
                var total = 0.0
                for j in range {
                    z[j] = exp(z[j] - largest)
                    total += z[j]
                }
                for j in range { z[j] /= total }
            }
        }
        return z
    }
}
