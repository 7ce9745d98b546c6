import BasinInputs

/// The default end of a basin period: the last day every needed forcing covers for every
/// basin (docs/basin-inputs.md, "Period"), not the end of the longest record.
extension BasinInputAssembler {
    /// Cuts `table` after the last day on which every forcing's record reaches for every basin
    /// that has some value of every forcing over `outputDays` (basins in `excluded` — those
    /// with a problem already — and basins missing a forcing altogether do not limit it).
    ///
    /// A basin's record of a variable reaches to its last non-missing day; missing days inside
    /// a record do not shorten it.
    /// - Returns: the note that names the basins whose forcings go on later (nil when no day
    ///   is cut).
    static func cutToCommonEnd(
        _ table: inout BasinTable, outputDays: Range<Int>, excluded: Set<Int>
    ) -> String? {
        guard !outputDays.isEmpty else { return nil }
        var ends: [(basin: Int, end: Int)] = []
        for b in table.basinIDs.indices where !excluded.contains(b) {
            var end = Int.max
            for v in table.variables.indices {
                var last: Int?
                for d in outputDays.reversed() where !table[variable: v, basin: b, day: d].isNaN {
                    last = d
                    break
                }
                guard let last else {
                    end = -1
                    break
                }
                end = min(end, last)
            }
            if end >= 0 { ends.append((b, end)) }
        }
        guard let common = ends.map(\.end).min(), common < outputDays.upperBound - 1 else {
            return nil
        }
        let later = ends.filter { $0.end > common }.map { table.basinIDs[$0.basin] }
        let limiting = ends.filter { $0.end == common }.map { table.basinIDs[$0.basin] }
        let latest = table.dates[ends.map(\.end).max() ?? common]
        let end = table.dates[common]
        table = table.days(0...common)
        func list(_ ids: [String]) -> String {
            ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? ", …" : "")
        }
        return "the period ends on \(end), the last day every needed forcing covers for every "
            + "basin (limited by \(list(limiting))); \(later.count) basin(s) have forcings to "
            + "later days (\(list(later)); up to \(latest)): give --end \(latest) to predict "
            + "those days (the other basins' days are then missing)"
    }
}
