import Foundation
import Testing

@testable import GeomapCore
@testable import Probe

@Suite("Probe metrics against sklearn.metrics")
struct ProbeMetricsTests {
    @Test("multi-label metrics with tied scores equal sklearn's within 1e-9")
    func multiLabel() throws {
        let golden = try #require(try MetricGoldens.load().cases["multilabel"])
        let rows = try #require(golden.multiHot)
        let targets = try ProbeTargets(
            labelSets: rows.map { row in row.indices.filter { row[$0] == 1 } },
            classCount: rows[0].count)
        let metrics = try ProbeMetrics.evaluate(
            targets: targets, probabilities: golden.scores.flatMap { $0 })
        expectMetrics(metrics, golden.metrics)
        #expect(metrics.macroAveragePrecisionClasses == 5)
        for (mine, theirs) in zip(metrics.classAveragePrecision, golden.classAveragePrecision) {
            let mine = try #require(mine)
            let theirs = try #require(theirs)
            #expect(abs(mine - theirs) <= 1e-9)
        }
    }

    @Test("multi-class metrics: macro P/R/F1 over classes seen; AP skips a class never true")
    func multiClass() throws {
        let golden = try #require(try MetricGoldens.load().cases["multiclass"])
        let targets = try ProbeTargets(
            classes: try #require(golden.classes), classCount: try #require(golden.classCount))
        let metrics = try ProbeMetrics.evaluate(
            targets: targets, probabilities: golden.scores.flatMap { $0 })
        expectMetrics(metrics, golden.metrics)
        #expect(metrics.macroAveragePrecisionClasses == 4)
        #expect(metrics.classAveragePrecision[4] == nil)
        #expect(metrics.microPrecision == metrics.accuracy)
    }

    @Test("average precision by hand: ties form one threshold, no interpolation")
    func averagePrecisionByHand() throws {
        // Scores 0.9 (+), 0.8 (−), 0.8 (+), 0.1 (+): thresholds 0.9 → P 1, R 1/3;
        // 0.8 → P 2/3, R 2/3; 0.1 → P 3/4, R 1. AP = 1/3·1 + 1/3·2/3 + 1/3·3/4.
        let ap = try #require(
            ProbeMetrics.averagePrecision(
                scores: [0.8, 0.9, 0.1, 0.8], positives: [false, true, true, true]))
        #expect(abs(ap - (1.0 / 3 + 2.0 / 9 + 1.0 / 4)) < 1e-15)
        #expect(
            ProbeMetrics.averagePrecision(scores: [0.2, 0.7], positives: [false, false]) == nil)
    }

    @Test("subset accuracy counts a sample right only when every class is right")
    func subsetAccuracy() throws {
        let targets = try ProbeTargets(labelSets: [[0, 1], [1], []], classCount: 3)
        let probabilities: [Double] = [
            0.9, 0.8, 0.1,
            0.6, 0.7, 0.2,
            0.1, 0.2, 0.3,
        ]
        let metrics = try ProbeMetrics.evaluate(targets: targets, probabilities: probabilities)
        #expect(metrics.accuracy == 2.0 / 3)
        #expect(metrics.microPrecision == 3.0 / 4)
        #expect(metrics.microRecall == 1)
        // Class 2 has no positives: F1 0 (zero_division) is in the macro mean, its AP is not.
        #expect(abs(metrics.macroF1 - (2.0 / 3 + 1 + 0) / 3) < 1e-15)
        #expect(metrics.macroAveragePrecisionClasses == 2)
    }

    @Test("shape errors are reported, not trapped")
    func shapeErrors() throws {
        let targets = try ProbeTargets(classes: [0, 1], classCount: 2)
        #expect(throws: ProbeError.self) {
            try ProbeMetrics.evaluate(targets: targets, probabilities: [0.5, 0.5, 0.5])
        }
        #expect(throws: ProbeError.self) {
            try ProbeTargets(task: .multiClass, rows: 1, classCount: 2, indicators: [true, true])
        }
    }
}
