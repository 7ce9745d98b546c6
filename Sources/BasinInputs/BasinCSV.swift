public import Foundation
import GeoNetCDF

/// Reads per-basin daily forcings from CSV, in one of two layouts detected from the header:
///
/// - long: `basin_id,time,variable,value` (one value per row);
/// - wide: `basin_id,time,<variable>,…` (one row per basin and day).
///
/// Fields are separated by `,`, `;`, a tab or runs of spaces (detected from the header, see
/// ``Delimiter``). `time` (also accepted: `date`) is `YYYY-MM-DD` (a midnight time of day may follow). An
/// empty value, `NaN`, `NA` or `nan` is missing (NaN). Basin ids are text (leading zeros kept).
public enum BasinCSV {
    /// The two layouts.
    public enum Layout: String, Sendable { case long, wide }

    /// Reads a forcings CSV into a table (units nil: the mapping file declares them).
    /// - Throws: ``BasinInputError`` naming the file and line: unreadable file, unknown
    ///   layout, wrong field count, bad date, non-numeric value, duplicate row, no rows.
    public static func readForcings(_ url: URL) throws(BasinInputError) -> BasinTable {
        let path = url.path
        let lines = try readLines(url)
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
                    path, line: row.number,
                    "\(fields.count) fields where the header has \(columns.count)")
            }
            guard !fields[0].isEmpty else {
                throw BasinInputError(path, line: row.number, "empty basin id")
            }
            guard let day = BasinDay.parse(Substring(fields[1])) else {
                throw BasinInputError(
                    path, line: row.number, "bad date '\(fields[1])' (expected YYYY-MM-DD)")
            }
            let basin = builder.basin(fields[0])
            let cells: [(variable: Int, text: String)]
            switch layout {
            case .long:
                guard !fields[2].isEmpty else {
                    throw BasinInputError(path, line: row.number, "empty variable name")
                }
                cells = [(builder.variable(fields[2]), fields[3])]
            case .wide:
                cells = fields.dropFirst(2).enumerated().map { ($0.offset, $0.element) }
            }
            for cell in cells {
                guard let value = parseValue(cell.text) else {
                    throw BasinInputError(
                        path, line: row.number,
                        "non-numeric value '\(cell.text)' for \(builder.variables[cell.variable])")
                }
                if let previous = builder.add(
                    basin: basin, day: day, variable: cell.variable, value: value,
                    line: row.number)
                {
                    throw BasinInputError(
                        path, line: row.number,
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
        guard let header = try? readLines(url).first?.fields.first?.lowercased() else {
            return false
        }
        return header == "date" || header == "time"
    }

    /// One basin's wide series `date,<variable>,…`; the id is the file name's stem.
    static func readSingleBasin(_ lines: [Line], columns: [String], url: URL)
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
                    path, line: row.number,
                    "\(fields.count) fields where the header has \(columns.count)")
            }
            guard let day = BasinDay.parse(Substring(fields[0])) else {
                throw BasinInputError(
                    path, line: row.number, "bad date '\(fields[0])' (expected YYYY-MM-DD)")
            }
            try builder.addRow(
                fields.dropFirst(), basin: basin, day: day, dayText: fields[0], path: path,
                line: row.number)
        }
        return try builder.build(path: path)
    }

    /// The layout a header names.
    /// - Throws: ``BasinInputError`` when it is neither layout (naming what was found).
    public static func detectLayout(_ columns: [String], path: String)
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

    /// The field separator of a delimited text file, detected from its header line: a tab,
    /// else `;` (CAMELS attribute files, European spreadsheets), else `,`, else runs of spaces
    /// (fixed-width tables such as Daymet's).
    enum Delimiter: Sendable, Equatable {
        case character(Character)
        case whitespace

        static func detect(_ header: Substring) -> Delimiter {
            for candidate: Character in ["\t", ";", ","] where header.contains(candidate) {
                return .character(candidate)
            }
            return header.trimmingCharacters(in: .whitespaces).contains(" ")
                ? .whitespace : .character(",")
        }

        func split(_ text: Substring) -> [Substring] {
            switch self {
            case .character(let c): text.split(separator: c, omittingEmptySubsequences: false)
            case .whitespace: text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            }
        }
    }

    /// A non-empty line of a CSV file with its 1-based number.
    package struct Line {
        var number: Int
        var text: Substring
        /// The file's separator (detected from its header).
        var delimiter = Delimiter.character(",")
        /// The fields, trimmed, surrounding double quotes removed.
        package var fields: [String] {
            delimiter.split(text).map { raw in
                var f = raw.trimmingCharacters(in: .whitespaces)
                if f.count >= 2, f.hasPrefix("\""), f.hasSuffix("\"") {
                    f = String(f.dropFirst().dropLast())
                }
                return f
            }
        }
    }

    /// The file's non-blank lines (a UTF-8 byte-order mark and CR line ends tolerated).
    package static func readLines(_ url: URL) throws(BasinInputError) -> [Line] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw BasinInputError(url.path, "cannot read the file as UTF-8 text")
        }
        var lines: [Line] = []
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .enumerated()
        {
            var line = raw
            if line.hasSuffix("\r") { line = line.dropLast() }
            if i == 0, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            lines.append(Line(number: i + 1, text: line))
        }
        if let header = lines.first?.text {
            let delimiter = Delimiter.detect(header)
            for i in lines.indices { lines[i].delimiter = delimiter }
        }
        return lines
    }
}
