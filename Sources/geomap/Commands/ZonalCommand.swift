import ArgumentParser
import Foundation
import GeomapCore

/// `geomap zonal`: exact per-basin statistics of gridded forcings or static rasters.
struct ZonalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zonal",
        abstract: "Exact per-basin statistics of NetCDF forcings or a static raster.",
        discussion: """
            Cells are weighted by the exact share of them each basin covers (coverage \
            fractions, as exactextract); the weights are computed once per grid and basin set \
            and cached. Missing values are left out and the remaining weights renormalised. \
            Statistics: mean, sum, count, min, max, stdev, majority, frac (per-class \
            fractions), valid_share. OUT.csv gets rows basin_id,time,variable,stat,value; \
            OUT.nc a CF-1.8 per-basin timeSeries file. See docs/zonal.md.
            """)

    @Option(help: "Basin polygons (any OGR vector file, e.g. basins.shp).")
    var basins: String

    @Option(help: "Layer of the basin file (default: the first polygon layer).")
    var layer: String?

    @Option(help: "Field holding basin ids (default: the first unique id-like field).")
    var idField: String?

    @OptionGroup(title: "Forcings mode") var forcing: ZonalForcingOptions

    @OptionGroup(title: "Raster mode") var rasterOptions: ZonalRasterOptions

    @Option(name: .customLong("stat"), help: "Statistic (repeatable).")
    var statistics: [ZonalStatistic] = []

    @Flag(help: "Weight cells by coverage × true cell area (lat/lon grids; see docs/zonal.md).")
    var areaWeighted = false

    @Option(help: "Output file: .csv (long rows) or .nc (CF per-basin time series).")
    var out: String

    @Option(help: "Also write the weights as basin_id,row,col,coverage to this CSV.")
    var weights: String?

    @OptionGroup var weightsCache: WeightsCacheOptions

    @Flag(help: "No progress bar and no notes on stderr (warnings still print).")
    var quiet = false

    static let statNames = ZonalStatistic.allCases.map(\.rawValue).joined(separator: ", ")

    static let modes = [
        StrictArguments.Mode(
            name: "forcings", selector: "--forcings", value: "FILE.nc",
            groups: [ZonalForcingOptions.self]),
        StrictArguments.Mode(
            name: "raster", selector: "--raster", value: "FILE", groups: [ZonalRasterOptions.self]),
    ]

    func validate() throws {
        try StrictArguments().checkModes(Self.modes)
        if !forcing.forcings.isEmpty, forcing.variables.isEmpty {
            throw ValidationError("--forcings needs at least one --var NAME")
        }
        if statistics.isEmpty {
            throw ValidationError("give at least one --stat (\(Self.statNames))")
        }
        // A value given twice would write its rows twice (CSV) or fail at the end (NetCDF).
        for (option, values) in [
            ("--stat", statistics.map(\.rawValue)), ("--var", forcing.variables),
        ] {
            if let twice = values.enumerated().first(where: {
                values[..<$0.offset].contains($0.element)
            }) {
                throw ValidationError("\(option) \(twice.element) is given twice")
            }
        }
    }

    @OptionGroup var gdalCache: GDALCacheOptions

    func run() throws {
        gdalCache.apply()
        var options = ZonalOptions(
            basinsPath: basins, statistics: statistics,
            output: URL(fileURLWithPath: out))
        options.layer = layer
        options.idField = idField
        options.forcingPaths = forcing.forcings
        options.variables = forcing.variables
        options.rasterPath = rasterOptions.raster
        options.band = rasterOptions.band
        options.variableName = rasterOptions.variableName
        options.areaWeighted = areaWeighted
        options.from = forcing.from
        options.to = forcing.to
        options.weightsCSV = weights.map { URL(fileURLWithPath: $0) }
        options.cacheDirectory = weightsCache.directory
        let progress = ProgressReporter(quiet: quiet)
        let events = JobEvents(
            note: { progress.note("geomap: \($0)") },
            warn: { progress.warn("geomap: warning: \($0)") },
            progress: { progress.update($0, done: $1, total: $2) })
        for result in try ZonalJob.runAll(options, events: events) {
            progress.clear()
            let summary = result.summary
            let cache = summary.cache.map { ", weights cache \($0.rawValue)" } ?? ""
            progress.note(
                "geomap: zonal: \(summary.basinsOnGrid) of \(summary.basins) basins on the "
                    + "grid, \(summary.nonZeroWeights) weights\(cache); \(summary.rows) values → "
                    + out)
        }
    }
}

/// Forcings mode of `geomap zonal`.
struct ZonalForcingOptions: ParsableArguments {
    @Option(help: "CF NetCDF forcing file (repeat for files split in time).")
    var forcings: [String] = []

    @Option(name: .customLong("var"), help: "Forcing variable to aggregate (repeatable).")
    var variables: [String] = []

    @Option(help: "First date of the forcings to aggregate (YYYY-MM-DD).")
    var from: String?

    @Option(help: "Last date of the forcings to aggregate (YYYY-MM-DD).")
    var to: String?
}

/// Raster mode of `geomap zonal`.
struct ZonalRasterOptions: ParsableArguments {
    @Option(help: "A static raster instead of forcings (any GDAL raster).")
    var raster: String?

    @Option(help: "Band of --raster (1-based).")
    var band = 1

    @Option(help: "The variable column for --raster (default: the file name).")
    var variableName: String?
}
