public import Foundation

/// The user's variable mapping file (JSON, see `docs/basin-inputs.md`):
///
/// ```json
/// {"forcings": {"pr": {"to": "P", "units": "kg m-2 day-1"},
///               "tasmax": {"to": "Tmax", "units": "K"}},
///  "attributes": {"elev_mean": {"to": "elevation", "units": "m"}}}
/// ```
///
/// Keys are the user's names (columns / netCDF variables); `to` is the model variable;
/// `units` is the user's unit (optional for netCDF sources whose variable has a `units`
/// attribute). Only the conversions of ``BasinUnit`` are made.
public struct VariableMapping: Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var to: String
        public var units: String?

        public init(to: String, units: String? = nil) {
            self.to = to
            self.units = units
        }
    }

    /// User forcing name → entry.
    public var forcings: [String: Entry]
    /// User attribute name → entry.
    public var attributes: [String: Entry]
    /// The file it came from (for messages).
    public var path: String

    public init(
        forcings: [String: Entry], attributes: [String: Entry] = [:], path: String = "mapping"
    ) {
        self.forcings = forcings
        self.attributes = attributes
        self.path = path
    }

    private struct File: Codable {
        var forcings: [String: Entry]?
        var attributes: [String: Entry]?
    }

    /// Reads a mapping file.
    /// - Throws: ``BasinInputError`` naming the file: unreadable, not JSON of that form, or
    ///   two user names mapped to one model variable.
    public init(contentsOf url: URL) throws(BasinInputError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw BasinInputError(url.path, "cannot read the variable mapping file")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw BasinInputError(
                url.path,
                "not a variable mapping of the form {\"forcings\": {\"NAME\": {\"to\": \"MODEL\", "
                    + "\"units\": \"UNIT\"}, …}, \"attributes\": {…}}")
        }
        self.init(
            forcings: file.forcings ?? [:], attributes: file.attributes ?? [:], path: url.path)
        for (kind, table) in [("forcings", forcings), ("attributes", attributes)] {
            let byTarget = Dictionary(grouping: table.keys.sorted()) { table[$0]!.to }
            if let (target, sources) = byTarget.sorted(by: { $0.key < $1.key })
                .first(where: { $0.value.count > 1 })
            {
                throw BasinInputError(
                    url.path,
                    "\(kind): \(sources.joined(separator: ", ")) all map to \(target)")
            }
        }
    }

    /// The conversion for one mapped variable.
    /// - Parameters:
    ///   - sourceUnit: the unit the mapping declares, else the one the file declares.
    ///   - modelUnit: the unit the model expects (nil: the model records none; no conversion).
    static func conversion(
        source: String, sourceUnit: String?, target: String, modelUnit: String?, path: String
    ) throws(BasinInputError) -> UnitConversion? {
        guard let modelUnit else { return nil }
        guard let sourceUnit else {
            throw BasinInputError(
                path, "no unit declared for \(source) (the model wants \(target) in \(modelUnit))")
        }
        guard let from = BasinUnit(parsing: sourceUnit) else {
            throw BasinInputError(path, "unknown unit '\(sourceUnit)' for \(source)")
        }
        guard let to = BasinUnit(parsing: modelUnit) else {
            throw BasinInputError(path, "unknown model unit '\(modelUnit)' for \(target)")
        }
        guard let conversion = UnitConversion(from: from, to: to) else {
            throw BasinInputError(
                path, "cannot convert \(source) from \(from) to \(to) for \(target)")
        }
        return conversion
    }

    /// The model's forcings from a table of the user's: `[model variables × basins × days]`,
    /// converted into the model's units.
    /// - Parameters:
    ///   - modelVariables: the model's forcing names, in model order.
    ///   - modelUnits: the unit each model variable expects (absent: no unit check).
    /// - Throws: ``BasinInputError`` listing every model variable with no source at once, an
    ///   unknown unit, an unconvertible pair, or a mapping unit contradicting the file's.
    public func mapForcings(
        _ table: BasinTable, modelVariables: [String], modelUnits: [String: String]
    ) throws(BasinInputError) -> BasinTable {
        let sourceOf = Dictionary(
            uniqueKeysWithValues: forcings.map { ($0.value.to, $0.key) })
        let missing = modelVariables.filter { target in
            guard let source = sourceOf[target] else { return true }
            return !table.variables.contains(source)
        }
        guard missing.isEmpty else {
            let details = missing.map { target in
                sourceOf[target].map { "\(target) (mapped from \($0), absent from the data)" }
                    ?? target
            }
            throw BasinInputError(
                path, "no source for model forcings: " + details.joined(separator: ", "))
        }
        let perVariable = table.basinIDs.count * table.dayCount
        var values: [Float] = []
        values.reserveCapacity(modelVariables.count * perVariable)
        var units: [String?] = []
        for target in modelVariables {
            let source = sourceOf[target]!
            let v = table.variables.firstIndex(of: source)!
            let declared = forcings[source]!.units
            let fileUnit = table.units[v]
            if let declared, let fileUnit,
                BasinUnit(parsing: declared) != BasinUnit(parsing: fileUnit)
                    || BasinUnit(parsing: declared) == nil
            {
                if BasinUnit.normalise(declared) != BasinUnit.normalise(fileUnit) {
                    throw BasinInputError(
                        path,
                        "\(source) is declared in \(declared) but the data file says \(fileUnit)")
                }
            }
            let conversion = try Self.conversion(
                source: source, sourceUnit: declared ?? fileUnit, target: target,
                modelUnit: modelUnits[target], path: path)
            let block = table.values[(v * perVariable)..<((v + 1) * perVariable)]
            if let conversion {
                values += block.map(conversion.apply)
            } else {
                values += block
            }
            units.append(modelUnits[target] ?? declared ?? fileUnit)
        }
        return BasinTable(
            basinIDs: table.basinIDs, dates: table.dates, variables: modelVariables,
            units: units, values: values)
    }

    /// The user attribute names to read for the model's static attributes, in model order.
    /// - Throws: ``BasinInputError`` listing every model attribute with no source at once.
    public func attributeSources(for modelAttributes: [String]) throws(BasinInputError)
        -> [String]
    {
        let sourceOf = Dictionary(
            uniqueKeysWithValues: attributes.map { ($0.value.to, $0.key) })
        let missing = modelAttributes.filter { sourceOf[$0] == nil }
        guard missing.isEmpty else {
            throw BasinInputError(
                path, "no source for model attributes: " + missing.joined(separator: ", "))
        }
        return modelAttributes.map { sourceOf[$0]! }
    }

    /// The model's static attributes from the user's (read with ``attributeSources(for:)``),
    /// renamed and converted into the model's units.
    public func mapAttributes(
        _ table: BasinAttributes, modelAttributes: [String], modelUnits: [String: String]
    ) throws(BasinInputError) -> BasinAttributes {
        let sources = try attributeSources(for: modelAttributes)
        let n = table.basinIDs.count
        var values: [Float] = []
        for (target, source) in zip(modelAttributes, sources) {
            guard let a = table.attributes.firstIndex(of: source) else {
                throw BasinInputError(path, "attribute \(source) was not read")
            }
            let conversion = try Self.conversion(
                source: source, sourceUnit: attributes[source]!.units, target: target,
                modelUnit: modelUnits[target], path: path)
            let block = table.values[(a * n)..<((a + 1) * n)]
            values += conversion.map { c in block.map(c.apply) } ?? Array(block)
        }
        return BasinAttributes(
            basinIDs: table.basinIDs, attributes: modelAttributes, values: values)
    }
}
