package import GeoNetCDF

extension BasinTable {
    /// The table restricted to `basins` (in that order) and the days `from…through`
    /// (inclusive; nil keeps the table's own first/last day). Days outside the table's range
    /// are NaN, so a window wider than the data is padded with missing days.
    /// - Parameters:
    ///   - path: names the forcings in errors.
    ///   - padMissingBasins: basins absent from the table are NaN instead of an error (a file
    ///     per basin).
    /// - Throws: ``BasinInputError`` listing every basin absent from the table, or a window
    ///   that ends before it starts.
    package func selecting(
        basins: [String], from: CFDate? = nil, through: CFDate? = nil, path: String,
        padMissingBasins: Bool = false
    ) throws(BasinInputError) -> BasinTable {
        let index = Dictionary(
            basinIDs.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let missing = basins.filter { index[$0] == nil }
        guard missing.isEmpty || padMissingBasins else {
            throw BasinInputError(
                path,
                "no forcings for basins " + missing.joined(separator: ", ")
                    + BasinIDHints.leadingZeros(missing: missing, available: basinIDs))
        }
        guard let first = dates.first.flatMap(BasinDay.number) else {
            throw BasinInputError(path, "no days")
        }
        let start = from.flatMap(BasinDay.number) ?? first
        let end = through.flatMap(BasinDay.number) ?? (first + dayCount - 1)
        guard end >= start else {
            throw BasinInputError(
                path, "the window \(BasinDay.date(start)) … \(BasinDay.date(end)) is empty")
        }
        let days = end - start + 1
        var out = [Float](repeating: .nan, count: variables.count * basins.count * days)
        for v in variables.indices {
            for (b, id) in basins.enumerated() {
                guard let source = index[id] else { continue }
                for d in 0..<days {
                    let t = start + d - first
                    guard t >= 0, t < dayCount else { continue }
                    out[(v * basins.count + b) * days + d] =
                        self[variable: v, basin: source, day: t]
                }
            }
        }
        return BasinTable(
            basinIDs: basins, dates: (start...end).map(BasinDay.date), variables: variables,
            units: units, values: out)
    }
}
