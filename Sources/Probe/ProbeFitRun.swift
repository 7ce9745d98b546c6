import Foundation

/// Settings of ``ProbeFitRun/run(features:targets:classNames:settings:)``.
package struct ProbeFitSettings: Sendable, Equatable {
    /// Share of the samples held out for the metrics (0 evaluates on the training samples).
    package var holdoutFraction: Double = 0.2
    /// Seed of the holdout split.
    package var seed: UInt64 = 0
    /// Solver settings (C, tolerance, iterations, standardisation).
    package var regression = LogisticRegressionOptions()

    package init(
        holdoutFraction: Double = 0.2, seed: UInt64 = 0,
        regression: LogisticRegressionOptions = LogisticRegressionOptions()
    ) {
        self.holdoutFraction = holdoutFraction
        self.seed = seed
        self.regression = regression
    }
}

/// A fitted head with the evidence of its quality.
package struct ProbeFitOutcome: Sendable {
    /// The head, fitted on the training part of the split only, so that the holdout metrics
    /// describe exactly this head.
    package let head: ProbeHead
    package let report: ProbeFitReport
    package let split: HoldoutSplit
    /// Metrics on the samples the head was fitted on.
    package let trainingMetrics: ProbeMetrics
    /// Metrics on the held-out samples (nil when none were held out).
    package let holdoutMetrics: ProbeMetrics?
    package let settings: ProbeFitSettings
}

/// Split, fit, evaluate: the core of `geomap probe fit`.
package enum ProbeFitRun {
    /// - Parameters:
    ///   - features: [n, d] embeddings, one row per sample.
    ///   - targets: the n samples' classes.
    package static func run(
        features: FeatureMatrix, targets: ProbeTargets, classNames: [String],
        settings: ProbeFitSettings = ProbeFitSettings()
    ) throws -> ProbeFitOutcome {
        guard features.rows == targets.rows else {
            throw ProbeError.shape("\(features.rows) embeddings for \(targets.rows) samples")
        }
        let split = try HoldoutSplit(
            targets: targets, fraction: settings.holdoutFraction, seed: settings.seed)
        let trainX = features.selecting(rows: split.training)
        let trainY = targets.selecting(rows: split.training)
        let (head, report) = try LogisticRegression.fit(
            features: trainX, targets: trainY, classNames: classNames,
            options: settings.regression)
        let training = try ProbeMetrics.evaluate(
            targets: trainY, probabilities: head.probabilities(trainX))
        var holdout: ProbeMetrics?
        if !split.holdout.isEmpty {
            let x = features.selecting(rows: split.holdout)
            holdout = try ProbeMetrics.evaluate(
                targets: targets.selecting(rows: split.holdout),
                probabilities: head.probabilities(x))
        }
        return ProbeFitOutcome(
            head: head, report: report, split: split, trainingMetrics: training,
            holdoutMetrics: holdout, settings: settings)
    }
}

extension ProbeMetrics {
    /// One line: `accuracy 0.712  F1 micro 0.801 macro 0.550  mAP micro 0.861 macro 0.612
    /// (12 classes)`.
    package var summary: String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "n/a" }
        return "accuracy \(f(accuracy))  F1 micro \(f(microF1)) macro \(f(macroF1))  "
            + "mAP micro \(f(microAveragePrecision)) macro \(f(macroAveragePrecision)) "
            + "(\(macroAveragePrecisionClasses) classes)"
    }
}
