package import Foundation

/// Static basin attributes from a CSV keyed by basin id: `basin_id,<attribute>,…`.
/// `values[attribute][basin]` in the order asked for; an empty or `NaN` cell is NaN.
package struct BasinAttributes: Sendable, Equatable {
    package var basinIDs: [String]
    package var attributes: [String]
    /// `[attributes.count × basinIDs.count]`, basin fastest.
    package var values: [Float]

    package init(basinIDs: [String], attributes: [String], values: [Float]) {
        self.basinIDs = basinIDs
        self.attributes = attributes
        self.values = values
    }

    package func value(_ attribute: String, basin: String) -> Float? {
        guard let a = attributes.firstIndex(of: attribute),
            let b = basinIDs.firstIndex(of: basin)
        else { return nil }
        return values[a * basinIDs.count + b]
    }

    /// Reads the attributes `names` for `basins` from `url`.
    /// - Throws: ``BasinInputError``: unreadable file, header without a basin id column,
    ///   wrong field count, non-numeric value or duplicate basin (naming the line), and one
    ///   error listing every attribute and every basin that is missing.
    package static func read(_ url: URL, attributes names: [String], basins: [String])
        throws(BasinInputError) -> BasinAttributes
    {
        let path = url.path
        let lines = try BasinCSV.readRecords(url)
        guard let header = lines.first else { throw BasinInputError(path, "the file is empty") }
        let columns = header.fields
        guard let first = columns.first, BasinCSV.isBasinColumn(first.lowercased()) else {
            throw BasinInputError(
                path, line: 1, "the first column must be basin_id (found '\(columns.first ?? "")')")
        }
        let missingAttributes = names.filter { !columns.dropFirst().contains($0) }
        var rows: [String: [String]] = [:]
        var rowLine: [String: Int] = [:]
        for row in lines.dropFirst() {
            let fields = row.fields
            guard fields.count == columns.count else {
                throw BasinInputError(
                    path, line: row.line,
                    "\(fields.count) fields where the header has \(columns.count)")
            }
            if let previous = rowLine[fields[0]] {
                throw BasinInputError(
                    path, line: row.line,
                    "duplicate basin \(fields[0]) (already on line \(previous))")
            }
            rows[fields[0]] = fields
            rowLine[fields[0]] = row.line
        }
        let missingBasins = basins.filter { rows[$0] == nil }
        if !missingAttributes.isEmpty || !missingBasins.isEmpty {
            var parts: [String] = []
            if !missingAttributes.isEmpty {
                parts.append("missing attributes: " + missingAttributes.joined(separator: ", "))
            }
            if !missingBasins.isEmpty {
                parts.append(
                    "missing basins: " + missingBasins.joined(separator: ", ")
                        + BasinIDHints.leadingZeros(missing: missingBasins, available: rows.keys))
            }
            throw BasinInputError(path, parts.joined(separator: "; "))
        }
        var values: [Float] = []
        values.reserveCapacity(names.count * basins.count)
        for name in names {
            let column = columns.firstIndex(of: name)!
            for basin in basins {
                let text = rows[basin]![column]
                guard let value = BasinCSV.parseValue(text) else {
                    throw BasinInputError(
                        path, line: rowLine[basin],
                        "non-numeric value '\(text)' for \(name) of basin \(basin)")
                }
                values.append(value)
            }
        }
        return BasinAttributes(basinIDs: basins, attributes: names, values: values)
    }
}
