import Testing

@testable import GeomapCore
@testable import Probe

@Suite("Deterministic stratified holdout split")
struct ProbeSplitTests {
    /// 100 multi-class samples: 60 of class 0, 30 of class 1, 10 of class 2.
    let targets = try! ProbeTargets(
        classes: (0..<100).map { $0 % 10 == 0 ? 2 : ($0 % 10 < 4 ? 1 : 0) }, classCount: 3)

    @Test("same seed, same split; another seed, another split")
    func deterministic() throws {
        let a = try HoldoutSplit(targets: targets, fraction: 0.2, seed: 42)
        let b = try HoldoutSplit(targets: targets, fraction: 0.2, seed: 42)
        let c = try HoldoutSplit(targets: targets, fraction: 0.2, seed: 43)
        #expect(a == b)
        #expect(a != c)
        #expect(a.holdout.count == 20)
        #expect(Set(a.holdout).isDisjoint(with: a.training))
        #expect((a.holdout + a.training).sorted() == Array(0..<100))
    }

    @Test("each class is held out in proportion")
    func stratified() throws {
        let split = try HoldoutSplit(targets: targets, fraction: 0.2, seed: 7)
        let held = targets.selecting(rows: split.holdout).positiveCounts
        #expect(held == [12, 6, 2])
    }

    @Test("multi-label samples are stratified by their rarest class")
    func multiLabelStrata() throws {
        let labels = try ProbeTargets(
            labelSets: [[0], [0, 1], [0, 1], [0], [0, 2], [], [0], [1]], classCount: 3)
        let strata = HoldoutSplit.strata(labels)
        // Counts: class 0 ×6, class 1 ×3, class 2 ×1 → [0, 3, 6], [1, 2, 7], [4], [5].
        #expect(strata == [[0, 3, 6], [1, 2, 7], [4], [5]])
        let split = try HoldoutSplit(targets: labels, fraction: 0.25, seed: 1)
        #expect(split.holdout.count == 2)
    }

    @Test("fraction 0 holds out nothing; fractions outside [0, 1) are refused")
    func fractions() throws {
        #expect(try HoldoutSplit(targets: targets, fraction: 0, seed: 1).holdout.isEmpty)
        #expect(throws: ProbeError.self) {
            try HoldoutSplit(targets: targets, fraction: 1, seed: 1)
        }
        #expect(throws: ProbeError.self) {
            try HoldoutSplit(targets: targets, fraction: -0.1, seed: 1)
        }
        let tiny = try ProbeTargets(classes: [0, 1], classCount: 2)
        let split = try HoldoutSplit(targets: tiny, fraction: 0.01, seed: 3)
        #expect(split.holdout.count == 1 && split.training.count == 1)
    }

    @Test("SplitMix64 gives the published reference sequence")
    func splitMix() {
        // First outputs for seed 1234567 (reference C implementation by S. Vigna).
        var random = SplitMix64(seed: 1_234_567)
        #expect(random.next() == 6_457_827_717_110_365_317)
        #expect(random.next() == 3_203_168_211_198_807_973)
    }
}
