package import Foundation
import GeoNetCDF

/// USGS daily streamflow in the CAMELS-US layout that neuralhydrology reads
/// (`usgs_streamflow/<huc>/<gauge_id>_streamflow_qc.txt`), one basin per file:
///
/// ```
/// 01013500 1980 01 01   655.00 A
/// 01013500 1980 01 02 -999.00 M
/// ```
///
/// Fields (separated by spaces or tabs): the gauge id, year, month, day, the discharge in cubic
/// feet per second and a quality flag (`A` approved, `A:e` approved but estimated, `M`
/// missing). A value flagged `M` or equal to −999 (CAMELS's missing marker) is missing. The
/// series is named `streamflow`, in `ft3 s-1`; the basin id is the file's first field (text,
/// leading zeros kept).
package enum BasinCamelsStreamflow {
    /// The series name and unit of the table read.
    package static let variable = "streamflow"
    package static let units = "ft3 s-1"
    /// CAMELS's missing marker.
    static let missingMarker = -999.0

    /// The fields of a data row: id, date, value and flag; nil when the line is no such row.
    static func row(_ fields: [String]) -> (
        id: String, year: Int, month: Int, day: Int,
        value: Double, flag: String
    )? {
        guard fields.count == 5 || fields.count == 6, let year = Int(fields[1]),
            let month = Int(fields[2]), let day = Int(fields[3]), let value = Double(fields[4])
        else { return nil }
        return (
            fields[0], year, month, day, value, fields.count == 6 ? fields[5] : ""
        )
    }

    /// Whether `url` looks like such a file: its first line is a data row.
    package static func recognises(_ url: URL) -> Bool {
        guard let first = try? BasinCSV.readRecords(url, delimiter: .whitespace, limit: 1).first
        else {
            return false
        }
        return row(first.fields) != nil
    }

    /// The basin's series: one basin, variable ``variable`` in ``units``, missing values NaN.
    /// - Throws: ``BasinInputError`` naming the file and line: a line that is no data row, a
    ///   bad date, a second gauge id, a day given twice, no rows.
    package static func read(_ url: URL) throws(BasinInputError) -> BasinTable {
        let path = url.path
        var builder = BasinTableBuilder(variables: [variable], units: [units])
        var gauge: String?
        for line in try BasinCSV.readRecords(url, delimiter: .whitespace) {
            guard let row = row(line.fields) else {
                throw BasinInputError(
                    path, line: line.line,
                    "not a CAMELS streamflow row (expected 'gauge_id year month day Q flag')")
            }
            if let gauge, gauge != row.id {
                throw BasinInputError(
                    path, line: line.line,
                    "gauge \(row.id) in a file of gauge \(gauge) (one gauge per file)")
            }
            gauge = row.id
            let text = String(format: "%04d-%02d-%02d", row.year, row.month, row.day)
            guard let date = CFDate(day: text, calendar: .prolepticGregorian),
                let day = BasinDay.number(date)
            else {
                throw BasinInputError(
                    path, line: line.line, "bad date '\(row.year) \(row.month) \(row.day)'")
            }
            let missing = row.flag.uppercased().hasPrefix("M") || row.value == missingMarker
            let value = Float(row.value)
            let kept = missing || !CFFloatMissing.isPhysical(value) ? Float.nan : value
            let basin = builder.basin(row.id)
            if let previous = builder.add(
                basin: basin, day: day, variable: 0, value: kept, line: line.line)
            {
                throw BasinInputError(
                    path, line: line.line, "duplicate date \(text) (already on line \(previous))")
            }
        }
        return try builder.build(path: path)
    }
}
