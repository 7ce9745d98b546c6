/// A deterministic division of samples into a training set and a held-out evaluation set.
///
/// Stratified: samples are grouped by class (multi-class), or by their rarest class over the
/// whole list (multi-label; samples without any class form one more group), each group is
/// shuffled with a generator seeded by `seed`, and the held-out count round(fraction·n) is
/// shared among the groups in proportion to their sizes (largest remainders first, ties to the
/// smaller group index). A group of one sample can therefore only be held out through a
/// remainder, and the same (targets, fraction, seed) always give the same split, on any
/// platform (the shuffle is a Fisher–Yates over SplitMix64, not the standard library's).
package struct HoldoutSplit: Sendable, Equatable {
    /// Row indices used for fitting, increasing.
    package let training: [Int]
    /// Row indices held out for the metrics, increasing.
    package let holdout: [Int]

    /// - Parameter fraction: share of samples held out, in [0, 1); 0 holds out none.
    package init(targets: ProbeTargets, fraction: Double, seed: UInt64) throws {
        guard fraction >= 0, fraction < 1 else {
            throw ProbeError.argument("the holdout fraction must be in [0, 1), got \(fraction)")
        }
        let n = targets.rows
        var wanted = Int((fraction * Double(n)).rounded())
        if fraction > 0, n >= 2 { wanted = min(max(wanted, 1), n - 1) }
        guard wanted > 0 else {
            training = Array(0..<n)
            holdout = []
            return
        }
        let groups = Self.strata(targets)
        let quotas = groups.map { fraction * Double($0.count) }
        var counts = quotas.map { Int($0.rounded(.down)) }
        var missing = wanted - counts.reduce(0, +)
        let byRemainder = groups.indices.sorted {
            let a = quotas[$0] - Double(counts[$0])
            let b = quotas[$1] - Double(counts[$1])
            return a != b ? a > b : $0 < $1
        }
        // Hand out the rest one per group in remainder order, pass after pass (wanted < n,
        // so some group always has room).
        while missing > 0 {
            for g in byRemainder where missing > 0 && counts[g] < groups[g].count {
                counts[g] += 1
                missing -= 1
            }
        }
        var random = SplitMix64(seed: seed)
        var held: [Int] = []
        for (g, members) in groups.enumerated() where counts[g] > 0 {
            var shuffled = members
            random.shuffle(&shuffled)
            held.append(contentsOf: shuffled.prefix(counts[g]))
        }
        let heldSet = Set(held)
        holdout = held.sorted()
        training = (0..<n).filter { !heldSet.contains($0) }
    }

    /// Row indices grouped by stratum, each group increasing, groups in stratum order.
    static func strata(_ targets: ProbeTargets) -> [[Int]] {
        let k = targets.classCount
        var groups = [[Int]](repeating: [], count: k + 1)
        let counts = targets.positiveCounts
        for row in 0..<targets.rows {
            var stratum = k
            for c in 0..<k where targets[row, c] {
                if stratum == k || counts[c] < counts[stratum] { stratum = c }
            }
            groups[stratum].append(row)
        }
        return groups.filter { !$0.isEmpty }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator with a fixed output
/// sequence, so splits do not depend on the standard library's shuffle algorithm.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (Lemire's multiply-shift with rejection).
    mutating func below(_ bound: Int) -> Int {
        let b = UInt64(bound)
        while true {
            let product = next().multipliedFullWidth(by: b)
            if product.low >= (0 &- b) % b { return Int(product.high) }
        }
    }

    /// Fisher–Yates shuffle.
    mutating func shuffle(_ values: inout [Int]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, below(i + 1))
        }
    }
}
