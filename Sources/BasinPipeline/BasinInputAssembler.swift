import BasinInputs
import Foundation
import GeoNetCDF
import GeoVector
package import Models
import ZonalAggregation

/// The basin pipeline's first stage: basins, forcing files and static attributes →
/// model-ready inputs (model variables, order and units; not normalised). See
/// `docs/basin-inputs.md`, "From files to model inputs".
package enum BasinInputAssembler {
    /// Reads and assembles everything `request` names for `model`.
    /// - Parameters:
    ///   - modelPath: the model file (names it in messages).
    ///   - log: notes as they happen (basins repaired, weights cache use, …).
    ///   - progress: `(label, done, total)` while gridded forcings are aggregated.
    ///   - warmUp: days of forcings needed before the start (default: the model's warm-up;
    ///     `geomap embed --basins` uses 0, since it embeds the period itself).
    ///   - reuse: the forcing archive of `geomap predict --basins --archive`: days whose
    ///     sources are unchanged are taken from it instead of being aggregated again.
    /// - Returns: forcings `[model dynamic variables × basins × days]` from `warmUp` days
    ///   before the prediction start to its end, attributes `[model static variables
    ///   × basins]`, both in the basin file's order, with per-basin problems and notes.
    /// - Throws: one-line errors naming the file: ``BasinInputError`` (missing variables or
    ///   attributes, units, period, conflicting files, no basin on the grid), `NetCDFError`,
    ///   `VectorError`.
    package static func assemble(
        _ request: BasinInputRequest, model: StefaLandModel, modelPath: String,
        log: (String) -> Void, progress: ((String, Int, Int) -> Void)? = nil,
        warmUp: Int? = nil, reuse: BasinForcingReuse? = nil
    ) throws -> BasinModelInputs {
        let configuration = model.configuration
        let warmUp = warmUp ?? configuration.warmUp
        guard !request.forcingPaths.isEmpty else {
            throw BasinInputError(request.basinsPath, "no forcings given (--forcings FILE)")
        }
        let set = try readBasins(request)
        for message in set.messages { log(message) }
        let (forcingMapping, attributeMapping) = try mappings(request, model: configuration)
        let forcings = try assembleForcings(
            request, basins: set, model: model, mapping: forcingMapping, warmUp: warmUp,
            log: log, progress: progress, reuse: reuse)
        let attributes = try BasinStaticInputs.assemble(
            request, basins: set, model: model, mapping: attributeMapping, log: log)
        var messages = forcings.messages
        messages += attributes.messages
        var inputs = BasinModelInputs(
            basins: set, forcings: forcings.table, attributes: attributes.attributes,
            firstOutputDay: warmUp, problems: forcings.problems,
            messages: messages)
        try checkRanges(&inputs, request: request, model: model)
        return inputs
    }

    /// The basins of the request: the whole layer, or the features of its group.
    /// - Throws: ``BasinInputError`` for a group past the last one (naming the file and the
    ///   number of groups), and the reader's errors.
    static func readBasins(_ request: BasinInputRequest) throws -> BasinSet {
        guard let group = request.group else {
            return try BasinReader.read(
                path: request.basinsPath, layer: request.layer, idField: request.idField)
        }
        try group.check(path: request.basinsPath, layer: request.layer)
        return try BasinReader.read(
            path: request.basinsPath, layer: request.layer, idField: request.idField,
            features: group.features)
    }

    /// Warns about inputs far outside the model's normalisation statistics (a note per
    /// variable, ``BasinPlausibility``), or with `request.strictRanges` refuses the first.
    /// - Throws: ``BasinInputError`` naming the file that gave the variable.
    static func checkRanges(
        _ inputs: inout BasinModelInputs, request: BasinInputRequest, model: StefaLandModel
    ) throws(BasinInputError) {
        let findings = BasinPlausibility.check(inputs, model: model)
        if request.strictRanges, let first = findings.first {
            throw BasinInputError(
                source(of: first, request: request), "\(first) (refused: --strict-ranges)")
        }
        inputs.messages += findings.map { "warning: \($0)" }
    }

    /// The input that gave a finding's variable: the forcing files, or the static raster of
    /// that attribute (by its name, or a user name the mapping maps to it), else the attribute
    /// CSV.
    static func source(of finding: BasinPlausibility.Finding, request: BasinInputRequest)
        -> String
    {
        guard finding.kind != "forcing" else { return request.forcingPaths.joined(separator: ", ") }
        var names: Set<String> = [finding.variable]
        if let path = request.mappingPath,
            let mapping = try? VariableMapping(contentsOf: URL(fileURLWithPath: path))
        {
            for (user, entry) in mapping.attributes where entry.to == finding.variable {
                names.insert(user)
            }
        }
        if let raster = request.staticRasters.first(where: { names.contains($0.name) }) {
            return raster.path
        }
        return request.attributesPath ?? request.staticRasters.map(\.path).first
            ?? request.basinsPath
    }

    /// The forcing and attribute mappings: the `--mapping` file completed with identity
    /// entries, or the identity mapping (named after the inputs, for errors).
    static func mappings(_ request: BasinInputRequest, model: StefaLandConfiguration) throws
        -> (forcings: VariableMapping, attributes: VariableMapping)
    {
        if let path = request.mappingPath {
            let mapping = try VariableMapping(contentsOf: URL(fileURLWithPath: path)).completed(
                forcings: model.dynamicVariables, attributes: model.staticVariables)
            return (mapping, mapping)
        }
        let forcings = VariableMapping.identity(
            forcings: model.dynamicVariables, attributes: model.staticVariables,
            path: request.forcingPaths.joined(separator: ", "))
        var attributes = forcings
        attributes.path =
            request.attributesPath ?? request.staticRasters.first.map(\.path) ?? "--attributes"
        return (forcings, attributes)
    }

    /// The units a model declares for `names` (model name → unit).
    static func units(_ names: [String], _ statistics: [StefaLandStatistics.Entry])
        -> [String: String]
    {
        var units: [String: String] = [:]
        for (name, entry) in zip(names, statistics) { units[name] = entry.units }
        return units
    }

    struct Forcings {
        var table: BasinTable
        var problems: [Int: String]
        var messages: [String]
    }

    static func assembleForcings(
        _ request: BasinInputRequest, basins set: BasinSet, model: StefaLandModel,
        mapping: VariableMapping, warmUp: Int, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?, reuse: BasinForcingReuse? = nil
    ) throws -> Forcings {
        let configuration = model.configuration
        let modelVariables = configuration.dynamicVariables
        let modelUnits = units(modelVariables, model.dynamicStatistics)
        let ids = set.basins.map(\.id)
        let sourceOf = mapping.forcingSources
        let wanted = modelVariables.compactMap { sourceOf[$0] }
        // A folder or pattern of one file per basin becomes one per-basin table.
        let files = try request.forcingPaths.map {
            BasinFileSet.isSet($0)
                ? try BasinForcingFile.openSet(
                    $0, basins: ids, wanted: wanted, elsewhere: set.elsewhere, log: log)
                : try BasinForcingFile.open(
                    $0, basins: ids, wanted: wanted, elsewhere: set.elsewhere)
        }
        // The user variables found, their units (agreeing across files) and spans.
        var names: [String] = []
        var units: [String?] = []
        var coverage: [BasinInputPeriod.Coverage] = []
        for name in wanted {
            let holders = files.filter { $0.variables.contains(name) }
            guard let first = holders.first else { continue }
            let declared = holders.map { $0.units[$0.variables.firstIndex(of: name)!] }
            let unit = try agreedUnit(
                name, declared: declared, paths: holders.map(\.path),
                mappingUnit: mapping.forcings[name]?.units)
            names.append(name)
            units.append(unit)
            let earliest = holders.min { $0.firstDay < $1.firstDay } ?? first
            let latest = holders.max { $0.lastDay < $1.lastDay } ?? first
            coverage.append(
                .init(
                    variable: name, first: earliest.firstDay, firstPath: earliest.path,
                    last: latest.lastDay, lastPath: latest.path))
        }
        // Missing variables and units are checked before any value is read.
        let plan = try mapping.forcingPlan(
            variables: names, units: units, modelVariables: modelVariables,
            modelUnits: modelUnits)
        let used = plan.map(\.source)
        let period = try BasinInputPeriod.choose(
            coverage: coverage, warmUp: warmUp, start: request.start,
            end: request.end)
        log(
            "period \(BasinDay.date(period.start)) … \(BasinDay.date(period.end))"
                + (warmUp == 0
                    ? "" : " after \(warmUp) warm-up days from \(BasinDay.date(period.firstDay))"))
        let coverageWeights = CoverageWeights(
            cacheDirectory: request.cacheDirectory, areaWeighted: request.areaWeighted)
        var merge = BasinForcingMerge(
            basins: set, variables: used, units: plan.map(\.unit),
            conversions: plan.map(\.conversion), firstDay: period.firstDay,
            days: period.dayCount)
        let only = try reuse?.prepare(
            &merge, files: files, variables: used, modelVariables: modelVariables)
        for file in files {
            try merge.add(file, weights: coverageWeights, log: log, progress: progress, only: only)
        }
        var table = merge.table  // already in the model's units and order
        table.variables = modelVariables
        var problems = merge.problems
        var messages = merge.messages
        func flagUnrunnable() {
            for b in ids.indices where problems[b] == nil {
                if let reason = missingReason(table, basin: b, days: warmUp..<table.dayCount) {
                    problems[b] = reason
                }
            }
        }
        flagUnrunnable()
        // Without --end: stop where the shortest record of a runnable basin stops.
        if request.end == nil,
            let note = cutToCommonEnd(
                &table, outputDays: warmUp..<table.dayCount, excluded: Set(problems.keys))
        {
            messages.append(note)
            flagUnrunnable()
        }
        let running = ids.indices.filter { problems[$0] == nil }
        for (v, name) in table.variables.enumerated() where !running.isEmpty {
            let gaps = (0..<table.dayCount).filter { d in
                running.allSatisfy { table[variable: v, basin: $0, day: d].isNaN }
            }
            guard let first = gaps.first else { continue }
            messages.append(
                "\(name): no value in any forcing file on \(gaps.count) day(s) of "
                    + "\(table.dates[0]) … \(table.dates[table.dayCount - 1]) (the first: "
                    + "\(table.dates[first])); those days stay missing")
        }
        return Forcings(table: table, problems: problems, messages: messages)
    }

    /// The one unit of a variable given by several files.
    /// - Throws: ``BasinInputError`` when files disagree, or when some say nothing while
    ///   others declare a unit and the mapping does not settle it.
    static func agreedUnit(
        _ name: String, declared: [String?], paths: [String], mappingUnit: String?
    ) throws(BasinInputError) -> String? {
        func same(_ a: String, _ b: String) -> Bool {
            BasinUnit.normalise(a) == BasinUnit.normalise(b)
                || (BasinUnit(parsing: a) != nil && BasinUnit(parsing: a) == BasinUnit(parsing: b))
        }
        guard let k = declared.firstIndex(where: { $0 != nil }) else { return nil }
        let unit = declared[k]!
        for (i, other) in declared.enumerated() {
            if let other, !same(unit, other) {
                throw BasinInputError(
                    paths[i], "gives \(name) in \(other) but \(paths[k]) gives it in \(unit)")
            }
            if other == nil, mappingUnit == nil {
                throw BasinInputError(
                    paths[i],
                    "declares no unit for \(name) while \(paths[k]) says \(unit); declare it in "
                        + "a --mapping file")
            }
        }
        return unit
    }

    /// Why a basin cannot be predicted from `table` over `days`, or nil when some day has
    /// every forcing.
    static func missingReason(_ table: BasinTable, basin b: Int, days: Range<Int>) -> String? {
        var complete = false
        var entirelyMissing: [String] = []
        var dayHasAll = [Bool](repeating: true, count: days.count)
        for (v, name) in table.variables.enumerated() {
            var any = false
            for (i, d) in days.enumerated() {
                if table[variable: v, basin: b, day: d].isNaN {
                    dayHasAll[i] = false
                } else {
                    any = true
                }
            }
            if !any { entirelyMissing.append(name) }
        }
        complete = dayHasAll.contains(true)
        guard !complete else { return nil }
        let period = "\(table.dates[days.lowerBound]) … \(table.dates[days.upperBound - 1])"
        if entirelyMissing.count == table.variables.count {
            return "all forcings missing over \(period)"
        }
        if !entirelyMissing.isEmpty {
            return "no \(entirelyMissing.joined(separator: ", ")) over \(period)"
        }
        return "no day of \(period) has every forcing"
    }
}
