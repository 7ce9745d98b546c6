package import CSVFiles
package import Foundation
import GeoNetCDF

/// Reads per-basin daily forcings from CSV, in one of two layouts detected from the header:
///
/// - long: `basin_id,time,variable,value` (one value per row);
/// - wide: `basin_id,time,<variable>,…` (one row per basin and day).
///
/// Fields are separated by `,`, `;`, a tab or runs of spaces (detected from the header, see
/// ``readRecords(_:delimiter:)``); a field may be quoted (RFC 4180). `time` (also accepted: `date`) is `YYYY-MM-DD` (a midnight time of day may follow). An
/// empty value, `NaN`, `NA` or `nan` is missing (NaN). Basin ids are text (leading zeros kept).
package enum BasinCSV {
    /// The two layouts.
    package enum Layout: String, Sendable { case long, wide }

    /// Reads a forcings CSV into a table (units nil: the mapping file declares them).
    /// - Throws: ``BasinInputError`` naming the file and line: unreadable file, unknown
    ///   layout, wrong field count, bad date, non-numeric value, duplicate row, no rows.
    package static func readForcings(_ url: URL) throws(BasinInputError) -> BasinTable {
        let path = url.path
        let lines = try readRecords(url)
        guard let header = lines.first else { throw BasinInputError(path, "the file is empty") }
        let columns = header.fields
        if let first = columns.first?.lowercased(), first == "date" || first == "time" {
            return try readSingleBasin(lines, columns: columns, url: url)
        }
        let layout = try detectLayout(columns, path: path)
        var builder = BasinTableBuilder(
            variables: layout == .wide ? Array(columns.dropFirst(2)) : [],
            units: layout == .wide ? Array(repeating: nil, count: columns.count - 2) : [])
        for row in lines.dropFirst() {
            let fields = row.fields
            guard fields.count == columns.count else {
                throw BasinInputError(
                    path, line: row.line,
                    "\(fields.count) fields where the header has \(columns.count)")
            }
            guard !fields[0].isEmpty else {
                throw BasinInputError(path, line: row.line, "empty basin id")
            }
            guard let day = BasinDay.parse(Substring(fields[1])) else {
                throw BasinInputError(
                    path, line: row.line, "bad date '\(fields[1])' (expected YYYY-MM-DD)")
            }
            let basin = builder.basin(fields[0])
            let cells: [(variable: Int, text: String)]
            switch layout {
            case .long:
                guard !fields[2].isEmpty else {
                    throw BasinInputError(path, line: row.line, "empty variable name")
                }
                cells = [(builder.variable(fields[2]), fields[3])]
            case .wide:
                cells = fields.dropFirst(2).enumerated().map { ($0.offset, $0.element) }
            }
            for cell in cells {
                guard let value = parseValue(cell.text) else {
                    throw BasinInputError(
                        path, line: row.line,
                        "non-numeric value '\(cell.text)' for \(builder.variables[cell.variable])")
                }
                if let previous = builder.add(
                    basin: basin, day: day, variable: cell.variable, value: value,
                    line: row.line)
                {
                    throw BasinInputError(
                        path, line: row.line,
                        "duplicate row: basin \(fields[0]), \(fields[1]), "
                            + "\(builder.variables[cell.variable]) already given on line "
                            + "\(previous)")
                }
            }
        }
        return try builder.build(path: path)
    }

    /// Whether the header of `lines` starts with `date` or `time`: one basin's series, as
    /// Caravan writes them (`timeseries/csv/camels/camels_01022500.csv`), the basin id being
    /// the file name without its extension.
    package static func isSingleBasin(_ url: URL) -> Bool {
        guard let header = try? readRecords(url, limit: 1).first?.fields.first?.lowercased()
        else {
            return false
        }
        return header == "date" || header == "time"
    }

    /// One basin's wide series `date,<variable>,…`; the id is the file name's stem.
    static func readSingleBasin(_ lines: [CSVRecord], columns: [String], url: URL)
        throws(BasinInputError) -> BasinTable
    {
        let path = url.path
        let names = Array(columns.dropFirst())
        guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
            throw BasinInputError(path, line: 1, "a column after \(columns[0]) has no name")
        }
        var builder = BasinTableBuilder(
            variables: names, units: Array(repeating: nil, count: names.count))
        let basin = builder.basin(url.deletingPathExtension().lastPathComponent)
        for row in lines.dropFirst() {
            let fields = row.fields
            guard fields.count == columns.count else {
                throw BasinInputError(
                    path, line: row.line,
                    "\(fields.count) fields where the header has \(columns.count)")
            }
            guard let day = BasinDay.parse(Substring(fields[0])) else {
                throw BasinInputError(
                    path, line: row.line, "bad date '\(fields[0])' (expected YYYY-MM-DD)")
            }
            try builder.addRow(
                fields.dropFirst(), basin: basin, day: day, dayText: fields[0], path: path,
                line: row.line)
        }
        return try builder.build(path: path)
    }

    /// The layout a header names.
    /// - Throws: ``BasinInputError`` when it is neither layout (naming what was found).
    package static func detectLayout(_ columns: [String], path: String)
        throws(BasinInputError) -> Layout
    {
        let lower = columns.map { $0.lowercased() }
        guard lower.count >= 3, isBasinColumn(lower[0]), lower[1] == "time" || lower[1] == "date"
        else {
            throw BasinInputError(
                path, line: 1,
                "unknown layout: header '\(columns.joined(separator: ","))'; expected "
                    + "basin_id,time,variable,value (long) or basin_id,time,<variable>,… (wide)")
        }
        if lower.count == 4, lower[2] == "variable", lower[3] == "value" { return .long }
        let names = columns.dropFirst(2)
        if let empty = names.firstIndex(where: \.isEmpty) {
            throw BasinInputError(path, line: 1, "column \(empty + 1) has no name")
        }
        if let duplicate = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw BasinInputError(path, line: 1, "column '\(duplicate)' appears twice")
        }
        return .wide
    }

    static func isBasinColumn(_ name: String) -> Bool {
        ["basin_id", "basin", "gauge_id", "station_id", "id"].contains(name)
    }

    /// A number, or NaN for the missing markers and for values that are not physical (±Inf,
    /// beyond ±``GeoNetCDF/CFFloatMissing/magnitudeLimit``); nil when not a number.
    static func parseValue(_ text: String) -> Float? {
        if text.isEmpty || ["nan", "na", "n/a"].contains(text.lowercased()) { return .nan }
        guard let value = Double(text) else { return nil }
        let float = Float(value)
        return CFFloatMissing.isPhysical(float) ? float : .nan
    }

    /// The file's records (``CSVFiles/CSVReader``: RFC 4180 quoting, a UTF-8 byte-order mark
    /// and CR line ends tolerated, blank lines skipped), each field trimmed of spaces.
    /// - Parameters:
    ///   - delimiter: `nil` detects `,`, `;`, a tab or runs of spaces from the header
    ///     (``CSVFiles/CSVDelimiter/detect(header:)``).
    ///   - limit: only the first `limit` records (a format check), the rest not parsed.
    /// - Throws: ``BasinInputError`` naming the file (and the line of a broken quote).
    package static func readRecords(
        _ url: URL, delimiter: CSVDelimiter? = nil, limit: Int? = nil
    ) throws(BasinInputError) -> [CSVRecord] {
        do {
            return try CSVReader.records(of: url, delimiter: delimiter, limit: limit).map {
                record in
                CSVRecord(
                    line: record.line,
                    fields: record.fields.map { $0.trimmingCharacters(in: .whitespaces) })
            }
        } catch {
            throw BasinInputError(url.path, line: error.line, error.problem)
        }
    }
}
