import Foundation
import Testing

@testable import GeomapCore
@testable import Probe

@Suite("Logistic regression against scikit-learn goldens")
struct ProbeSolverTests {
    let goldens: LogisticGoldens
    let train: FeatureMatrix
    let test: FeatureMatrix

    init() throws {
        goldens = try LogisticGoldens.load()
        let all = try FeatureMatrix(goldens.features)
        train = all.selecting(rows: Array(0..<goldens.trainRows))
        test = all.selecting(rows: Array(goldens.trainRows..<all.rows))
    }

    func targets(_ golden: LogisticGoldens.Case, rows: Range<Int>) throws -> ProbeTargets {
        if let classes = golden.classes {
            return try ProbeTargets(classes: Array(classes[rows]), classCount: golden.classCount)
        }
        let multiHot = try #require(golden.multiHot)
        return try ProbeTargets(
            labelSets: multiHot[rows].map { row in row.indices.filter { row[$0] == 1 } },
            classCount: golden.classCount)
    }

    /// Fits the case, checks coefficients (1e-4 relative), held-out probabilities (1e-5) and
    /// metrics (1e-9) against scikit-learn, and returns the fit report.
    @discardableResult
    func check(_ name: String, standardize: Bool = false) throws -> ProbeFitReport {
        let golden = try #require(goldens.cases[name])
        let n = goldens.features.count
        let trainTargets = try targets(golden, rows: 0..<goldens.trainRows)
        let testTargets = try targets(golden, rows: goldens.trainRows..<n)
        let names = (0..<golden.classCount).map { "class \($0)" }
        let options = LogisticRegressionOptions(
            tolerance: 1e-10, maxIterations: 10_000, relativeDecreaseTolerance: 0,
            standardize: standardize)
        let (head, report) = try LogisticRegression.fit(
            features: train, targets: trainTargets, classNames: names, options: options)

        // scikit-learn's binary model has one row w; geomap's head holds [−w/2, w/2].
        var weights = head.weights
        var bias = head.bias
        if golden.coef.count == 1, golden.classCount == 2 {
            let d = head.featureCount
            weights = (0..<d).map { head.weights[d + $0] - head.weights[$0] }
            bias = [head.bias[1] - head.bias[0]]
        }
        let expectedWeights = golden.coef.flatMap { $0 }
        let scale = expectedWeights.map(abs).max() ?? 1
        #expect(maxRelativeError(weights, expectedWeights, floor: 1e-2 * scale) < 1e-4)
        #expect(maxRelativeError(bias, golden.intercept, floor: 1e-2 * scale) < 1e-4)

        let probabilities = try head.probabilities(test)
        let expected = golden.proba.flatMap { $0 }
        #expect(maxAbsoluteError(probabilities, expected) < 1e-5)

        let metrics = try ProbeMetrics.evaluate(targets: testTargets, probabilities: probabilities)
        expectMetrics(metrics, golden.metrics)
        #expect(report.converged.allSatisfy { $0 })
        return report
    }

    @Test("binary fit equals sklearn's two-class LogisticRegression")
    func binary() throws { try check("binary") }

    @Test("multinomial fit equals sklearn's 4-class softmax LogisticRegression")
    func multinomial() throws { try check("multinomial") }

    @Test("one-vs-rest fit equals sklearn's OneVsRestClassifier, one problem per class")
    func oneVsRest() throws {
        let report = try check("one_vs_rest")
        #expect(report.iterations.count == 4)
        #expect(report.constantClasses.isEmpty)
    }

    @Test("standardised fit equals StandardScaler + OneVsRest, folded back to raw features")
    func standardized() throws { try check("one_vs_rest_standardized", standardize: true) }

    @Test("default options (tol 1e-6, sklearn's ftol) land within 1e-4 of the optimum")
    func defaultOptions() throws {
        for name in ["multinomial", "one_vs_rest"] {
            let golden = try #require(goldens.cases[name])
            let y = try targets(golden, rows: 0..<goldens.trainRows)
            let (head, report) = try LogisticRegression.fit(
                features: train, targets: y, classNames: ["a", "b", "c", "d"])
            let probabilities = try head.probabilities(test)
            #expect(maxAbsoluteError(probabilities, golden.proba.flatMap { $0 }) < 1e-4)
            #expect(report.converged.allSatisfy { $0 })
            #expect(report.gradientInfNorms.allSatisfy { $0 <= 1e-6 })
        }
    }

    @Test("serial and parallel one-vs-rest fits are identical")
    func parallelIsDeterministic() throws {
        let golden = try #require(goldens.cases["one_vs_rest"])
        let y = try targets(golden, rows: 0..<goldens.trainRows)
        let names = ["a", "b", "c", "d"]
        let serial = try LogisticRegression.fit(
            features: train, targets: y, classNames: names,
            options: LogisticRegressionOptions(parallel: false))
        let parallel = try LogisticRegression.fit(
            features: train, targets: y, classNames: names,
            options: LogisticRegressionOptions(parallel: true))
        #expect(serial.head == parallel.head)
    }
}

func expectMetrics(
    _ metrics: ProbeMetrics, _ expected: [String: Double],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let pairs: [(String, Double?)] = [
        ("accuracy", metrics.accuracy),
        ("precision_micro", metrics.microPrecision), ("precision_macro", metrics.macroPrecision),
        ("recall_micro", metrics.microRecall), ("recall_macro", metrics.macroRecall),
        ("f1_micro", metrics.microF1), ("f1_macro", metrics.macroF1),
        ("average_precision_micro", metrics.microAveragePrecision),
        ("average_precision_macro", metrics.macroAveragePrecision),
    ]
    for (key, value) in pairs {
        let want = expected[key]
        #expect(want != nil, "golden lacks \(key)", sourceLocation: sourceLocation)
        guard let want, let value else {
            Issue.record("\(key) is undefined", sourceLocation: sourceLocation)
            continue
        }
        #expect(
            abs(value - want) <= 1e-9, "\(key): \(value) vs \(want)",
            sourceLocation: sourceLocation)
    }
}
