package import BasinInputs
import GeoNetCDF
package import GeoVector
import ZonalAggregation

/// The per-basin summary GeoPackage of a basin prediction (`DIR/<stem>.gpkg`): one
/// MultiPolygon per basin in the basins' own CRS, layer `basins`, with summary fields and,
/// when observations are given, goodness-of-fit metrics (see `docs/basin-prediction.md`).
package enum BasinSummaryGeoPackage {
    /// Field names, in order, for a run with `variables`; `observed` are the variables with
    /// observations; `hasName` whether a `name` field is written.
    package static func fields(
        variables: [String], observed: [String], hasName: Bool
    ) -> [SummaryField] {
        var fields = [SummaryField("basin_id", .string)]
        if hasName { fields.append(SummaryField("name", .string)) }
        for v in variables {
            fields += [
                SummaryField("\(v)_mean", .real), SummaryField("\(v)_last", .real),
                SummaryField("\(v)_last_date", .string),
            ]
        }
        fields += [
            SummaryField("valid_days", .integer), SummaryField("missing_days", .integer),
            SummaryField("status", .string),
        ]
        for v in variables where observed.contains(v) {
            fields += ["nse", "kge", "rmse", "r", "bias"].map { SummaryField("\(v)_\($0)", .real) }
            fields.append(SummaryField("\(v)_obs_days", .integer))
        }
        return fields
    }

    /// The field of `basins` that names a basin: the first text field (other than the id
    /// field) called `name`, `basin_name`, `gauge_name`, `station_name` or `gauge_nm`, any
    /// case; nil when there is none.
    package static func nameField(of basins: BasinSet) -> String? {
        DSGBasins.nameField(of: basins)
    }

    /// Writes the summary.
    ///
    /// Per basin: `basin_id`; `name` (when the basin file has a name field, see
    /// ``nameField(of:)``); per predicted variable V: `V_mean` (mean of the finite predicted
    /// days), `V_last` (last finite value) and `V_last_date` (`YYYY-MM-DD`); `valid_days` and
    /// `missing_days` (days flagged ok / not ok); `status` (`ok` or the problem); per
    /// variable with observations: `V_nse`, `V_kge`, `V_rmse`, `V_r`, `V_bias`
    /// (``HydrologicalMetrics`` over the days where prediction and observation are both
    /// finite) and `V_obs_days` (that day count). Undefined values are NULL.
    ///
    /// - Parameters:
    ///   - path: the `.gpkg` to create (written under a temporary name, then renamed).
    ///   - basins: the basins as read; their ids must be the predictions' basins in order.
    ///   - predictions: `[basins × days × variables]`.
    ///   - observed: observations in the predictions' units (``BasinObserved/read``),
    ///     matched by basin id and date; variables it lacks get no metric fields.
    ///   - problems: basin index → why it was not run (its `status`).
    /// - Throws: ``BasinInputError`` when the basins and the predictions differ,
    ///   ``GeoVector/VectorError`` when the file cannot be written.
    package static func write(
        to path: String, basins: BasinSet, predictions: BasinPredictions,
        observed: BasinTable?, problems: [Int: String]
    ) throws {
        let ids = basins.basins.map(\.id)
        guard ids == predictions.basinIDs else {
            throw BasinInputError(
                path,
                "the predictions hold \(predictions.basinIDs.count) basins that are not the "
                    + "\(ids.count) basins of \(basins.path) in order")
        }
        let variables = predictions.variables.map(\.name)
        let observedVariables = variables.filter { observed?.variables.contains($0) ?? false }
        let nameField = Self.nameField(of: basins)
        let fields = Self.fields(
            variables: variables, observed: observedVariables, hasName: nameField != nil)
        let observedRows = Dictionary(
            (observed?.basinIDs ?? []).enumerated().map { ($0.element, $0.offset) },
            uniquingKeysWith: { a, _ in a })
        let observedDays: [Int?] = predictions.dates.map { date in
            guard let observed, let first = observed.dates.first.flatMap(BasinDay.number),
                let day = BasinDay.number(date), day - first >= 0,
                day - first < observed.dayCount
            else { return nil }
            return day - first
        }
        var rows: [(geometry: MultiPolygon, values: [FieldValue])] = []
        for (b, basin) in basins.basins.enumerated() {
            var values: [FieldValue] = [.string(basin.id)]
            if let nameField {
                let name = basins.value(nameField, of: basin) ?? .null
                values.append(name == .null ? .null : .string(name.description))
            }
            for v in variables.indices {
                let series = predictions.series(variable: v, basin: b)
                let finite = series.indices.filter { series[$0].isFinite }
                if let last = finite.last {
                    let mean = finite.reduce(0.0) { $0 + Double(series[$1]) } / Double(finite.count)
                    values += [
                        .real(mean), .real(Double(series[last])),
                        .string(Self.day(predictions.dates[last])),
                    ]
                } else {
                    values += [.null, .null, .null]
                }
            }
            let flags = predictions.flags[(b * predictions.dates.count)...].prefix(
                predictions.dates.count)
            let valid = flags.filter { $0 == .ok }.count
            let nonFinite = flags.filter { $0 == .nonFiniteOutput }.count
            let status =
                problems[b]
                ?? (nonFinite > 0
                    ? BasinDayFlag.nonFiniteStatus(
                        count: nonFinite, days: predictions.dates.count) : "ok")
            values += [
                .integer(Int64(valid)), .integer(Int64(predictions.dates.count - valid)),
                .string(status),
            ]
            for name in observedVariables {
                let v = variables.firstIndex(of: name)!
                guard let observed, let row = observedRows[basin.id] else {
                    values += [.null, .null, .null, .null, .null, .integer(0)]
                    continue
                }
                let o = observed.variables.firstIndex(of: name)!
                let truth = observedDays.map { day in
                    day.map { observed[variable: o, basin: row, day: $0] } ?? .nan
                }
                let metrics = HydrologicalMetrics(
                    predicted: predictions.series(variable: v, basin: b), observed: truth)
                values += [
                    metrics.nse, metrics.kge, metrics.rmse, metrics.correlation,
                    metrics.bias,
                ].map { $0.isFinite ? .real($0) : .null }
                values.append(.integer(Int64(metrics.count)))
            }
            rows.append((basin.geometry, values))
        }
        try BasinGeoPackageWriter.write(
            path: path, layerName: "basins", crsWKT: basins.crs.wkt, fields: fields, rows: rows)
    }

    /// `YYYY-MM-DD`.
    static func day(_ date: CFDate) -> String {
        func pad(_ n: Int, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }
}
