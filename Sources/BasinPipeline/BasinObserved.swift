package import BasinInputs
import Foundation
package import GeoNetCDF
import GeoProjection
package import GeoVector

/// Observed series (`--observed OBS`) for the metrics of the summary GeoPackage.
///
/// Files are read like per-basin forcings (``BasinForcings/read(_:)``: CSV long or wide, CF
/// timeSeries netCDF, one basin's Caravan NetCDF, CAMELS USGS streamflow `.txt`); a folder or
/// pattern of one file per basin (``BasinFileSet``) stands for the files of the predicted
/// basins in it. A predicted variable `V` is observed by the series the mapping file's
/// `"observed"` section maps to it (`{"observed": {"q_obs": {"to": "streamflow", "units":
/// "m/day"}}}`), otherwise by a series named `V` itself. Its unit is the one the mapping
/// declares, else the file's (`units` attribute in netCDF; CSV columns carry none; CAMELS
/// streamflow is in ft3 s-1), converted into the prediction's unit with the conversions of
/// ``BasinUnit``; a discharge (m3 s-1, ft3 s-1, l s-1) observed for a prediction in depth per
/// day (mm/day) is divided by the basin's area (``areas(_:)``).
package enum BasinObserved {
    /// Reads and aligns the observations.
    ///
    /// - Parameters:
    ///   - paths: the observed files; several may give different variables, basins or
    ///     periods (a value given twice must agree).
    ///   - variables: the predicted variables.
    ///   - basinIDs: the predicted basins, in prediction order.
    ///   - dates: the predicted days.
    ///   - mapping: the variable mapping, whose `observed` section renames series.
    ///   - partOfFile: the basins are a group of the basin file (``BasinGroup``): a file
    ///     observing none of them is no error.
    ///   - areas: each basin's area in m² (``areas(_:)``), for discharges observed against a
    ///     depth per day; nil: such a pair is an error.
    ///   - log: a note per folder or pattern (files left out, basins without a file).
    /// - Returns: `[observed variables × basinIDs × dates]`: the predicted variables some file
    ///   observes (in prediction order, named and in units as predicted); NaN for days and
    ///   basins without an observation.
    /// - Throws: ``BasinInputError`` naming the file: the readers' errors, a file with none of
    ///   the predicted variables or none of the basins, a series without unit, an unknown or
    ///   unconvertible unit, a unit contradicting the mapping, two files disagreeing on a value,
    ///   a folder or pattern without a file of any predicted basin.
    package static func read(
        _ paths: [String], variables: [BasinOutputVariable], basinIDs: [String],
        dates: [CFDate], mapping: VariableMapping?, partOfFile: Bool = false,
        areas: [Double?]? = nil, log: (String) -> Void = { _ in }
    ) throws -> BasinTable {
        let days = dates.map { BasinDay.number($0) }
        var values = [[Float]?](repeating: nil, count: variables.count)
        var origin = [[String?]](repeating: [], count: variables.count)
        let cells = basinIDs.count * dates.count
        var files: [String] = []
        for path in paths {
            guard BasinFileSet.isSet(path) else {
                files.append(path)
                continue
            }
            let (selected, note) = try BasinFileSet.select(
                path, basins: basinIDs, requireAll: false, requireSome: !partOfFile,
                what: "observed")
            if let note { log(note) }
            files += selected.map(\.path)
        }
        for path in files {
            let table = try BasinForcings.read(URL(fileURLWithPath: path))
            let rows = Dictionary(
                table.basinIDs.enumerated().map { ($0.element, $0.offset) },
                uniquingKeysWith: { a, _ in a })
            // A group of the basins (partOfFile) may have no observations in a file that
            // has some of the others'.
            guard partOfFile || basinIDs.contains(where: { rows[$0] != nil }) else {
                let sample = table.basinIDs.prefix(5).joined(separator: ", ")
                throw BasinInputError(
                    path,
                    "none of the \(basinIDs.count) predicted basins has observations here "
                        + "(the file's basins: \(sample)\(table.basinIDs.count > 5 ? ", …" : ""))")
            }
            let first = table.dates.first.flatMap(BasinDay.number) ?? 0
            var used = false
            for (v, variable) in variables.enumerated() {
                let (source, declared) = Self.source(of: variable, mapping: mapping)
                guard let column = table.variables.firstIndex(of: source) else { continue }
                used = true
                let conversion = try Self.conversion(
                    source: source, declared: declared, fileUnit: table.units[column],
                    to: variable, path: path, mappingPath: mapping?.path, areas: areas)
                var out = values[v] ?? [Float](repeating: .nan, count: cells)
                if origin[v].isEmpty { origin[v] = [String?](repeating: nil, count: cells) }
                for (b, id) in basinIDs.enumerated() {
                    guard let row = rows[id] else { continue }
                    for (d, day) in days.enumerated() {
                        guard let day, day - first >= 0, day - first < table.dayCount else {
                            continue
                        }
                        let raw = table[variable: column, basin: row, day: day - first]
                        guard CFFloatMissing.isPhysical(raw),
                            let value = conversion.apply(raw, basin: b)
                        else { continue }
                        let i = b * dates.count + d
                        if let previous = origin[v][i], out[i] != value {
                            throw BasinInputError(
                                path,
                                "\(source) of basin \(id) on \(dates[d]) is \(value) "
                                    + "\(variable.units) here but \(out[i]) in \(previous)")
                        }
                        out[i] = value
                        origin[v][i] = path
                    }
                }
                values[v] = out
            }
            guard used else {
                let wanted = variables.map { Self.source(of: $0, mapping: mapping).name }
                throw BasinInputError(
                    path,
                    "none of the observed series \(wanted.joined(separator: ", ")) is in this "
                        + "file (it has \(table.variables.joined(separator: ", ")))")
            }
        }
        let observed = variables.indices.filter { values[$0] != nil }
        return BasinTable(
            basinIDs: basinIDs, dates: dates, variables: observed.map { variables[$0].name },
            units: observed.map { variables[$0].units },
            values: observed.flatMap { values[$0]! })
    }

    /// The observed series' name for `variable` and the unit the mapping declares for it.
    static func source(of variable: BasinOutputVariable, mapping: VariableMapping?)
        -> (name: String, units: String?)
    {
        if let (name, entry) = mapping?.observed.sorted(by: { $0.key < $1.key })
            .first(where: { $0.value.to == variable.name })
        {
            return (name, entry.units)
        }
        return (variable.name, nil)
    }

    /// How observed values become the prediction's unit.
    enum Conversion {
        case identity
        case uniform(UnitConversion)
        /// Per basin: a factor (a discharge divided by the basin's area into a depth per day),
        /// nil for a basin whose area is not known (its observations are not used).
        case perBasin([Double?])

        func apply(_ raw: Float, basin: Int) -> Float? {
            switch self {
            case .identity: return raw
            case .uniform(let conversion): return conversion.apply(raw)
            case .perBasin(let factors): return factors[basin].map { Float(Double(raw) * $0) }
            }
        }
    }

    /// Each basin's area in m² on the WGS 84 ellipsoid: its polygons projected to EPSG:6933
    /// (an equal-area projection); nil for a basin PROJ cannot project (or when the set's CRS
    /// is not usable).
    package static func areas(_ set: BasinSet) -> [Double?] {
        guard let source = try? set.crs.projection(path: set.path),
            let target = try? CRS(epsg: 6933),
            let transform = try? CoordinateTransform(from: source, to: target)
        else { return set.basins.map { _ in nil } }
        // Long edges of lat/lon polygons are densified (0.01°) so they follow the parallels.
        let step = source.isGeographic ? 0.01 : nil
        return set.basins.map { basin in
            basin.geometry.transformed(by: transform, maxSegmentLength: step).map(\.area)
        }
    }

    /// The conversion from the observed unit into the prediction's.
    static func conversion(
        source: String, declared: String?, fileUnit: String?, to variable: BasinOutputVariable,
        path: String, mappingPath: String?, areas: [Double?]? = nil
    ) throws(BasinInputError) -> Conversion {
        if let declared, let fileUnit,
            BasinUnit.normalise(declared)
                != BasinUnit.normalise(fileUnit),
            BasinUnit(parsing: declared) == nil
                || BasinUnit(parsing: declared)
                    != BasinUnit(parsing: fileUnit)
        {
            throw BasinInputError(
                path,
                "observed \(source) is declared in \(declared) by the mapping but the file says "
                    + "\(fileUnit)")
        }
        guard let unit = declared ?? fileUnit else {
            throw BasinInputError(
                path,
                "no unit for observed \(source) (the prediction \(variable.name) is in "
                    + "\(variable.units)); declare it in the mapping file's \"observed\" section")
        }
        if BasinUnit.normalise(unit) == BasinUnit.normalise(variable.units) { return .identity }
        guard let from = BasinUnit(parsing: unit) else {
            throw BasinInputError(
                mappingPath.flatMap { declared != nil ? $0 : nil } ?? path,
                "unknown unit '\(unit)' for observed \(source)")
        }
        let to = BasinUnit(parsing: variable.units)
        if let to, from.kind == .discharge, to.kind == .waterFlux {
            // m3 s-1 × 86,400 s/day ÷ area (m²) = m/day; × 1000 = mm/day, the flux base.
            guard let areas else {
                throw BasinInputError(
                    path,
                    "observed \(source) is a discharge (\(unit)) and the prediction "
                        + "\(variable.name) a depth (\(variable.units)): the basins' areas are "
                        + "needed to convert it")
            }
            let scale = from.toBase.scale * 86_400 * 1000 / to.toBase.scale
            return .perBasin(areas.map { $0.flatMap { $0 > 0 ? scale / $0 : nil } })
        }
        guard let to, let conversion = UnitConversion(from: from, to: to) else {
            throw BasinInputError(
                path,
                "cannot convert observed \(source) from \(unit) to \(variable.units) "
                    + "(\(variable.name))")
        }
        return conversion.isIdentity ? .identity : .uniform(conversion)
    }
}
