/// Goodness-of-fit of one basin's predicted series against its observations (spec
/// `stefaland.md` §5.7, the formulas of the StefaLand pretraining package and δMG).
///
/// Only days where both the prediction and the observation are finite count: a pair with a
/// NaN or infinite member on either side is dropped before anything is computed. With fewer
/// than two valid pairs every metric is NaN. Sums are accumulated in Double.
///
/// - `nse`: Nash–Sutcliffe efficiency, 1 − Σ(ŷ − y)² / Σ(y − ȳ)²; NaN when the observations
///   are constant.
/// - `kge`: Kling–Gupta efficiency (2009), 1 − √((r − 1)² + (σ_ŷ/σ_y − 1)² + (μ_ŷ/μ_y − 1)²),
///   population standard deviations (ddof 0); NaN when σ_y or μ_y is zero.
/// - `rmse`: √(mean (ŷ − y)²), in the series' units.
/// - `correlation`: Pearson's r; NaN when either series is constant.
/// - `bias`: mean error, mean(ŷ − y), in the series' units (the pretraining package's `Bias`;
///   positive means over-prediction).
package struct HydrologicalMetrics: Sendable, Equatable, Codable {
    package var nse: Double
    package var kge: Double
    package var rmse: Double
    package var correlation: Double
    package var bias: Double
    /// Number of (prediction, observation) pairs that were both finite.
    package var count: Int

    /// The metrics of `predicted` against `observed` (same length, same units).
    /// - Parameters:
    ///   - predicted: [days]
    ///   - observed: [days]; missing days as NaN.
    package init(predicted: [Float], observed: [Float]) {
        precondition(predicted.count == observed.count, "series lengths differ")
        var p: [Double] = []
        var o: [Double] = []
        p.reserveCapacity(predicted.count)
        o.reserveCapacity(observed.count)
        for (a, b) in zip(predicted, observed) where a.isFinite && b.isFinite {
            p.append(Double(a))
            o.append(Double(b))
        }
        self.init(validPredicted: p, observed: o)
    }

    private init(validPredicted p: [Double], observed o: [Double]) {
        count = p.count
        guard count >= 2 else {
            nse = .nan
            kge = .nan
            rmse = .nan
            correlation = .nan
            bias = .nan
            return
        }
        let n = Double(count)
        let meanP = p.reduce(0, +) / n
        let meanO = o.reduce(0, +) / n
        var squaredError = 0.0
        var error = 0.0
        var varP = 0.0
        var varO = 0.0
        var cov = 0.0
        for i in 0..<count {
            let e = p[i] - o[i]
            squaredError += e * e
            error += e
            let dp = p[i] - meanP
            let dobs = o[i] - meanO
            varP += dp * dp
            varO += dobs * dobs
            cov += dp * dobs
        }
        nse = varO > 0 ? 1 - squaredError / varO : .nan
        rmse = (squaredError / n).squareRoot()
        bias = error / n
        correlation = varP > 0 && varO > 0 ? cov / (varP * varO).squareRoot() : .nan
        let sdP = (varP / n).squareRoot()
        let sdO = (varO / n).squareRoot()
        if sdO > 0, meanO != 0, correlation.isFinite {
            let r = correlation - 1
            let s = sdP / sdO - 1
            let m = meanP / meanO - 1
            kge = 1 - (r * r + s * s + m * m).squareRoot()
        } else {
            kge = .nan
        }
    }
}
