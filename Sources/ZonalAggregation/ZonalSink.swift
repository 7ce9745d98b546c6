import Foundation
import GeoNetCDF
import GeoProjection
import GeoVector
import OutputFiles

/// Where a forcing run's values go: long CSV rows, or the CF-1.8 per-basin timeSeries file
/// (one variable `<var>_<stat>` per variable and statistic).
struct ZonalSink {
    private var csv: ZonalCSVWriter?
    private var netCDF: BasinSeriesWriter?
    private let basinIDs: [String]
    private let skipping: Set<Int>

    init(
        options: ZonalOptions, netCDF: Bool, basins: BasinSet, weights: ZonalWeights,
        forcing: CFForcing, variables: [CFGridVariable], times: Range<Int>,
        skipping: Set<Int>
    ) throws {
        basinIDs = weights.basinIDs
        self.skipping = skipping
        try OutputSizeCheck.check(
            [
                Self.planned(
                    options: options, netCDF: netCDF, weights: weights, variables: variables,
                    steps: times.count,
                    timeText: forcing.timeAxis.isoTexts(times.prefix(1)).first ?? "",
                    skipping: skipping)
            ], directory: options.output.deletingLastPathComponent().path)
        if !netCDF {
            csv = try ZonalCSVWriter(url: options.output)
            return
        }
        let instances = try DSGBasins.make(from: basins)
        var specs: [DSGVariable] = []
        for variable in variables {
            for statistic in options.statistics {
                let units: String
                switch statistic {
                case .count: units = weights.areaWeighted ? "m2" : "1"
                case .validShare: units = "1"
                case .majority, .mean, .min, .max, .stdev: units = variable.units ?? "1"
                case .sum, .frac: units = variable.units ?? "1"
                }
                let name = variable.longName ?? variable.name
                specs.append(
                    DSGVariable(
                        name: "\(variable.name)_\(statistic.rawValue)", units: units,
                        longName: "\(statistic.rawValue) of \(name) over the basin",
                        standardName: statistic == .mean || statistic == .min
                            || statistic == .max ? variable.standardName : nil,
                        cellMethods: statistic == .mean ? "area: mean" : nil))
            }
        }
        let axis = forcing.timeAxis
        let names = forcing.paths.map { URL(fileURLWithPath: $0).lastPathComponent }
            .joined(separator: ", ")
        let layout = BasinSeriesLayout(
            basins: instances, timeUnits: axis.units, times: Array(axis.values[times]),
            variables: specs,
            title: "Per-basin aggregates of \(names)",
            source: "geomap zonal (exact coverage-fraction weights)",
            history: "geomap zonal", references: "docs/zonal.md",
            geomapVersion: "geomap")
        self.netCDF = try BasinSeriesWriter(path: options.output.path, layout: layout)
    }

    /// The output's size before anything is written: CSV rows (each at least as long as its
    /// shortest id, the time text, the variable and statistic names and a one-character
    /// value) or NetCDF Float32 values (deflated as written: only the limit applies).
    static func planned(
        options: ZonalOptions, netCDF: Bool, weights: ZonalWeights,
        variables: [CFGridVariable], steps: Int, timeText: String, skipping: Set<Int>
    ) -> PlannedOutput {
        let basins = weights.basinCount - skipping.count
        let columns = options.statistics.count
        let what =
            "\(basins) basins × \(steps) steps × \(variables.count) variables × \(columns) "
            + "statistics"
        if netCDF {
            return .table(
                path: options.output.path,
                counts: [weights.basinCount, steps, variables.count, columns], bytesPerItem: 4,
                what: what, compressed: true)
        }
        let shortest = { (names: [String]) in names.map(\.utf8.count).min() ?? 0 }
        let row =
            shortest(weights.basinIDs) + timeText.utf8.count + shortest(variables.map(\.name))
            + shortest(options.statistics.map(\.rawValue)) + 1 + 5
        return .table(
            path: options.output.path, counts: [basins, steps, variables.count, columns],
            bytesPerItem: row, what: what + " rows", compressed: false)
    }

    /// Writes one slab's values; returns the number of values written.
    mutating func write(
        _ stats: ZonalValues, variable: String, steps: Range<Int>, dates: [String]
    ) throws -> Int {
        if let csv {
            try csv.write(
                stats, basinIDs: basinIDs, times: dates, variable: variable, skipping: skipping)
            return (stats.basins - skipping.count) * stats.steps * stats.columns.count
        }
        guard let netCDF else { return 0 }
        for column in stats.columns {
            var values = [Float](repeating: .nan, count: stats.basins * stats.steps)
            for step in 0..<stats.steps {
                for b in 0..<stats.basins {
                    values[b * stats.steps + step] = Float(column.values[step * stats.basins + b])
                }
            }
            try netCDF.write(
                "\(variable)_\(column.name)", basins: 0..<stats.basins, times: steps,
                values: values)
        }
        return stats.basins * stats.steps * stats.columns.count
    }

    func finish() throws {
        try csv?.finish()
        try netCDF?.finish()
    }

    /// Area centroid of the largest part's exterior (vertex mean when degenerate).
    static func centroid(_ geometry: MultiPolygon) -> Point2D {
        guard let part = geometry.polygons.max(by: { $0.area < $1.area }) else {
            return Point2D(x: .nan, y: .nan)
        }
        let points = part.exterior.points
        var a = 0.0
        var cx = 0.0
        var cy = 0.0
        var previous = points[points.count - 1]
        for p in points {
            let cross = previous.x * p.y - p.x * previous.y
            a += cross
            cx += (previous.x + p.x) * cross
            cy += (previous.y + p.y) * cross
            previous = p
        }
        if a == 0 {
            let n = Double(points.count)
            return Point2D(
                x: points.reduce(0) { $0 + $1.x } / n, y: points.reduce(0) { $0 + $1.y } / n)
        }
        return Point2D(x: cx / (3 * a), y: cy / (3 * a))
    }
}
