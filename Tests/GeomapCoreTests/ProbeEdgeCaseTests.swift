import Testing

@testable import GeomapCore
@testable import Probe

@Suite("Logistic regression edge cases")
struct ProbeEdgeCaseTests {
    /// 40 samples × 3 features; feature 0 separates two groups, feature 2 is constant.
    let features = try! FeatureMatrix(
        (0..<40).map { (i: Int) -> [Double] in
            let side = Double(i % 2) * 2 - 1
            let jitter: Double = 0.1 * Double(i % 7)
            return [side + jitter, Double(i % 5), 3]
        })

    @Test("one-vs-rest: a class never (or always) present gets a constant head")
    func constantClasses() throws {
        let targets = try ProbeTargets(
            labelSets: (0..<40).map { i in i % 2 == 0 ? [0, 2] : [2] }, classCount: 3)
        let (head, report) = try LogisticRegression.fit(
            features: features, targets: targets, classNames: ["a", "never", "always"])
        #expect(report.constantClasses == [1, 2])
        let p = try head.probabilities(features)
        #expect(p[1] < 1e-15 && p[2] > 1 - 1e-15)
        #expect(head.weights[3..<9].allSatisfy { $0 == 0 })
        #expect(p[0] > 0.5 && p[3] < 0.5)  // sample 0 has class 0 (even), sample 1 not
    }

    @Test("multi-class: a class absent from training gets (almost) zero probability")
    func absentClass() throws {
        let targets = try ProbeTargets(classes: (0..<40).map { $0 % 2 == 0 ? 0 : 2 }, classCount: 3)
        let (head, report) = try LogisticRegression.fit(
            features: features, targets: targets, classNames: ["a", "b", "c"])
        #expect(report.constantClasses == [1])
        let p = try head.probabilities(features)
        #expect((0..<40).allSatisfy { p[$0 * 3 + 1] < 1e-12 })
        // Two classes present: the binary fit, stored as ∓w/2 so the softmax is its sigmoid.
        #expect(head.weights[0] == -head.weights[6])
        let metrics = try ProbeMetrics.evaluate(targets: targets, probabilities: p)
        #expect(metrics.accuracy > 0.9)
    }

    @Test("a multi-class fit with one class only is refused with a clear message")
    func oneClass() throws {
        let targets = try ProbeTargets(classes: [Int](repeating: 1, count: 40), classCount: 2)
        #expect {
            try LogisticRegression.fit(
                features: features, targets: targets, classNames: ["a", "b"])
        } throws: { error in
            String(describing: error).contains("at least two classes")
        }
    }

    @Test("standardising tolerates a constant feature; bad inputs are refused")
    func inputs() throws {
        let targets = try ProbeTargets(classes: (0..<40).map { $0 % 2 }, classCount: 2)
        let (head, _) = try LogisticRegression.fit(
            features: features, targets: targets, classNames: ["a", "b"],
            options: LogisticRegressionOptions(standardize: true))
        #expect((head.weights + head.bias).allSatisfy { $0.isFinite })
        #expect(throws: ProbeError.self) {
            try LogisticRegression.fit(
                features: features, targets: targets, classNames: ["a", "b"],
                options: LogisticRegressionOptions(c: 0))
        }
        var bad = features
        bad.values[4] = .nan
        #expect(throws: ProbeError.self) {
            try LogisticRegression.fit(features: bad, targets: targets, classNames: ["a", "b"])
        }
        #expect(throws: ProbeError.self) {
            try LogisticRegression.fit(features: features, targets: targets, classNames: ["a"])
        }
    }

    @Test("L-BFGS minimises the Rosenbrock function to its minimum (1, 1)")
    func rosenbrock() {
        var options = LBFGSOptions()
        options.gradientTolerance = 1e-10
        options.functionTolerance = 0
        let result = LBFGS.minimize(start: [-1.2, 1], options: options) { x, g in
            let a = 1 - x[0]
            let b = x[1] - x[0] * x[0]
            g[0] = -2 * a - 400 * x[0] * b
            g[1] = 200 * b
            return a * a + 100 * b * b
        }
        #expect(result.stop == .gradientTolerance)
        #expect(abs(result.x[0] - 1) < 1e-8 && abs(result.x[1] - 1) < 1e-8)
    }
}
