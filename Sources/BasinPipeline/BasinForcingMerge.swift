import BasinInputs
import Foundation
import GeoNetCDF
import GeoProjection
import GeoVector
import ZonalAggregation

/// Fills one table `[user variables × basins × window days]` from several forcing files,
/// converting each value into the model's unit as it comes (in Double, before rounding to
/// Float32):
/// per-basin series are copied, gridded ones aggregated per basin (coverage-weighted mean of the
/// valid cells, `ZonalJob`'s weights and `ZonalForcing`'s slab streaming) for the window's days
/// only. Files may give different variables or different periods; a basin-day given by two
/// files must agree (relative tolerance 1e-5), otherwise it is an error naming both files.
struct BasinForcingMerge {
    let basins: BasinSet
    let variables: [String]
    /// The units after conversion (the model's).
    let units: [String?]
    /// `[variables]` conversion from each user variable's unit (nil: none).
    let conversions: [UnitConversion?]
    /// First day number of the window and its length.
    let firstDay: Int
    let days: Int
    private(set) var values: [Float]
    /// `[variables × basins × days]` index of the file that gave each value (-1: none yet).
    private var owner: [Int16]
    private var paths: [String] = []
    /// Basins outside some forcing grid (basin index → reason).
    private(set) var problems: [Int: String] = [:]
    private(set) var messages: [String] = []
    /// The grids' weights (files split in time share one grid).
    private var memo = CoverageWeightsMemo()

    init(
        basins: BasinSet, variables: [String], units: [String?],
        conversions: [UnitConversion?], firstDay: Int, days: Int
    ) {
        self.basins = basins
        self.variables = variables
        self.units = units
        self.conversions = conversions
        self.firstDay = firstDay
        self.days = days
        let count = variables.count * basins.basins.count * days
        values = [Float](repeating: .nan, count: count)
        owner = [Int16](repeating: -1, count: count)
    }

    var table: BasinTable {
        BasinTable(
            basinIDs: basins.basins.map(\.id),
            dates: (firstDay..<(firstDay + days)).map(BasinDay.date), variables: variables,
            units: units, values: values)
    }

    /// Adds one value of file `source`, in the file's unit (NaN adds nothing).
    /// - Throws: ``BasinInputError`` when another file gave a different value there.
    private mutating func put(
        _ raw: Double, variable v: Int, basin b: Int, day d: Int, source: Int
    ) throws(BasinInputError) {
        guard !raw.isNaN else { return }
        let value = Float(conversions[v].map { raw * $0.factor + $0.offset } ?? raw)
        let i = (v * basins.basins.count + b) * days + d
        let old = values[i]
        if old.isNaN {
            values[i] = value
            owner[i] = Int16(source)
            return
        }
        if abs(old - value) <= 1e-5 * max(abs(old), abs(value)) { return }
        throw BasinInputError(
            paths[source],
            "gives \(variables[v]) = \(value) \(units[v] ?? "") for basin \(basins.basins[b].id) on "
                + "\(BasinDay.date(firstDay + d)) but \(paths[Int(owner[i])]) gives \(old)")
    }

    /// Puts values known already (a day of the forcing archive) at window day `d`:
    /// `[variables × basins]` in the merge's order, NaN for missing.
    mutating func prefill(day d: Int, values dayValues: [Float]) {
        let n = basins.basins.count
        for v in variables.indices {
            for b in 0..<n {
                values[(v * n + b) * days + d] = dayValues[v * n + b]
            }
        }
    }

    /// Copies or aggregates `file`'s variables into the window; with `only`, just the window
    /// days (offsets from ``firstDay``) in it (the others come from the forcing archive). The
    /// grid's weights are found either way (they also say which basins are outside the grid).
    mutating func add(
        _ file: BasinForcingFile, weights coverage: CoverageWeights, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?, only: Set<Int>? = nil
    ) throws {
        let source = paths.count
        paths.append(file.path)
        let lastDay = firstDay + days - 1
        switch file.content {
        case .perBasin(let table):
            try copy(table, source: source, only: only)
        case .timeSeries(let url, let stepDays):
            guard stepDays.contains(where: { $0 >= firstDay && $0 <= lastDay }) else { return }
            let table = try BasinNetCDF.readForcings(
                url, variables: file.variables, from: BasinDay.date(firstDay),
                through: BasinDay.date(lastDay))
            try copy(
                table.selecting(basins: basins.basins.map(\.id), path: file.path),
                source: source, only: only)
        case .gridded(let forcing, let stepDays):
            guard let lower = stepDays.firstIndex(where: { $0 >= firstDay }),
                let upper = stepDays.lastIndex(where: { $0 <= lastDay }), lower <= upper
            else { return }
            let weights = try gridWeights(forcing, file: file, coverage: coverage, log: log)
            // Runs of consecutive steps to aggregate (every step of the window without `only`).
            var runs: [Range<Int>] = []
            for step in lower...upper
            where only?.contains(stepDays[step] - firstDay) ?? true {
                if let last = runs.last, last.upperBound == step {
                    runs[runs.count - 1] = last.lowerBound..<(step + 1)
                } else {
                    runs.append(step..<(step + 1))
                }
            }
            let total = runs.reduce(0) { $0 + $1.count }
            let aggregator = ZonalAggregator(
                weights: weights, statistics: [.mean], missingValue: nil)
            let name = URL(fileURLWithPath: file.path).lastPathComponent
            for variableName in file.variables {
                guard let v = variables.firstIndex(of: variableName) else { continue }
                let variable = try forcing.variable(variableName)
                var done = 0
                for times in runs {
                    let stepProgress: (Int) -> Void = {
                        progress?("\(name) \(variableName)", done + $0, total)
                    }
                    _ = try ZonalForcing.aggregate(
                        forcing, variable: variable, times: times, aggregator: aggregator,
                        progress: stepProgress
                    ) { stats, slab in
                        let means = stats.columns[0].values
                        for (s, step) in slab.enumerated() {
                            for b in 0..<stats.basins {
                                try put(
                                    means[s * stats.basins + b], variable: v, basin: b,
                                    day: stepDays[step] - firstDay, source: source)
                            }
                        }
                    }
                    done += times.count
                }
            }
        }
    }

    /// Copies a per-basin table (in the basins' order) into the window.
    private mutating func copy(_ table: BasinTable, source: Int, only: Set<Int>?)
        throws(BasinInputError)
    {
        let lastDay = firstDay + days - 1
        let tableFirst = BasinDay.number(table.dates[0])!
        let lower = max(firstDay, tableFirst)
        let upper = min(lastDay, tableFirst + table.dayCount - 1)
        guard lower <= upper else { return }
        for (tv, name) in table.variables.enumerated() {
            guard let v = variables.firstIndex(of: name) else { continue }
            for b in table.basinIDs.indices {
                for day in lower...upper where only?.contains(day - firstDay) ?? true {
                    try put(
                        Double(table[variable: tv, basin: b, day: day - tableFirst]),
                        variable: v, basin: b, day: day - firstDay, source: source)
                }
            }
        }
    }

    /// The basins' weights on a file's grid; basins outside it become problems, basins partly
    /// outside a message; no basin on the grid is an error naming both files.
    private mutating func gridWeights(
        _ forcing: CFForcing, file: BasinForcingFile, coverage: CoverageWeights,
        log: (String) -> Void
    ) throws -> ZonalWeights {
        let (grid, crs) = try CoverageWeights.forcingGrid(forcing)
        if let known = memo.weights(grid: grid, crs: crs) { return known }
        var notes: [String] = []
        let outcome: CoverageWeights.Outcome
        do {
            outcome = try coverage.weights(
                basins, grid: grid, crs: crs, gridSource: file.path, log: { notes.append($0) })
        } catch ZonalError.noBasinOnGrid {
            throw BasinInputError(
                file.path,
                "no basin of \(basins.path) overlaps the forcing grid (check the CRS of both "
                    + "files: the grid's grid_mapping and the basins' .prj)")
        }
        if let cache = outcome.cache { log("weights for \(file.path): cache \(cache.rawValue)") }
        let weights = outcome.weights
        let name = URL(fileURLWithPath: file.path).lastPathComponent
        for b in weights.basinsOutsideGrid where problems[b] == nil {
            problems[b] = "outside the forcing grid of \(name)"
        }
        messages += notes
        memo.remember(weights, grid: grid, crs: crs)
        return weights
    }
}
