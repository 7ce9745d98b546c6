package import GeoNetCDF

/// Per-basin daily series: `values[variable][basin][day]`, Float32, NaN where missing.
///
/// Days are contiguous (one per calendar day, proleptic Gregorian) from ``dates``' first to
/// last; days a source did not give are NaN. ``units`` holds each variable's unit as declared
/// by the source (nil when the source did not say).
package struct BasinTable: Sendable, Equatable {
    package var basinIDs: [String]
    /// One date per day, midnight.
    package var dates: [CFDate]
    package var variables: [String]
    package var units: [String?]
    /// `[variables.count × basinIDs.count × dates.count]`, day fastest.
    package var values: [Float]

    package init(
        basinIDs: [String], dates: [CFDate], variables: [String], units: [String?],
        values: [Float]
    ) {
        precondition(values.count == variables.count * basinIDs.count * dates.count)
        precondition(units.count == variables.count)
        self.basinIDs = basinIDs
        self.dates = dates
        self.variables = variables
        self.units = units
        self.values = values
    }

    package var dayCount: Int { dates.count }

    /// The flat index of (variable, basin, day).
    @inline(__always)
    package func index(variable v: Int, basin b: Int, day d: Int) -> Int {
        (v * basinIDs.count + b) * dates.count + d
    }

    package subscript(variable v: Int, basin b: Int, day d: Int) -> Float {
        get { values[index(variable: v, basin: b, day: d)] }
        set { values[index(variable: v, basin: b, day: d)] = newValue }
    }

    /// One variable's series for one basin: `[days]`.
    package func series(_ variable: String, basin: String) -> [Float]? {
        guard let v = variables.firstIndex(of: variable),
            let b = basinIDs.firstIndex(of: basin)
        else { return nil }
        let start = index(variable: v, basin: b, day: 0)
        return Array(values[start..<(start + dates.count)])
    }

    /// The table restricted to the days `range` (indices into ``dates``).
    package func days(_ range: ClosedRange<Int>) -> BasinTable {
        precondition(range.lowerBound >= 0 && range.upperBound < dates.count)
        var kept: [Float] = []
        kept.reserveCapacity(variables.count * basinIDs.count * range.count)
        for v in variables.indices {
            for b in basinIDs.indices {
                let start = index(variable: v, basin: b, day: 0)
                kept += values[(start + range.lowerBound)...(start + range.upperBound)]
            }
        }
        return BasinTable(
            basinIDs: basinIDs, dates: Array(dates[range]), variables: variables, units: units,
            values: kept)
    }

    /// Number of NaN values per variable, in ``variables`` order.
    package var missingCounts: [Int] {
        let block = basinIDs.count * dates.count
        return variables.indices.map { v in
            values[(v * block)..<((v + 1) * block)].reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
        }
    }
}

/// Day numbers for the table's contiguous calendar (proleptic Gregorian).
package enum BasinDay {
    static let calendar = CFCalendar.prolepticGregorian

    package static func number(_ d: CFDate) -> Int? {
        calendar.dayNumber(year: d.year, month: d.month, day: d.day)
    }

    package static func date(_ n: Int) -> CFDate {
        let (y, m, d) = calendar.date(dayNumber: n)
        return CFDate(year: y, month: m, day: d)
    }

    /// Parses `YYYY-MM-DD`, optionally followed by `T…` or ` …` time of day at midnight.
    static func parse(_ text: Substring) -> Int? {
        var core = text
        if let cut = text.firstIndex(where: { $0 == "T" || $0 == " " }) {
            let rest = text[text.index(after: cut)...]
            guard rest.allSatisfy({ "0:.Z".contains($0) }) else { return nil }
            core = text[..<cut]
        }
        guard let date = CFDate(day: core, calendar: calendar) else { return nil }
        return number(date)
    }
}

/// Collects (basin, day, variable, value) records into a ``BasinTable``.
struct BasinTableBuilder {
    var basinIDs: [String] = []
    var basinIndex: [String: Int] = [:]
    var variables: [String]
    var units: [String?]
    var records: [(basin: Int, day: Int, variable: Int, value: Float)] = []
    var seen: [Key: Int] = [:]

    struct Key: Hashable {
        var basin: Int
        var day: Int
        var variable: Int
    }

    init(variables: [String], units: [String?]) {
        self.variables = variables
        self.units = units
    }

    mutating func variable(_ name: String) -> Int {
        if let v = variables.firstIndex(of: name) { return v }
        variables.append(name)
        units.append(nil)
        return variables.count - 1
    }

    mutating func basin(_ id: String) -> Int {
        if let b = basinIndex[id] { return b }
        basinIDs.append(id)
        basinIndex[id] = basinIDs.count - 1
        return basinIDs.count - 1
    }

    /// Adds a record; returns the line it duplicates, if any.
    mutating func add(basin: Int, day: Int, variable: Int, value: Float, line: Int) -> Int? {
        let key = Key(basin: basin, day: day, variable: variable)
        if let previous = seen[key] { return previous }
        seen[key] = line
        records.append((basin, day, variable, value))
        return nil
    }

    /// Adds one wide row: `texts[v]` is the value of variable `v` for `basin` on `day`
    /// (``BasinCSV/parseValue(_:)``). `dayText` names the day in messages.
    /// - Throws: ``BasinInputError`` for a non-numeric value or a day given twice, naming the
    ///   line.
    mutating func addRow<Texts: Sequence>(
        _ texts: Texts, basin: Int, day: Int, dayText: String, path: String, line: Int
    ) throws(BasinInputError) where Texts.Element: StringProtocol {
        for (v, text) in texts.enumerated() {
            guard let value = BasinCSV.parseValue(String(text)) else {
                throw BasinInputError(
                    path, line: line, "non-numeric value '\(text)' for \(variables[v])")
            }
            if let previous = add(basin: basin, day: day, variable: v, value: value, line: line) {
                throw BasinInputError(
                    path, line: line, "duplicate date \(dayText) (already on line \(previous))")
            }
        }
    }

    func build(path: String) throws(BasinInputError) -> BasinTable {
        guard let first = records.map(\.day).min(), let last = records.map(\.day).max() else {
            throw BasinInputError(path, "no data rows")
        }
        let days = last - first + 1
        var values = [Float](repeating: .nan, count: variables.count * basinIDs.count * days)
        for r in records {
            values[(r.variable * basinIDs.count + r.basin) * days + r.day - first] = r.value
        }
        return BasinTable(
            basinIDs: basinIDs, dates: (first...last).map(BasinDay.date), variables: variables,
            units: units, values: values)
    }
}
