package import Foundation

/// The user's variable mapping file (JSON, see `docs/basin-inputs.md`):
///
/// ```json
/// {"forcings": {"pr": {"to": "P", "units": "kg m-2 day-1"},
///               "tasmax": {"to": "Tmax", "units": "K"}},
///  "attributes": {"elev_mean": {"to": "elevation", "units": "m"}},
///  "observed": {"q_obs": {"to": "streamflow", "units": "m/day"}}}
/// ```
///
/// Keys are the user's names (columns / netCDF variables); `to` is the model variable;
/// `units` is the user's unit (optional for netCDF sources whose variable has a `units`
/// attribute). Only the conversions of ``BasinUnit`` are made.
package struct VariableMapping: Sendable, Equatable {
    package struct Entry: Codable, Sendable, Equatable {
        package var to: String
        package var units: String?

        package init(to: String, units: String? = nil) {
            self.to = to
            self.units = units
        }
    }

    /// User forcing name → entry.
    package var forcings: [String: Entry]
    /// User attribute name → entry.
    package var attributes: [String: Entry]
    /// User name of an observed series (`--observed`) → entry whose `to` is a predicted
    /// variable (see `docs/basin-prediction.md`).
    package var observed: [String: Entry]
    /// The file it came from (for messages).
    package var path: String

    package init(
        forcings: [String: Entry], attributes: [String: Entry] = [:],
        observed: [String: Entry] = [:], path: String = "mapping"
    ) {
        self.forcings = forcings
        self.attributes = attributes
        self.observed = observed
        self.path = path
    }

    private struct File: Codable {
        var forcings: [String: Entry]?
        var attributes: [String: Entry]?
        var observed: [String: Entry]?
    }

    /// Reads a mapping file.
    /// - Throws: ``BasinInputError`` naming the file: unreadable, not JSON of that form, or
    ///   two user names mapped to one model variable.
    package init(contentsOf url: URL) throws(BasinInputError) {
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
        try Self.checkKeys(data, path: url.path)
        self.init(
            forcings: file.forcings ?? [:], attributes: file.attributes ?? [:],
            observed: file.observed ?? [:], path: url.path)
        for (kind, table) in [
            ("forcings", forcings), ("attributes", attributes), ("observed", observed),
        ] {
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

    /// Refuses a key the mapping does not know (a section `variables`, an entry's `unit`):
    /// a misspelt key would otherwise be dropped without a word, and a unit with it.
    private static func checkKeys(_ data: Data, path: String) throws(BasinInputError) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return
        }
        let sections = ["forcings", "attributes", "observed"]
        if let key = object.keys.filter({ !sections.contains($0) }).sorted().first {
            throw BasinInputError(
                path, "unknown key '\(key)' (a mapping has forcings, attributes and observed)")
        }
        for section in sections {
            guard let table = object[section] as? [String: Any] else { continue }
            for name in table.keys.sorted() {
                guard let entry = table[name] as? [String: Any] else { continue }
                if let key = entry.keys.filter({ !["to", "units"].contains($0) }).sorted().first {
                    throw BasinInputError(
                        path, "\(section).\(name): unknown key '\(key)' (an entry has to and units)"
                    )
                }
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
        // A unit outside the conversion table (`m`, `degree`) passes unchanged when it is
        // the model's own unit, spelled alike after normalisation.
        if BasinUnit.normalise(sourceUnit) == BasinUnit.normalise(modelUnit) { return nil }
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
    package func mapForcings(
        _ table: BasinTable, modelVariables: [String], modelUnits: [String: String]
    ) throws(BasinInputError) -> BasinTable {
        let plan = try forcingPlan(
            variables: table.variables, units: table.units, modelVariables: modelVariables,
            modelUnits: modelUnits)
        let perVariable = table.basinIDs.count * table.dayCount
        var values: [Float] = []
        values.reserveCapacity(modelVariables.count * perVariable)
        for step in plan {
            let v = table.variables.firstIndex(of: step.source)!
            let block = table.values[(v * perVariable)..<((v + 1) * perVariable)]
            if let conversion = step.conversion {
                values += block.map(conversion.apply)
            } else {
                values += block
            }
        }
        return BasinTable(
            basinIDs: table.basinIDs, dates: table.dates, variables: modelVariables,
            units: plan.map(\.unit), values: values)
    }

    /// How each model forcing is obtained from the user's variables (which the data hold,
    /// with the units the data declare), without touching any value.
    /// - Returns: per model variable, in model order: the user's name, the conversion into
    ///   the model's unit (nil: none needed) and the resulting unit.
    /// - Throws: as ``mapForcings(_:modelVariables:modelUnits:)``.
    package func forcingPlan(
        variables: [String], units fileUnits: [String?], modelVariables: [String],
        modelUnits: [String: String]
    ) throws(BasinInputError) -> [(source: String, conversion: UnitConversion?, unit: String?)] {
        let sourceOf = Dictionary(
            uniqueKeysWithValues: forcings.map { ($0.value.to, $0.key) })
        let missing = modelVariables.filter { target in
            guard let source = sourceOf[target] else { return true }
            return !variables.contains(source)
        }
        guard missing.isEmpty else {
            let details = missing.map { target in
                sourceOf[target].flatMap {
                    $0 == target ? nil : "\(target) (mapped from \($0), absent from the data)"
                } ?? target
            }
            throw BasinInputError(
                path, "no source for model forcings: " + details.joined(separator: ", "))
        }
        var plan: [(source: String, conversion: UnitConversion?, unit: String?)] = []
        for target in modelVariables {
            let source = sourceOf[target]!
            let v = variables.firstIndex(of: source)!
            let declared = forcings[source]!.units
            let fileUnit = fileUnits[v]
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
            plan.append((source, conversion, modelUnits[target] ?? declared ?? fileUnit))
        }
        return plan
    }

    /// The user attribute names to read for the model's static attributes, in model order.
    /// - Throws: ``BasinInputError`` listing every model attribute with no source at once.
    package func attributeSources(for modelAttributes: [String]) throws(BasinInputError)
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
    /// - Parameter fileUnits: units the sources declare themselves (user name → unit, e.g. a
    ///   raster band's unit type); a mapping unit must agree with them.
    package func mapAttributes(
        _ table: BasinAttributes, modelAttributes: [String], modelUnits: [String: String],
        fileUnits: [String: String] = [:]
    ) throws(BasinInputError) -> BasinAttributes {
        let sources = try attributeSources(for: modelAttributes)
        let n = table.basinIDs.count
        var values: [Float] = []
        for (target, source) in zip(modelAttributes, sources) {
            guard let a = table.attributes.firstIndex(of: source) else {
                throw BasinInputError(path, "attribute \(source) was not read")
            }
            let declared = attributes[source]!.units
            let fileUnit = fileUnits[source]
            if let declared, let fileUnit,
                BasinUnit.normalise(declared) != BasinUnit.normalise(fileUnit),
                BasinUnit(parsing: declared) == nil
                    || BasinUnit(parsing: declared) != BasinUnit(parsing: fileUnit)
            {
                throw BasinInputError(
                    path, "\(source) is declared in \(declared) but its source says \(fileUnit)")
            }
            let conversion = try Self.conversion(
                source: source, sourceUnit: declared ?? fileUnit, target: target,
                modelUnit: modelUnits[target], path: path)
            let block = table.values[(a * n)..<((a + 1) * n)]
            values += conversion.map { c in block.map(c.apply) } ?? Array(block)
        }
        return BasinAttributes(
            basinIDs: table.basinIDs, attributes: modelAttributes, values: values)
    }
}

extension VariableMapping {
    /// The mapping used without a mapping file: every model variable is taken by its own
    /// name, in the unit its source declares.
    /// - Parameter path: names the inputs in errors (there is no mapping file).
    package static func identity(
        forcings: [String], attributes: [String], path: String
    ) -> VariableMapping {
        VariableMapping(
            forcings: Dictionary(uniqueKeysWithValues: forcings.map { ($0, Entry(to: $0)) }),
            attributes: Dictionary(uniqueKeysWithValues: attributes.map { ($0, Entry(to: $0)) }),
            path: path)
    }

    /// This mapping, plus an identity entry for every model variable no entry maps to and
    /// whose name no entry uses (a mapping file need only list what differs).
    package func completed(forcings modelForcings: [String], attributes modelAttributes: [String])
        -> VariableMapping
    {
        var result = self
        func complete(_ table: inout [String: Entry], _ names: [String]) {
            let targets = Set(table.values.map(\.to))
            for name in names where !targets.contains(name) && table[name] == nil {
                table[name] = Entry(to: name)
            }
        }
        complete(&result.forcings, modelForcings)
        complete(&result.attributes, modelAttributes)
        return result
    }

    /// The user's name for each model forcing that has an entry (model name → user name).
    package var forcingSources: [String: String] {
        Dictionary(forcings.map { ($0.value.to, $0.key) }, uniquingKeysWith: { a, _ in a })
    }
}
