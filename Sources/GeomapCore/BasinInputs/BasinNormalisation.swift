public import Models

/// The model's normalisation `(x − mean) / std` applied to mapped inputs. NaN stays NaN
/// (the model masks it); ``Normalised/missingDays`` flags every (basin, day) with a NaN.
public enum BasinNormalisation {
    /// Normalised forcings and which days are incomplete.
    public struct Normalised: Sendable {
        public var table: BasinTable
        /// `[basins × days]`: true where any variable is missing.
        public var missingDays: [Bool]
        /// Count of flagged (basin, day) pairs.
        public var missingDayCount: Int { missingDays.reduce(0) { $0 + ($1 ? 1 : 0) } }
    }

    /// Normalises every variable of `table` with `statistics`.
    /// - Parameter source: names the statistics in errors (the model file).
    /// - Throws: ``BasinInputError`` listing every variable without statistics.
    public static func apply(
        _ table: BasinTable, statistics: [String: StefaLandStatistics.Entry], source: String
    ) throws(BasinInputError) -> Normalised {
        let entries = try lookup(table.variables, statistics, source: source)
        var out = table
        let block = table.basinIDs.count * table.dayCount
        var missing = [Bool](repeating: false, count: block)
        for (v, entry) in entries.enumerated() {
            for i in 0..<block {
                let x = table.values[v * block + i]
                if x.isNaN {
                    missing[i] = true
                } else {
                    out.values[v * block + i] = Float((Double(x) - entry.mean) / entry.std)
                }
            }
        }
        return Normalised(table: out, missingDays: missing)
    }

    /// Normalises static attributes; NaN stays NaN.
    /// - Throws: ``BasinInputError`` listing every attribute without statistics.
    public static func apply(
        _ attributes: BasinAttributes, statistics: [String: StefaLandStatistics.Entry],
        source: String
    ) throws(BasinInputError) -> BasinAttributes {
        let entries = try lookup(attributes.attributes, statistics, source: source)
        var out = attributes
        let n = attributes.basinIDs.count
        for (a, entry) in entries.enumerated() {
            for b in 0..<n where !out.values[a * n + b].isNaN {
                out.values[a * n + b] = Float(
                    (Double(out.values[a * n + b]) - entry.mean) / entry.std)
            }
        }
        return out
    }

    static func lookup(
        _ names: [String], _ statistics: [String: StefaLandStatistics.Entry], source: String
    ) throws(BasinInputError) -> [StefaLandStatistics.Entry] {
        let missing = names.filter { statistics[$0] == nil }
        guard missing.isEmpty else {
            throw BasinInputError(
                source, "no normalisation statistics for " + missing.joined(separator: ", "))
        }
        let bad = names.filter { !(statistics[$0]!.std > 0 && statistics[$0]!.mean.isFinite) }
        guard bad.isEmpty else {
            throw BasinInputError(
                source,
                "unusable statistics (need a finite mean and a positive std) for "
                    + bad.joined(separator: ", "))
        }
        return names.map { statistics[$0]! }
    }
}
