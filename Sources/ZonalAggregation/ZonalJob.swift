package import Foundation
import GeoNetCDF
package import GeoProjection
package import GeoRaster
package import GeoVector
import OutputFiles

/// Everything `geomap zonal` is asked to do.
package struct ZonalOptions: Sendable {
    package var basinsPath: String
    package var layer: String?
    package var idField: String?
    /// CF forcing files (one forcing, possibly split in time); empty for a raster run.
    package var forcingPaths: [String] = []
    package var variables: [String] = []
    /// A static raster instead of forcings.
    package var rasterPath: String?
    package var band = 1
    /// The `variable` column for a raster (default: the file name without extension).
    package var variableName: String?
    package var statistics: [ZonalStatistic]
    package var areaWeighted = false
    /// Only time steps on or after / on or before these dates (`YYYY-MM-DD`).
    package var from: String?
    package var to: String?
    package var output: URL
    package var weightsCSV: URL?
    /// Weights cache directory; `nil` computes the weights without caching them.
    package var cacheDirectory: URL?

    /// The weights provider these options ask for.
    package var coverageWeights: CoverageWeights {
        CoverageWeights(
            cacheDirectory: cacheDirectory, areaWeighted: areaWeighted, csvDump: weightsCSV)
    }

    package init(basinsPath: String, statistics: [ZonalStatistic], output: URL) {
        self.basinsPath = basinsPath
        self.statistics = statistics
        self.output = output
    }
}

/// What a zonal run did (for the log and the benchmark).
package struct ZonalSummary: Sendable {
    package var basins = 0
    package var basinsOnGrid = 0
    package var nonZeroWeights = 0
    package var cache: WeightsCache.Outcome?
    package var steps = 0
    package var rows = 0
    package var secondsForWeights = 0.0
    package var secondsForValues = 0.0

    /// Nothing counted yet.
    package init() {}

    /// Counts the basins and weights of `outcome`; returns its weights.
    mutating func record(_ outcome: CoverageWeights.Outcome) -> ZonalWeights {
        basins = outcome.weights.basinCount
        basinsOnGrid = outcome.basinsOnGrid
        nonZeroWeights = outcome.weights.nonZeroCount
        cache = outcome.cache
        secondsForWeights = outcome.seconds
        return outcome.weights
    }
}

/// Runs `geomap zonal`: basins → grid CRS → cached weights → statistics → CSV or CF NetCDF.
package enum ZonalJob {
    /// - Parameters:
    ///   - log: one line per warning or note (basins outside the grid, corrupt cache, …).
    ///   - progress: `(label, done, total)` after each slab or band.
    package static func run(
        _ options: ZonalOptions, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)? = nil
    ) throws -> ZonalSummary {
        let ext = options.output.pathExtension.lowercased()
        guard ext == "csv" || ext == "nc" else {
            throw ZonalError.badInput(
                options.output.path, "the output must end in .csv or .nc")
        }
        if options.rasterPath != nil, ext != "csv" {
            throw ZonalError.badInput(
                options.output.path,
                "static raster results are written as CSV (use an output ending in .csv)")
        }
        if ext == "nc", options.statistics.contains(.frac) {
            throw ZonalError.badInput(
                options.output.path, "frac (per-class columns) is only written to CSV")
        }
        let name = options.output.lastPathComponent
        let outputs = try OutputSet(
            directory: options.output.deletingLastPathComponent().path, key: name, names: [name],
            inputs: [options.basinsPath] + options.forcingPaths
                + (options.rasterPath.map { [$0] } ?? []))
        var staged = options
        staged.output = URL(fileURLWithPath: outputs.stagedPath(name))
        let summary = try outputs.produce {
            if let raster = options.rasterPath {
                return try runRaster(raster, options: staged, log: log, progress: progress)
            }
            return try runForcing(staged, netCDF: ext == "nc", log: log, progress: progress)
        }
        if ext == "nc" {
            outputs.validate(name) { path in
                try BasinSeriesWriter.verify(
                    path: path, basins: summary.basins, times: summary.steps, variables: [])
            }
        } else {
            outputs.validate(name) { path in
                try ZonalCSVWriter.verify(path: path, rows: summary.rows)
            }
        }
        try outputs.commit()
        return summary
    }

    // MARK: basins and weights

    /// Reads the basins and reprojects them to `target` (edges densified to a quarter cell).
    package static func basins(
        _ options: ZonalOptions, target: CRS, grid: RegularGrid, log: (String) -> Void
    ) throws -> (set: BasinSet, zonal: [ZonalBasin]) {
        let set = try BasinReader.read(
            path: options.basinsPath, layer: options.layer, idField: options.idField)
        for message in set.messages { log(message) }
        return (set, try CoverageWeights.basins(set, target: target, grid: grid))
    }

    // MARK: forcings

    static func runForcing(
        _ options: ZonalOptions, netCDF: Bool, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?
    ) throws -> ZonalSummary {
        guard !options.forcingPaths.isEmpty else {
            throw ZonalError.badInput("geomap zonal", "give --forcings FILE.nc or --raster FILE")
        }
        guard !options.variables.isEmpty else {
            throw ZonalError.badInput(options.forcingPaths[0], "give at least one --var NAME")
        }
        if let fields = try staticVariables(options) {
            return try runStaticNetCDF(
                options.forcingPaths[0], variables: fields, options: options, log: log,
                progress: progress)
        }
        if netCDF, options.statistics.contains(.frac) {
            throw ZonalError.badInput(
                options.output.path, "frac (per-class columns) is only written to CSV")
        }
        var summary = ZonalSummary()
        let forcing = try CFForcing(paths: options.forcingPaths)
        let variables = try options.variables.map { try forcing.variable($0) }
        let times = try timeRange(forcing, options: options)
        let set = try BasinReader.read(
            path: options.basinsPath, layer: options.layer, idField: options.idField)
        for message in set.messages { log(message) }
        let weights = try summary.record(
            options.coverageWeights.weights(set, forcing: forcing, log: log))
        let aggregator = ZonalAggregator(
            weights: weights, statistics: options.statistics, missingValue: nil)
        let skip = Set(weights.basinsOutsideGrid)
        let start = Date()
        // The sink checks the output's size first, before the dates of every step are made.
        var sink = try ZonalSink(
            options: options, netCDF: netCDF, basins: set, weights: weights, forcing: forcing,
            variables: variables, times: times, skipping: skip)
        let dates = forcing.timeAxis.isoTexts(times)
        for variable in variables {
            let stepProgress: (Int) -> Void = { progress?(variable.name, $0, times.count) }
            let report = try ZonalForcing.aggregate(
                forcing, variable: variable, times: times, aggregator: aggregator,
                progress: stepProgress
            ) { stats, slab in
                let offset = times.lowerBound
                let local = (slab.lowerBound - offset)..<(slab.upperBound - offset)
                summary.rows += try sink.write(
                    stats, variable: variable.name, steps: local, dates: Array(dates[local]))
            }
            summary.steps = report.steps
            for b in 0..<weights.basinCount where report.allMissingSteps[b] > 0 {
                log(
                    "\(variable.name): basin \(weights.basinIDs[b]) has no valid cell at "
                        + "\(report.allMissingSteps[b]) of \(report.steps) steps (NaN there)")
            }
        }
        try sink.finish()
        summary.secondsForValues = Date().timeIntervalSince(start)
        return summary
    }

    static func timeRange(_ forcing: CFForcing, options: ZonalOptions) throws -> Range<Int> {
        func parse(_ text: String?, _ name: String) throws -> CFDate? {
            guard let text else { return nil }
            guard let date = CFDate(day: text, calendar: forcing.timeAxis.calendar) else {
                throw ZonalError.badInput(
                    name,
                    "'\(text)' is not a date YYYY-MM-DD of the forcing's "
                        + "\(forcing.timeAxis.calendar.rawValue) calendar")
            }
            return date
        }
        let axis = forcing.timeAxis
        guard axis.count > 0 else { throw ZonalError.badInput(forcing.paths[0], "no time steps") }
        let from = try parse(options.from, "--from") ?? axis.date(at: 0)
        var to = try parse(options.to, "--to") ?? axis.date(at: axis.count - 1)
        if options.to != nil {
            to.hour = 23
            to.minute = 59
            to.second = 59.999
        }
        let range = axis.indices(from: from, through: to)
        guard !range.isEmpty else {
            throw ZonalError.badInput(
                forcing.paths[0], "no time step between \(from) and \(to) (--from/--to)")
        }
        return range
    }

    // MARK: rasters

    static func runRaster(
        _ path: String, options: ZonalOptions, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?
    ) throws -> ZonalSummary {
        var summary = ZonalSummary()
        let raster = try Raster(opening: path)
        let (crs, grid) = try CoverageWeights.rasterGrid(
            raster, band: options.band, bandOption: "--band")
        let (_, basins) = try Self.basins(options, target: crs, grid: grid, log: log)
        let weights = try summary.record(
            options.coverageWeights.weights(
                basins, grid: grid, crs: crs, gridSource: path, log: log))
        let start = Date()
        let name =
            options.variableName
            ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let stats = try aggregateRaster(
            raster, band: options.band, name: name, weights: weights,
            statistics: options.statistics, log: log, progress: progress)
        let writer = try ZonalCSVWriter(url: options.output)
        try writer.write(
            stats, basinIDs: weights.basinIDs, times: [""], variable: name,
            skipping: Set(weights.basinsOutsideGrid))
        try writer.finish()
        summary.steps = 1
        summary.rows = (weights.basinCount - weights.basinsOutsideGrid.count) * stats.columns.count
        summary.secondsForValues = Date().timeIntervalSince(start)
        return summary
    }

    /// `statistics` of band `band` of `raster` over `weights` (computed on its grid); logs
    /// each basin on the grid without a valid cell (its values are NaN).
    package static func aggregateRaster(
        _ raster: borrowing Raster, band: Int, name: String, weights: ZonalWeights,
        statistics: [ZonalStatistic], log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?
    ) throws -> ZonalValues {
        let aggregator = ZonalAggregator(
            weights: weights, statistics: statistics, missingValue: nil)
        let stats = try ZonalRaster.aggregate(
            raster, band: band, aggregator: aggregator,
            progress: { progress?(name, Int($0 * 1000), 1000) })
        for b in 0..<weights.basinCount where stats.allMissingSteps[b] > 0 {
            log("\(name): basin \(weights.basinIDs[b]) has no valid cell (NaN)")
        }
        return stats
    }
}
