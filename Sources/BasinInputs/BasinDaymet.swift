package import Foundation
import GeoNetCDF

/// Reads one basin's daily forcings in the CAMELS-US layout that neuralhydrology uses (Daymet,
/// Maurer or NLDAS `*_forcing_leap.txt`, one file per basin):
///
/// ```
/// 44.60797                       ← latitude of the gauge
/// 92                             ← elevation (m)
/// 573663078                      ← area (m²)
/// Year Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)
/// 1980 01 01 12 30172.51 0.00 153.40 0.00 -6.54 -16.30 171.69
/// ```
///
/// Columns are separated by spaces or tabs. The variables are named without their units
/// (`dayl`, `prcp`, …); each unit is the text in parentheses and goes through the unit table
/// (``BasinUnit``) like any declared unit. The basin id is the file name up to the first `_`
/// (`01022500_lump_cida_forcing_leap.txt` → `01022500`, leading zeros kept).
package enum BasinDaymet {
    /// Whether `url` looks like such a file: a header line starting `Year Mnth Day` within the
    /// first five lines.
    package static func recognises(_ url: URL) -> Bool {
        guard let lines = try? BasinCSV.readRecords(url, delimiter: .whitespace, limit: 5) else {
            return false
        }
        return lines.prefix(5).contains { isHeader($0.fields) }
    }

    static func isHeader(_ fields: [String]) -> Bool {
        fields.prefix(3).map { $0.lowercased() } == ["year", "mnth", "day"]
    }

    /// The basin's table: one basin, the file's variables with their declared units.
    /// - Throws: ``BasinInputError`` naming the file and line: no `Year Mnth Day` header, a
    ///   file name without an id, a wrong field count, a bad date or a non-numeric value.
    package static func read(_ url: URL) throws(BasinInputError) -> BasinTable {
        let path = url.path
        let lines = try BasinCSV.readRecords(url, delimiter: .whitespace)
        guard let h = lines.prefix(5).firstIndex(where: { isHeader($0.fields) }) else {
            throw BasinInputError(
                path,
                "no 'Year Mnth Day …' header line in the first 5 lines (CAMELS forcing "
                    + "layout expected)")
        }
        let id = String(url.lastPathComponent.prefix { $0 != "_" && $0 != "." })
        guard !id.isEmpty else {
            throw BasinInputError(
                path, "the file name does not start with a basin id (e.g. 01022500_…)")
        }
        let columns = lines[h].fields
        // Year Mnth Day [Hr] then the variables.
        let first = columns.count > 3 && columns[3].lowercased() == "hr" ? 4 : 3
        var names: [String] = []
        var units: [String?] = []
        for column in columns.dropFirst(first) {
            if let open = column.firstIndex(of: "("), column.hasSuffix(")") {
                names.append(String(column[..<open]))
                units.append(
                    String(
                        column[column.index(after: open)..<column.index(before: column.endIndex)]))
            } else {
                names.append(column)
                units.append(nil)
            }
        }
        var builder = BasinTableBuilder(variables: names, units: units)
        let basin = builder.basin(id)
        for row in lines.dropFirst(h + 1) {
            let fields = row.fields
            guard fields.count == columns.count else {
                throw BasinInputError(
                    path, line: row.line,
                    "\(fields.count) fields where the header has \(columns.count)")
            }
            guard let y = Int(fields[0]), let m = Int(fields[1]), let d = Int(fields[2]),
                let date = CFDate(
                    day: String(format: "%04d-%02d-%02d", y, m, d),
                    calendar: .prolepticGregorian),
                let day = BasinDay.number(date)
            else {
                throw BasinInputError(
                    path, line: row.line, "bad date '\(fields[0]) \(fields[1]) \(fields[2])'")
            }
            try builder.addRow(
                fields.dropFirst(first), basin: basin, day: day,
                dayText: String(format: "%04d-%02d-%02d", y, m, d), path: path, line: row.line)
        }
        return try builder.build(path: path)
    }
}
