public import Foundation
package import GeoNetCDF
public import GeoProjection
package import GeoRaster
public import GeoVector
import OutputFiles

/// Everything `geomap zonal` is asked to do.
public struct ZonalOptions: Sendable {
    public var basinsPath: String
    public var layer: String?
    public var idField: String?
    /// CF forcing files (one forcing, possibly split in time); empty for a raster run.
    public var forcingPaths: [String] = []
    public var variables: [String] = []
    /// A static raster instead of forcings.
    public var rasterPath: String?
    public var band = 1
    /// The `variable` column for a raster (default: the file name without extension).
    public var variableName: String?
    public var statistics: [ZonalStatistic]
    public var areaWeighted = false
    /// Only time steps on or after / on or before these dates (`YYYY-MM-DD`).
    public var from: String?
    public var to: String?
    public var output: URL
    public var weightsCSV: URL?
    /// Weights cache directory; `nil` computes the weights without caching them.
    public var cacheDirectory: URL?

    public init(basinsPath: String, statistics: [ZonalStatistic], output: URL) {
        self.basinsPath = basinsPath
        self.statistics = statistics
        self.output = output
    }
}

/// What a zonal run did (for the log and the benchmark).
public struct ZonalSummary: Sendable {
    public var basins = 0
    public var basinsOnGrid = 0
    public var nonZeroWeights = 0
    public var cache: WeightsCache.Outcome?
    public var steps = 0
    public var rows = 0
    public var secondsForWeights = 0.0
    public var secondsForValues = 0.0

    /// Nothing counted yet.
    package init() {}
}

/// Runs `geomap zonal`: basins → grid CRS → cached weights → statistics → CSV or CF NetCDF.
public enum ZonalJob {
    /// - Parameters:
    ///   - log: one line per warning or note (basins outside the grid, corrupt cache, …).
    ///   - progress: `(label, done, total)` after each slab or band.
    public static func run(
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
                    path: path, stations: summary.basins, times: summary.steps, variables: [])
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
    public static func basins(
        _ options: ZonalOptions, target: CRS, grid: RegularGrid, log: (String) -> Void
    ) throws -> (set: BasinSet, zonal: [ZonalBasin]) {
        let set = try BasinReader.read(
            path: options.basinsPath, layer: options.layer, idField: options.idField)
        for message in set.messages { log(message) }
        return (set, try basins(set, target: target, grid: grid))
    }

    /// Basins already read, reprojected to `target`, edges densified so that their images are
    /// at most a quarter cell long in the grid's units.
    public static func basins(_ set: BasinSet, target: CRS, grid: RegularGrid) throws
        -> [ZonalBasin]
    {
        let source = try set.crs.projection(path: set.path)
        if source.isSame(as: target) {
            let zonal = set.basins.map { ZonalBasin(id: $0.id, geometry: $0.geometry) }
            return wrapLongitudes(zonal, to: grid)
        }
        // Edges cut so that their images are at most a quarter of the smaller cell side, in
        // the grid's own units (metres, degrees or rotated degrees alike).
        let length = min(abs(grid.cellWidth), abs(grid.cellHeight)) / 4
        let moved = try set.reprojected(to: target, maxTargetSegmentLength: length)
        let zonal = moved.basins.map { ZonalBasin(id: $0.id, geometry: $0.geometry) }
        return wrapLongitudes(zonal, to: grid)
    }

    /// On a longitude/latitude grid, shifts each basin by ±360° when that brings it from off
    /// the grid onto it (basins in −180…180 over a 0…360 grid such as ERA5's, or the reverse).
    public static func wrapLongitudes(_ basins: [ZonalBasin], to grid: RegularGrid)
        -> [ZonalBasin]
    {
        guard grid.isGeographic else { return basins }
        let extent = grid.bounds
        return basins.map { basin in
            guard let box = basin.geometry.bounds else { return basin }
            let shift: Double
            if box.maxX <= extent.minX, box.minX + 360 < extent.maxX {
                shift = 360
            } else if box.minX >= extent.maxX, box.maxX - 360 > extent.minX {
                shift = -360
            } else {
                return basin
            }
            var moved = basin
            moved.geometry = basin.geometry.shifted(x: shift)
            return moved
        }
    }

    /// The most cells a grid may have (Int32 cell numbers: 2^31 − 1).
    static let maximumGridCells = Int(Int32.max)

    static func weights(
        _ basins: [ZonalBasin], grid: RegularGrid, crs: CRS, options: ZonalOptions,
        gridSource: String, summary: inout ZonalSummary, log: (String) -> Void
    ) throws -> ZonalWeights {
        let weights = try Self.weights(
            basins, grid: grid, crs: crs, cacheDirectory: options.cacheDirectory,
            areaWeighted: options.areaWeighted, gridSource: gridSource, summary: &summary,
            log: log)
        if let url = options.weightsCSV { try ZonalCSVWriter.writeWeights(weights, to: url) }
        return weights
    }

    /// The weights of `basins` (already in `crs`) on `grid`, from the cache when one is given;
    /// logs basins outside or partly outside the grid.
    /// - Throws: ``ZonalError/noBasinOnGrid(_:)`` when no basin touches the grid.
    package static func weights(
        _ basins: [ZonalBasin], grid: RegularGrid, crs: CRS, cacheDirectory: URL?,
        areaWeighted: Bool, gridSource: String, summary: inout ZonalSummary,
        log: (String) -> Void
    ) throws -> ZonalWeights {
        // Cell numbers are stored as Int32 (weights, cache files): larger grids are refused
        // here, before any weight is computed.
        guard grid.cellCount <= maximumGridCells else {
            throw ZonalError.badInput(
                gridSource,
                "the grid has \(grid.rows) × \(grid.cols) cells, more than the "
                    + "\(maximumGridCells) geomap can index (cut or coarsen it first)")
        }
        let start = Date()
        let weights: ZonalWeights
        if let directory = cacheDirectory {
            let result = WeightsCache(directory: directory).weights(
                basins: basins, grid: grid, crs: crs.wkt, areaWeighted: areaWeighted,
                warn: log)
            weights = result.weights
            summary.cache = result.outcome
        } else {
            weights = ZonalWeights(basins: basins, grid: grid, areaWeighted: areaWeighted)
        }
        summary.secondsForWeights = Date().timeIntervalSince(start)
        summary.basins = weights.basinCount
        summary.nonZeroWeights = weights.nonZeroCount
        let outside = weights.basinsOutsideGrid
        summary.basinsOnGrid = weights.basinCount - outside.count
        if !outside.isEmpty {
            let ids = outside.map { weights.basinIDs[$0] }.joined(separator: ", ")
            log("\(outside.count) basin(s) outside the grid of \(gridSource), left out: \(ids)")
        }
        for b in weights.basinsPartlyOutside() {
            let share = (weights.coveredShare[b] * 1000).rounded() / 10
            log(
                "basin \(weights.basinIDs[b]) lies only \(share) % on the grid of "
                    + "\(gridSource); its statistics cover that part")
        }
        guard summary.basinsOnGrid > 0 else { throw ZonalError.noBasinOnGrid(gridSource) }
        return weights
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
        let weights = try forcingWeights(
            forcing, basins: set, options: options, summary: &summary, log: log)
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
            ) { chunk, slab in
                let offset = times.lowerBound
                let local = (slab.lowerBound - offset)..<(slab.upperBound - offset)
                summary.rows += try sink.write(
                    chunk, variable: variable.name, steps: local, dates: Array(dates[local]))
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

    /// The coverage weights of `basins` on a forcing's grid (reprojected to its CRS, cached
    /// when `options.cacheDirectory` is set); shared by `geomap zonal` and the basin pipeline,
    /// which then streams `ZonalForcing.aggregate` into its own sink. Only the options'
    /// `areaWeighted`, `cacheDirectory` and `weightsCSV` are used.
    /// - Throws: ``ZonalError/noBasinOnGrid(_:)`` when no basin touches the grid.
    package static func forcingWeights(
        _ forcing: CFForcing, basins set: BasinSet, options: ZonalOptions,
        summary: inout ZonalSummary, log: (String) -> Void
    ) throws -> ZonalWeights {
        let grid = try ZonalForcing.grid(of: forcing)
        let crs = try CRS(forcing.grid.crs?.definition ?? "EPSG:4326")
        let basins = try Self.basins(set, target: crs, grid: grid)
        return try weights(
            basins, grid: grid, crs: crs, options: options, gridSource: forcing.paths[0],
            summary: &summary, log: log)
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
        let (crs, grid) = try rasterGrid(raster, band: options.band, bandOption: "--band")
        let (_, basins) = try Self.basins(options, target: crs, grid: grid, log: log)
        let weights = try Self.weights(
            basins, grid: grid, crs: crs, options: options, gridSource: path,
            summary: &summary, log: log)
        let start = Date()
        let name =
            options.variableName
            ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let chunk = try aggregateRaster(
            raster, band: options.band, name: name, weights: weights,
            statistics: options.statistics, log: log, progress: progress)
        let writer = try ZonalCSVWriter(url: options.output)
        try writer.write(
            chunk, basinIDs: weights.basinIDs, times: [""], variable: name,
            skipping: Set(weights.basinsOutsideGrid))
        try writer.finish()
        summary.steps = 1
        summary.rows = (weights.basinCount - weights.basinsOutsideGrid.count) * chunk.columns.count
        summary.secondsForValues = Date().timeIntervalSince(start)
        return summary
    }

    /// The CRS and regular grid of a raster whose band `band` is to be aggregated.
    /// - Parameter bandOption: how the band was chosen, for the error (`--band`, `band`).
    /// - Throws: ``ZonalError/badInput(_:_:)`` for a band that does not exist or a rotated
    ///   grid, ``GeoRaster/RasterError/missingCRS(path:operation:)`` without a CRS.
    package static func rasterGrid(_ raster: borrowing Raster, band: Int, bandOption: String) throws
        -> (crs: CRS, grid: RegularGrid)
    {
        guard (1...raster.bands.count).contains(band) else {
            throw ZonalError.badInput(
                raster.path,
                "has \(raster.bands.count) band(s); \(bandOption) \(band) does not exist")
        }
        // GDAL leaves CF latitude/longitude NetCDF files without a CRS; CF says WGS 84.
        let crs =
            try raster.grid.crs ?? netCDFCRS(of: raster.path)
            ?? raster.requireCRS(for: "zonal statistics")
        return (crs, try ZonalRaster.grid(of: raster))
    }

    /// `statistics` of band `band` of `raster` over `weights` (computed on its grid); logs
    /// each basin on the grid without a valid cell (its values are NaN).
    package static func aggregateRaster(
        _ raster: borrowing Raster, band: Int, name: String, weights: ZonalWeights,
        statistics: [ZonalStatistic], log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?
    ) throws -> ZonalChunk {
        let aggregator = ZonalAggregator(
            weights: weights, statistics: statistics, missingValue: nil)
        let chunk = try ZonalRaster.aggregate(
            raster, band: band, aggregator: aggregator,
            progress: { progress?(name, Int($0 * 1000), 1000) })
        for b in 0..<weights.basinCount where chunk.allMissingSteps[b] > 0 {
            log("\(name): basin \(weights.basinIDs[b]) has no valid cell (NaN)")
        }
        return chunk
    }
}
