package import Models

/// Held-out quality of a linear head, with scikit-learn's definitions (upstream's `evaluate`).
///
/// - Predictions: multi-label, class c when its probability is > 0.5 (decision > 0);
///   multi-class, the most probable class (the first on ties, as numpy's argmax).
/// - `accuracy`: the share of samples whose predicted class set equals the true one (subset
///   accuracy for multi-label; plain accuracy for multi-class).
/// - Precision, recall, F1 (`zero_division = 0`): micro from the counts summed over classes;
///   macro the unweighted mean of the per-class values. The classes averaged are all of them
///   for multi-label, and for multi-class those that occur in the true or predicted classes
///   (scikit-learn's `unique_labels(y_true, y_pred)`), so micro values equal accuracy there.
/// - Average precision (AP): scikit-learn's `average_precision_score`, i.e. Σₙ (Rₙ − Rₙ₋₁)·Pₙ
///   over the distinct score thresholds in decreasing order, without interpolation. Micro AP
///   ("overall mAP" upstream) pools every (sample, class) pair; macro AP ("average mAP") is the
///   mean of the per-class APs. Multi-class targets are one-hot encoded over all classes first.
///   **A class with no positive sample has no AP and is left out of the macro mean**
///   (``macroAveragePrecisionClasses`` says how many classes were averaged); scikit-learn
///   instead warns and counts such a class as AP 0, which only differs on small evaluation
///   sets that miss some classes.
package struct ProbeMetrics: Sendable, Equatable, Codable {
    package var sampleCount: Int
    package var accuracy: Double
    package var microPrecision: Double
    package var microRecall: Double
    package var microF1: Double
    package var macroPrecision: Double
    package var macroRecall: Double
    package var macroF1: Double
    /// Micro-averaged AP ("overall mAP"); nil when no sample has any class.
    package var microAveragePrecision: Double?
    /// Mean AP over the classes having positives ("average mAP"); nil when none has.
    package var macroAveragePrecision: Double?
    /// Number of classes in ``macroAveragePrecision``.
    package var macroAveragePrecisionClasses: Int
    /// AP per class, nil for a class without positive samples.
    package var classAveragePrecision: [Double?]

    /// - Parameters:
    ///   - targets: true classes of n samples.
    ///   - probabilities: [n, classes] scores from ``ProbeHead/probabilities(_:)``.
    package static func evaluate(
        targets: ProbeTargets, probabilities: [Double]
    ) throws -> ProbeMetrics {
        let n = targets.rows
        let k = targets.classCount
        guard probabilities.count == n * k else {
            throw ProbeError.shape(
                "\(n) samples × \(k) classes need \(n * k) probabilities, got "
                    + "\(probabilities.count)")
        }
        guard n > 0 else { throw ProbeError.data("no samples to evaluate") }
        let predicted = predictions(task: targets.task, classCount: k, probabilities)

        var truePositives = [Int](repeating: 0, count: k)
        var falsePositives = [Int](repeating: 0, count: k)
        var falseNegatives = [Int](repeating: 0, count: k)
        var predictedAny = [Bool](repeating: false, count: k)
        var exact = 0
        for i in 0..<n {
            var same = true
            for c in 0..<k {
                let truth = targets[i, c]
                let guess = predicted[i * k + c]
                if guess { predictedAny[c] = true }
                switch (truth, guess) {
                case (true, true): truePositives[c] += 1
                case (false, true):
                    falsePositives[c] += 1
                    same = false
                case (true, false):
                    falseNegatives[c] += 1
                    same = false
                case (false, false): break
                }
            }
            if same { exact += 1 }
        }
        let positives = targets.positiveCounts
        let averaged = (0..<k).filter {
            targets.task == .multiLabel || positives[$0] > 0 || predictedAny[$0]
        }
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        let tp = averaged.reduce(0) { $0 + truePositives[$1] }
        let fp = averaged.reduce(0) { $0 + falsePositives[$1] }
        let fn = averaged.reduce(0) { $0 + falseNegatives[$1] }
        func macro(_ value: (Int) -> Double) -> Double {
            averaged.isEmpty ? 0 : averaged.reduce(0) { $0 + value($1) } / Double(averaged.count)
        }

        var classAP = [Double?](repeating: nil, count: k)
        for c in 0..<k {
            classAP[c] = averagePrecision(
                scores: (0..<n).map { probabilities[$0 * k + c] }, positives: targets.column(c))
        }
        let defined = classAP.compactMap { $0 }
        return ProbeMetrics(
            sampleCount: n,
            accuracy: Double(exact) / Double(n),
            microPrecision: ratio(tp, tp + fp),
            microRecall: ratio(tp, tp + fn),
            microF1: ratio(2 * tp, 2 * tp + fp + fn),
            macroPrecision: macro {
                ratio(truePositives[$0], truePositives[$0] + falsePositives[$0])
            },
            macroRecall: macro {
                ratio(truePositives[$0], truePositives[$0] + falseNegatives[$0])
            },
            macroF1: macro {
                ratio(
                    2 * truePositives[$0],
                    2 * truePositives[$0] + falsePositives[$0] + falseNegatives[$0])
            },
            microAveragePrecision: averagePrecision(
                scores: probabilities, positives: targets.indicators),
            macroAveragePrecision: defined.isEmpty
                ? nil : defined.reduce(0, +) / Double(defined.count),
            macroAveragePrecisionClasses: defined.count,
            classAveragePrecision: classAP)
    }

    /// Predicted class indicators, [n, classes]: probability > 0.5 (multi-label) or the
    /// argmax, first on ties (multi-class).
    package static func predictions(
        task: ClassificationTask, classCount k: Int, _ probabilities: [Double]
    ) -> [Bool] {
        switch task {
        case .multiLabel:
            return probabilities.map { $0 > 0.5 }
        case .multiClass:
            var out = [Bool](repeating: false, count: probabilities.count)
            for i in 0..<(probabilities.count / k) {
                var best = 0
                for c in 1..<k where probabilities[i * k + c] > probabilities[i * k + best] {
                    best = c
                }
                out[i * k + best] = true
            }
            return out
        }
    }

    /// scikit-learn's `average_precision_score` for one binary problem:
    /// Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct thresholds in decreasing score order, where Pₙ and
    /// Rₙ are the precision and recall of "score ≥ threshold". Nil without positives.
    package static func averagePrecision(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "one score per sample")
        let positiveCount = positives.lazy.filter { $0 }.count
        guard positiveCount > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var seen = 0
        var previousRecall = 0.0
        var sum = 0.0
        var i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            while i < order.count, scores[order[i]] == threshold {
                if positives[order[i]] { truePositives += 1 }
                seen += 1
                i += 1
            }
            let recall = Double(truePositives) / Double(positiveCount)
            let precision = Double(truePositives) / Double(seen)
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return sum
    }
}
