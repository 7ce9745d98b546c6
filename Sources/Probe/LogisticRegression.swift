import Dispatch
import Foundation

/// Settings of ``LogisticRegression/fit(features:targets:classNames:options:)``.
package struct LogisticRegressionOptions: Sendable, Equatable {
    /// Inverse regularisation strength, as scikit-learn's `C`: the objective is
    /// C·Σᵢ loss + ½‖W‖² (intercepts not penalised). Upstream probes use 1.0.
    package var c: Double = 1.0
    /// Converged when max |∂f/∂θ| ≤ tolerance for f = (1/n)Σ loss + ‖W‖²/(2Cn), the
    /// objective scikit-learn's `lbfgs` solver minimises with `gtol = tol` (its default 1e-4).
    package var tolerance: Double = 1e-6
    /// Most L-BFGS iterations per problem (upstream's `max_iter` is 1000).
    package var maxIterations: Int = 1000
    /// Also stop when one iteration lowers f by at most this share of |f| (scipy's `ftol`,
    /// which scikit-learn sets to 64·ε ≈ 1.4e-14). Zero stops on the gradient (or the
    /// iteration cap, or when rounding leaves no descent step) only.
    package var relativeDecreaseTolerance: Double = 64 * Double.ulpOfOne
    /// Standardise each feature to zero mean and unit variance over the training samples
    /// before fitting, and fold the scaling back into the returned head (so it still takes raw
    /// embeddings). Off by default, as upstream (its `scale = False`); note that it changes
    /// the model, since the L2 penalty then applies to the standardised weights.
    package var standardize: Bool = false
    /// Fit the one-vs-rest problems concurrently on all cores.
    package var parallel: Bool = true

    package init(
        c: Double = 1.0, tolerance: Double = 1e-6, maxIterations: Int = 1000,
        relativeDecreaseTolerance: Double = 64 * Double.ulpOfOne,
        standardize: Bool = false, parallel: Bool = true
    ) {
        self.c = c
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.relativeDecreaseTolerance = relativeDecreaseTolerance
        self.standardize = standardize
        self.parallel = parallel
    }
}

/// How the fit went, per optimisation problem (one per class for multi-label heads, one for a
/// multi-class head).
package struct ProbeFitReport: Sendable, Equatable {
    /// L-BFGS iterations per problem.
    package var iterations: [Int]
    /// Whether each problem met the gradient or function-decrease criterion.
    package var converged: [Bool]
    /// max |gradient| at the solution of each problem.
    package var gradientInfNorms: [Double]
    /// Classes given a constant head because the training samples never (or always) have
    /// them: zero weights and bias ∓``LogisticRegression/constantLogit``.
    package var constantClasses: [Int]
}

/// L2-regularised logistic regression with an L-BFGS solver, as scikit-learn's
/// `LogisticRegression(C, penalty="l2", fit_intercept=True, solver="lbfgs")`:
/// multi-label heads are one independent binary problem per class (`OneVsRestClassifier`),
/// multi-class heads one multinomial (softmax) problem.
package enum LogisticRegression {
    /// The logit given to a class that is constant in the training samples: σ(−40) ≈ 4e-18.
    /// (scikit-learn's `OneVsRestClassifier` predicts exactly 0 or 1 there.)
    package static let constantLogit = 40.0

    /// Fits a head.
    ///
    /// Multi-class: classes absent from the training samples get zero weights and bias
    /// −``constantLogit`` below the others (scikit-learn would leave them out of the model);
    /// with exactly two classes present the fit is the binary one (as scikit-learn) and the
    /// head holds ∓w/2, ∓b/2 so that its softmax equals the binary sigmoid.
    /// - Parameters:
    ///   - features: [n, d] embeddings of the training samples.
    ///   - targets: n samples × classNames.count classes.
    package static func fit(
        features: FeatureMatrix, targets: ProbeTargets, classNames: [String],
        options: LogisticRegressionOptions = LogisticRegressionOptions()
    ) throws -> (head: ProbeHead, report: ProbeFitReport) {
        guard features.rows == targets.rows else {
            throw ProbeError.shape(
                "\(features.rows) feature rows but \(targets.rows) target rows")
        }
        guard classNames.count == targets.classCount else {
            throw ProbeError.shape(
                "\(classNames.count) class names but targets have \(targets.classCount) classes")
        }
        guard features.rows > 0, features.columns > 0 else {
            throw ProbeError.data("no training samples")
        }
        guard options.c > 0, options.c.isFinite else {
            throw ProbeError.argument("C must be a positive number, got \(options.c)")
        }
        guard features.values.allSatisfy(\.isFinite) else {
            throw ProbeError.data("the features contain NaN or infinite values")
        }
        let scaling = options.standardize ? Standardization(features) : nil
        let x = scaling?.apply(features) ?? features
        var (weights, bias, report): ([Double], [Double], ProbeFitReport)
        switch targets.task {
        case .multiLabel: (weights, bias, report) = oneVsRest(x, targets, options)
        case .multiClass: (weights, bias, report) = try multinomial(x, targets, options)
        }
        if let scaling { scaling.fold(weights: &weights, bias: &bias, classes: bias.count) }
        let head = try ProbeHead(
            task: targets.task, classNames: classNames, featureCount: features.columns,
            weights: weights, bias: bias)
        return (head, report)
    }

    private static func solverOptions(_ options: LogisticRegressionOptions) -> LBFGSOptions {
        var solver = LBFGSOptions()
        solver.gradientTolerance = options.tolerance
        solver.maxIterations = options.maxIterations
        solver.functionTolerance = options.relativeDecreaseTolerance
        return solver
    }

    /// One binary fit: returns [w (d), b] and the solver result.
    static func binary(
        _ x: FeatureMatrix, positives: [Bool], options: LogisticRegressionOptions
    ) -> LBFGSResult {
        let objective = BinaryLogisticObjective(
            features: x.values, rows: x.rows, columns: x.columns,
            targets: positives.map { $0 ? 1 : 0 }, lambda: 1 / (options.c * Double(x.rows)))
        return LBFGS.minimize(
            start: [Double](repeating: 0, count: objective.parameterCount),
            options: solverOptions(options), objective: objective.evaluate)
    }

    private static func oneVsRest(
        _ x: FeatureMatrix, _ targets: ProbeTargets, _ options: LogisticRegressionOptions
    ) -> ([Double], [Double], ProbeFitReport) {
        let k = targets.classCount
        let d = x.columns
        let results = ResultSlots<LBFGSResult>(count: k)
        let counts = targets.positiveCounts
        let work: @Sendable (Int) -> Void = { c in
            guard counts[c] > 0, counts[c] < targets.rows else { return }
            results[c] = binary(x, positives: targets.column(c), options: options)
        }
        if options.parallel, k > 1 {
            DispatchQueue.concurrentPerform(iterations: k, execute: work)
        } else {
            for c in 0..<k { work(c) }
        }
        var weights = [Double](repeating: 0, count: k * d)
        var bias = [Double](repeating: 0, count: k)
        var report = ProbeFitReport(
            iterations: [], converged: [], gradientInfNorms: [], constantClasses: [])
        for c in 0..<k {
            if let result = results[c] {
                weights.replaceSubrange(c * d..<(c + 1) * d, with: result.x[0..<d])
                bias[c] = result.x[d]
                report.iterations.append(result.iterations)
                report.converged.append(result.converged)
                report.gradientInfNorms.append(result.gradientInfNorm)
            } else {
                bias[c] = counts[c] == 0 ? -constantLogit : constantLogit
                report.iterations.append(0)
                report.converged.append(true)
                report.gradientInfNorms.append(0)
                report.constantClasses.append(c)
            }
        }
        return (weights, bias, report)
    }

    private static func multinomial(
        _ x: FeatureMatrix, _ targets: ProbeTargets, _ options: LogisticRegressionOptions
    ) throws -> ([Double], [Double], ProbeFitReport) {
        let k = targets.classCount
        let d = x.columns
        let counts = targets.positiveCounts
        let present = (0..<k).filter { counts[$0] > 0 }
        guard present.count >= 2 else {
            throw ProbeError.data(
                "a multi-class head needs samples of at least two classes; the training "
                    + "samples have \(present.count)")
        }
        var weights = [Double](repeating: 0, count: k * d)
        var bias = [Double](repeating: 0, count: k)
        let result: LBFGSResult
        if present.count == 2 {
            let positive = present[1]
            result = binary(x, positives: targets.column(positive), options: options)
            for (sign, c) in [(-0.5, present[0]), (0.5, positive)] {
                for j in 0..<d { weights[c * d + j] = sign * result.x[j] }
                bias[c] = sign * result.x[d]
            }
        } else {
            var local = [Int](repeating: -1, count: k)
            for (index, c) in present.enumerated() { local[c] = index }
            let m = present.count
            let objective = MultinomialLogisticObjective(
                features: x.values, rows: x.rows, columns: d,
                targets: (0..<targets.rows).map { local[targets.classIndex(row: $0)] },
                classCount: m, lambda: 1 / (options.c * Double(x.rows)))
            result = LBFGS.minimize(
                start: [Double](repeating: 0, count: objective.parameterCount),
                options: solverOptions(options), objective: objective.evaluate)
            // Softmax is unchanged by a common shift of the intercepts: centre them (the
            // solution scikit-learn reaches from zero, since every gradient step sums to 0).
            let mean = result.x[(m * d)...].reduce(0, +) / Double(m)
            for (index, c) in present.enumerated() {
                for j in 0..<d { weights[c * d + j] = result.x[index * d + j] }
                bias[c] = result.x[m * d + index] - mean
            }
        }
        let absent = (0..<k).filter { counts[$0] == 0 }
        let floor = (present.map { bias[$0] }.min() ?? 0) - constantLogit
        for c in absent { bias[c] = floor }
        let report = ProbeFitReport(
            iterations: [result.iterations], converged: [result.converged],
            gradientInfNorms: [result.gradientInfNorm], constantClasses: absent)
        return (weights, bias, report)
    }
}

/// Per-feature mean and standard deviation of the training samples.
struct Standardization {
    let mean: [Double]
    /// Population standard deviation; 1 for constant features.
    let scale: [Double]

    init(_ x: FeatureMatrix) {
        let d = x.columns
        var mean = [Double](repeating: 0, count: d)
        var squares = [Double](repeating: 0, count: d)
        for i in 0..<x.rows {
            for j in 0..<d { mean[j] += x.values[i * d + j] }
        }
        for j in 0..<d { mean[j] /= Double(x.rows) }
        for i in 0..<x.rows {
            for j in 0..<d {
                let delta = x.values[i * d + j] - mean[j]
                squares[j] += delta * delta
            }
        }
        self.mean = mean
        scale = squares.map { sum in
            let sd = (sum / Double(x.rows)).squareRoot()
            return sd > 0 ? sd : 1
        }
    }

    func apply(_ x: FeatureMatrix) -> FeatureMatrix {
        let d = x.columns
        var values = x.values
        for i in 0..<x.rows {
            for j in 0..<d { values[i * d + j] = (values[i * d + j] - mean[j]) / scale[j] }
        }
        return FeatureMatrix(unchecked: x.rows, d, values)
    }

    /// Turns a head on standardised features into the same head on raw features:
    /// w' = w/σ, b' = b − Σ w·μ/σ.
    func fold(weights: inout [Double], bias: inout [Double], classes: Int) {
        let d = mean.count
        for c in 0..<classes {
            var shift = 0.0
            for j in 0..<d {
                weights[c * d + j] /= scale[j]
                shift += weights[c * d + j] * mean[j]
            }
            bias[c] -= shift
        }
    }
}

/// Slots written concurrently, each by one task, read after all tasks finished.
final class ResultSlots<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    subscript(index: Int) -> Value? {
        get { lock.withLock { values[index] ?? nil } }
        set { lock.withLock { values[index] = newValue } }
    }
}
