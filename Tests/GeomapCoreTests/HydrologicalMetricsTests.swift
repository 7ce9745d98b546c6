import Testing

@testable import BasinPipeline
@testable import GeomapCore

@Suite("Hydrological metrics (NSE, KGE, RMSE, correlation, bias)")
struct HydrologicalMetricsTests {
    // Hand computation for observed y = [1, 2, 3, 4], predicted ŷ = [2, 2, 4, 4]:
    //   errors e = [1, 0, 1, 0]; Σe² = 2; mean e = 0.5; ȳ = 2.5, Σ(y − ȳ)² = 5
    //   NSE = 1 − 2/5 = 0.6; RMSE = √(2/4) = √0.5; bias = 0.5
    //   ŷ mean 3, deviations [−1, −1, 1, 1], Σ = 4; cov Σ = (−1)(−1.5)+(−1)(−.5)+(1)(.5)+(1)(1.5) = 4
    //   r = 4 / √(4·5) = 2/√5; σ_ŷ/σ_y = √(4/4)/√(5/4) = 2/√5; μ_ŷ/μ_y = 3/2.5 = 1.2
    //   KGE = 1 − √((2/√5 − 1)² + (2/√5 − 1)² + 0.2²)
    @Test("metrics of a small series equal the hand-computed values")
    func handComputed() {
        let m = HydrologicalMetrics(predicted: [2, 2, 4, 4], observed: [1, 2, 3, 4])
        let r = 2 / Double(5).squareRoot()
        let kge = 1 - ((r - 1) * (r - 1) * 2 + 0.04).squareRoot()
        #expect(m.count == 4)
        #expect(abs(m.nse - 0.6) < 1e-12)
        #expect(abs(m.rmse - Double(0.5).squareRoot()) < 1e-12)
        #expect(abs(m.bias - 0.5) < 1e-12)
        #expect(abs(m.correlation - r) < 1e-12)
        #expect(abs(m.kge - kge) < 1e-12)
    }

    @Test("pairs with a missing prediction or observation are dropped")
    func missingPairsDropped() {
        let withGaps = HydrologicalMetrics(
            predicted: [2, .nan, 2, 4, 9, 4], observed: [1, 5, 2, 3, .nan, 4])
        let clean = HydrologicalMetrics(predicted: [2, 2, 4, 4], observed: [1, 2, 3, 4])
        #expect(withGaps == clean)
        #expect(withGaps.count == 4)
    }

    @Test("a perfect prediction scores NSE 1, KGE 1, RMSE 0, r 1, bias 0")
    func perfect() {
        let y: [Float] = [0.5, 1.5, 3, 0.2, 7]
        let m = HydrologicalMetrics(predicted: y, observed: y)
        #expect(m.nse == 1 && m.kge == 1 && m.rmse == 0 && m.bias == 0)
        #expect(abs(m.correlation - 1) < 1e-12)
    }

    @Test("constant observations or fewer than two pairs give NaN, not a crash")
    func degenerate() {
        let flat = HydrologicalMetrics(predicted: [1, 2, 3], observed: [2, 2, 2])
        #expect(flat.nse.isNaN && flat.kge.isNaN && flat.correlation.isNaN)
        #expect(abs(flat.rmse - (2.0 / 3).squareRoot()) < 1e-12)
        let one = HydrologicalMetrics(predicted: [1, .nan], observed: [2, 3])
        #expect(one.count == 1 && one.nse.isNaN && one.rmse.isNaN)
    }

    @Test("the mean prediction scores NSE 0")
    func meanPrediction() {
        let m = HydrologicalMetrics(predicted: [2.5, 2.5, 2.5, 2.5], observed: [1, 2, 3, 4])
        #expect(abs(m.nse) < 1e-12)
        #expect(m.correlation.isNaN)
    }
}
