/// The statistics `geomap zonal` computes per basin and time step, with exactextract's
/// definitions. With cell weights `w` (coverage fraction, or coverage × cell area with
/// `--area-weighted`) over the basin's cells whose value `x` is not missing:
///
/// - `mean` = Σ w·x / Σ w
/// - `sum` = Σ w·x
/// - `count` = Σ w
/// - `stdev` = √(Σ w·(x − mean)² / Σ w), the weighted population standard deviation
/// - `min`, `max` over the cells with coverage > 0 (unweighted)
/// - `majority`: the value with the largest Σ w (ties: the smallest value)
/// - `frac`: for each class value k, Σ w over cells equal to k / Σ w (one column `frac_k` each)
/// - `valid_share`: Σ w over non-missing cells / Σ w over all the basin's cells on the grid
///
/// A basin with no valid cell gets NaN for every statistic except `count`, `sum` and
/// `valid_share`, which are 0.
package enum ZonalStatistic: String, CaseIterable, Sendable, Hashable {
    case mean, sum, min, max, stdev, count, majority, frac
    case validShare = "valid_share"

    /// Statistics the fast time-step path computes from Σ w and Σ w·x alone.
    var isLinear: Bool {
        switch self {
        case .mean, .sum, .count, .validShare: true
        default: false
        }
    }

    /// The column name of class `value` for `frac` (`frac_3`, `frac_0.5`).
    package static func fracName(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return "frac_\(Int(value))" }
        return "frac_\(value)"
    }
}

/// Aggregated values of one slab (some time steps) or one static field: `columns[i].values` is `[steps × basins]` (step-major).
package struct ZonalValues: Sendable {
    package struct Column: Sendable {
        /// Statistic name (`mean`, `frac_3`, …).
        package var name: String
        /// `[steps × basins]`, NaN where undefined.
        package var values: [Double]
    }

    package var steps: Int
    package var basins: Int
    package var columns: [Column]
    /// `[basins]` number of steps at which a basin touching the grid had no valid cell (its
    /// statistics are NaN there).
    package var allMissingSteps: [Int]

    /// The value of column `name` for `basin` at `step`, or `nil` if there is no such column.
    package func value(_ name: String, basin: Int, step: Int = 0) -> Double? {
        columns.first { $0.name == name }.map { $0.values[step * basins + basin] }
    }
}
