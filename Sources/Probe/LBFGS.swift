/// Settings of the L-BFGS minimiser (``LBFGS``).
struct LBFGSOptions: Sendable {
    /// Number of (s, y) correction pairs kept (scipy's default `maxcor` is 10).
    var historySize = 10
    /// Converged when the largest absolute gradient component is at most this (scipy's `gtol`).
    var gradientTolerance = 1e-6
    /// Also stops when the relative decrease of f in one step is at most this (scipy's `ftol`,
    /// which scikit-learn sets to 64·ε). Zero disables the test.
    var functionTolerance = 64 * Double.ulpOfOne
    /// Most quasi-Newton iterations (one line search each).
    var maxIterations = 1000
    /// Most function evaluations in one line search (scikit-learn passes `maxls = 50`).
    var maxLineSearchEvaluations = 50
}

/// Why ``LBFGS/minimize(start:options:objective:)`` stopped.
enum LBFGSStop: String, Sendable {
    /// The gradient criterion was met.
    case gradientTolerance
    /// The relative decrease of f fell under `functionTolerance`.
    case functionTolerance
    /// The iteration cap was reached first.
    case maxIterations
    /// No step satisfying the sufficient-decrease condition could be found (f and its gradient
    /// disagree at rounding level; the point is as good as this arithmetic allows).
    case lineSearchFailed
}

/// Outcome of one minimisation.
struct LBFGSResult: Sendable {
    /// The minimiser found.
    var x: [Double]
    /// f(x).
    var value: Double
    /// max |∂f/∂xᵢ| at x.
    var gradientInfNorm: Double
    /// Quasi-Newton iterations taken.
    var iterations: Int
    /// Objective evaluations taken (with gradient).
    var evaluations: Int
    var stop: LBFGSStop

    /// Whether the gradient or function criterion was met (scipy's `success`).
    var converged: Bool { stop == .gradientTolerance || stop == .functionTolerance }
}

/// Limited-memory BFGS (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Alg. 7.4/7.5) with a
/// line search enforcing the strong Wolfe conditions (Alg. 3.5/3.6, cubic interpolation with
/// bisection safeguards), for smooth unconstrained problems.
enum LBFGS {
    /// Sufficient-decrease constant c₁ of the Wolfe conditions.
    static let c1 = 1e-4
    /// Curvature constant c₂ (0.9 is the usual quasi-Newton choice).
    static let c2 = 0.9

    /// Minimises f from `start`.
    /// - Parameter objective: writes ∇f(x) into its second argument (same count as x) and
    ///   returns f(x).
    static func minimize(
        start: [Double], options: LBFGSOptions,
        objective: (_ x: [Double], _ gradient: inout [Double]) -> Double
    ) -> LBFGSResult {
        let n = start.count
        var evaluations = 0
        func evaluate(_ x: [Double], _ g: inout [Double]) -> Double {
            evaluations += 1
            return objective(x, &g)
        }
        var x = start
        var g = [Double](repeating: 0, count: n)
        var f = evaluate(x, &g)
        var history = CorrectionHistory(capacity: max(1, options.historySize), dimension: n)
        var iterations = 0
        var stop = LBFGSStop.maxIterations
        if infNorm(g) <= options.gradientTolerance || n == 0 {
            return LBFGSResult(
                x: x, value: f, gradientInfNorm: infNorm(g), iterations: 0,
                evaluations: evaluations, stop: .gradientTolerance)
        }
        var direction = [Double](repeating: 0, count: n)
        while iterations < options.maxIterations {
            history.direction(gradient: g, into: &direction)
            var slope = dot(direction, g)
            if !(slope < 0) {
                history.clear()
                for i in 0..<n { direction[i] = -g[i] }
                slope = dot(direction, g)
            }
            let firstStep = history.isEmpty ? min(1, 1 / norm2(g)) : 1
            var search = lineSearch(
                x: x, f: f, slope: slope, direction: direction, initialStep: firstStep,
                maxEvaluations: options.maxLineSearchEvaluations, evaluate: evaluate)
            if search == nil, !history.isEmpty {
                // Retry once along steepest descent with a fresh curvature model.
                history.clear()
                for i in 0..<n { direction[i] = -g[i] }
                slope = dot(direction, g)
                search = lineSearch(
                    x: x, f: f, slope: slope, direction: direction,
                    initialStep: min(1, 1 / norm2(g)),
                    maxEvaluations: options.maxLineSearchEvaluations, evaluate: evaluate)
            }
            guard let step = search else {
                stop = .lineSearchFailed
                break
            }
            iterations += 1
            var s = [Double](repeating: 0, count: n)
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                s[i] = step.x[i] - x[i]
                y[i] = step.gradient[i] - g[i]
            }
            let sy = dot(s, y)
            if sy > Double.ulpOfOne * dot(y, y) { history.append(s: s, y: y, sy: sy) }
            let previous = f
            x = step.x
            g = step.gradient
            f = step.value
            if infNorm(g) <= options.gradientTolerance {
                stop = .gradientTolerance
                break
            }
            let scale = max(abs(previous), abs(f), 1)
            if options.functionTolerance > 0, previous - f <= options.functionTolerance * scale {
                stop = .functionTolerance
                break
            }
        }
        return LBFGSResult(
            x: x, value: f, gradientInfNorm: infNorm(g), iterations: iterations,
            evaluations: evaluations, stop: stop)
    }

    /// A point accepted by the line search.
    struct Step {
        var x: [Double]
        var value: Double
        var gradient: [Double]
    }

    /// Finds a step length α > 0 along `direction` satisfying the strong Wolfe conditions
    /// f(x + αd) ≤ f(x) + c₁α·∇f·d and |∇f(x + αd)·d| ≤ c₂|∇f·d| (Alg. 3.5), or, when rounding
    /// prevents that, the best point found that satisfies sufficient decrease. Returns nil when
    /// no point decreases f.
    static func lineSearch(
        x: [Double], f: Double, slope: Double, direction: [Double], initialStep: Double,
        maxEvaluations: Int, evaluate: (_ x: [Double], _ g: inout [Double]) -> Double
    ) -> Step? {
        let n = x.count
        // f is a sum of many rounded terms: allow increases at its rounding level so that the
        // search does not reject good steps near the optimum on noise.
        let noise = 1e-13 * max(abs(f), Double.leastNormalMagnitude)
        var trial = [Double](repeating: 0, count: n)
        var gradient = [Double](repeating: 0, count: n)
        var evaluationsLeft = maxEvaluations

        func probe(_ alpha: Double) -> (value: Double, slope: Double) {
            for i in 0..<n { trial[i] = x[i] + alpha * direction[i] }
            evaluationsLeft -= 1
            let value = evaluate(trial, &gradient)
            return (value, dot(gradient, direction))
        }
        func armijo(_ alpha: Double, _ value: Double) -> Bool {
            value <= f + c1 * alpha * slope + noise
        }
        func curvature(_ phiSlope: Double) -> Bool { abs(phiSlope) <= -c2 * slope }

        // Best sufficient-decrease point seen, used when the search runs out of evaluations.
        var best: Step?
        func remember(_ value: Double) {
            if value < f, value < (best?.value ?? .infinity) {
                best = Step(x: trial, value: value, gradient: gradient)
            }
        }

        /// Alg. 3.6: `low` satisfies sufficient decrease with the lowest f so far; the
        /// interval between low and high contains strong-Wolfe points.
        func zoom(
            low lowIn: (Double, Double, Double), high highIn: (Double, Double, Double)
        ) -> Step? {
            var low = lowIn
            var high = highIn
            while evaluationsLeft > 0 {
                let width = high.0 - low.0
                if abs(width) <= Double.ulpOfOne * max(abs(low.0), 1) { break }
                var alpha =
                    cubicMinimizer(low.0, low.1, low.2, high.0, high.1, high.2)
                    ?? (low.0 + 0.5 * width)
                // Keep the trial well inside the interval (bisect when interpolation
                // lands near an end).
                let lower = min(low.0, high.0) + 0.1 * abs(width)
                let upper = max(low.0, high.0) - 0.1 * abs(width)
                if !(alpha >= lower && alpha <= upper) { alpha = low.0 + 0.5 * width }
                let (value, phiSlope) = probe(alpha)
                if !value.isFinite || !phiSlope.isFinite || !armijo(alpha, value)
                    || value >= low.1
                {
                    high = (alpha, value.isFinite ? value : .infinity, phiSlope)
                    if !phiSlope.isFinite { high.2 = 0 }
                } else {
                    remember(value)
                    if curvature(phiSlope) {
                        return Step(x: trial, value: value, gradient: gradient)
                    }
                    if phiSlope * (high.0 - low.0) >= 0 { high = low }
                    low = (alpha, value, phiSlope)
                }
            }
            return best
        }

        var previousAlpha = 0.0
        var previousValue = f
        var previousSlope = slope
        var alpha = initialStep
        var first = true
        while evaluationsLeft > 0 {
            let (value, phiSlope) = probe(alpha)
            guard value.isFinite, phiSlope.isFinite else {
                // Overflow: step back towards the last good point.
                alpha = previousAlpha + 0.1 * (alpha - previousAlpha)
                continue
            }
            if !armijo(alpha, value) || (!first && value >= previousValue) {
                return zoom(
                    low: (previousAlpha, previousValue, previousSlope),
                    high: (alpha, value, phiSlope))
            }
            remember(value)
            if curvature(phiSlope) { return Step(x: trial, value: value, gradient: gradient) }
            if phiSlope >= 0 {
                return zoom(
                    low: (alpha, value, phiSlope),
                    high: (previousAlpha, previousValue, previousSlope))
            }
            let next = min(
                max(
                    cubicMinimizer(
                        previousAlpha, previousValue, previousSlope, alpha, value, phiSlope)
                        ?? 4 * alpha, 1.1 * alpha),
                4 * alpha)
            previousAlpha = alpha
            previousValue = value
            previousSlope = phiSlope
            alpha = next
            first = false
        }
        return best
    }

    /// The minimiser of the cubic through (a, fa, da) and (b, fb, db) (Nocedal & Wright
    /// eq. 3.59), or nil when it does not exist or is not finite.
    static func cubicMinimizer(
        _ a: Double, _ fa: Double, _ da: Double, _ b: Double, _ fb: Double, _ db: Double
    ) -> Double? {
        guard a != b, fa.isFinite, fb.isFinite else { return nil }
        let d1 = da + db - 3 * (fa - fb) / (a - b)
        let radicand = d1 * d1 - da * db
        guard radicand >= 0 else { return nil }
        let d2 = (b > a ? 1.0 : -1.0) * radicand.squareRoot()
        let denominator = db - da + 2 * d2
        guard denominator != 0 else { return nil }
        let t = b - (b - a) * (db + d2 - d1) / denominator
        return t.isFinite ? t : nil
    }
}

/// The last m correction pairs (sₖ, yₖ) and the two-loop recursion (Alg. 7.4).
private struct CorrectionHistory {
    let capacity: Int
    let dimension: Int
    private var s: [[Double]] = []
    private var y: [[Double]] = []
    private var rho: [Double] = []
    private var alpha: [Double]

    init(capacity: Int, dimension: Int) {
        self.capacity = capacity
        self.dimension = dimension
        alpha = [Double](repeating: 0, count: capacity)
    }

    var isEmpty: Bool { s.isEmpty }

    mutating func clear() {
        s.removeAll(keepingCapacity: true)
        y.removeAll(keepingCapacity: true)
        rho.removeAll(keepingCapacity: true)
    }

    mutating func append(s newS: [Double], y newY: [Double], sy: Double) {
        if s.count == capacity {
            s.removeFirst()
            y.removeFirst()
            rho.removeFirst()
        }
        s.append(newS)
        y.append(newY)
        rho.append(1 / sy)
    }

    /// Writes d = −H·g, H the L-BFGS inverse-Hessian approximation with H₀ = (sᵀy / yᵀy)·I.
    mutating func direction(gradient g: [Double], into d: inout [Double]) {
        for i in 0..<dimension { d[i] = g[i] }
        let count = s.count
        if count > 0 {
            for k in stride(from: count - 1, through: 0, by: -1) {
                let a = rho[k] * dot(s[k], d)
                alpha[k] = a
                axpy(-a, y[k], &d)
            }
            let last = count - 1
            let gamma = 1 / (rho[last] * dot(y[last], y[last]))
            for i in 0..<dimension { d[i] *= gamma }
            for k in 0..<count {
                let b = rho[k] * dot(y[k], d)
                axpy(alpha[k] - b, s[k], &d)
            }
        }
        for i in 0..<dimension { d[i] = -d[i] }
    }
}

// MARK: - Small vector helpers

@inline(__always)
func dot(_ a: [Double], _ b: [Double]) -> Double {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            var sum = 0.0
            for i in 0..<pa.count { sum += pa[i] * pb[i] }
            return sum
        }
    }
}

@inline(__always)
func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
    x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
            for i in 0..<px.count { py[i] += a * px[i] }
        }
    }
}

func norm2(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

func infNorm(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
