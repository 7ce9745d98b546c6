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

    @Option(help: "CF NetCDF forcing file (repeat for files split in time).")
    var forcings: [String] = []

    @Option(name: .customLong("var"), help: "Forcing variable to aggregate (repeatable).")
    var variables: [String] = []

    @Option(help: "A static raster instead of forcings (any GDAL raster).")
    var raster: String?

    @Option(help: "Band of --raster (1-based).")
    var band = 1

    @Option(help: "The variable column for --raster (default: the file name).")
    var variableName: String?

    @Option(name: .customLong("stat"), help: "Statistic (repeatable): \(statNames).")
    var statistics: [String] = []

    @Flag(help: "Weight cells by coverage × true cell area (lat/lon grids; see docs/zonal.md).")
    var areaWeighted = false

    @Option(help: "First date of the forcings to aggregate (YYYY-MM-DD).")
    var from: String?

    @Option(help: "Last date of the forcings to aggregate (YYYY-MM-DD).")
    var to: String?

    @Option(help: "Output file: .csv (long rows) or .nc (CF per-basin time series).")
    var out: String

    @Option(help: "Also write the weights as basin_id,row,col,coverage to this CSV.")
    var weights: String?

    @OptionGroup var weightsCache: WeightsCacheOptions

    @Flag(help: "No progress bar and no notes on stderr (warnings still print).")
    var quiet = false

    static let statNames = ZonalStatistic.allCases.map(\.rawValue).joined(separator: ", ")

    func validate() throws {
        if raster == nil, forcings.isEmpty {
            throw ValidationError("give --forcings FILE.nc (with --var) or --raster FILE")
        }
        if raster != nil, !forcings.isEmpty {
            throw ValidationError("give either --forcings or --raster, not both")
        }
        if !forcings.isEmpty, variables.isEmpty {
            throw ValidationError("--forcings needs at least one --var NAME")
        }
        if statistics.isEmpty {
            throw ValidationError("give at least one --stat (\(Self.statNames))")
        }
        for name in statistics where ZonalStatistic(rawValue: name) == nil {
            throw ValidationError("unknown statistic '\(name)'; known: \(Self.statNames)")
        }
    }

    @OptionGroup var gdalCache: GDALCacheOptions

    func run() throws {
        gdalCache.apply()
        var options = ZonalOptions(
            basinsPath: basins, statistics: statistics.compactMap(ZonalStatistic.init),
            output: URL(fileURLWithPath: out))
        options.layer = layer
        options.idField = idField
        options.forcingPaths = forcings
        options.variables = variables
        options.rasterPath = raster
        options.band = band
        options.variableName = variableName
        options.areaWeighted = areaWeighted
        options.from = from
        options.to = to
        options.weightsCSV = weights.map { URL(fileURLWithPath: $0) }
        options.cacheDirectory = weightsCache.directory
        let bar = ProgressBar(enabled: !quiet)
        let summary = try ZonalJob.run(
            options, log: { bar.note("geomap: warning: \($0)") },
            progress: { bar.update($0, done: $1, total: $2) })
        bar.clear()
        if !quiet {
            let cache = summary.cache.map { ", weights cache \($0.rawValue)" } ?? ""
            bar.note(
                "geomap: zonal: \(summary.basinsOnGrid) of \(summary.basins) basins on the grid, "
                    + "\(summary.nonZeroWeights) weights\(cache); \(summary.rows) values → "
                    + out)
        }
    }
}

/// A one-line progress bar on stderr, shown only when stderr is a terminal.
final class ProgressBar {
    let enabled: Bool
    private var shown = false

    init(enabled: Bool) {
        self.enabled = enabled && isatty(2) != 0
    }

    func update(_ label: String, done: Int, total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = min(width, done * width / total)
        let bar =
            String(repeating: "#", count: filled)
            + String(repeating: ".", count: width - filled)
        let percent = done * 100 / total
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent) %\u{1B}[K".utf8))
        shown = true
    }

    func clear() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }

    func note(_ line: String) {
        clear()
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
