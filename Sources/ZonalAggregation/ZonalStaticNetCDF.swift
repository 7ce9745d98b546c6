import Foundation
import GeoNetCDF
import GeoProjection
import GeoRaster

/// `geomap zonal --forcings f.nc --var V` where V has no time axis (a static field in a NetCDF
/// file: elevation, soil, land fraction): aggregated like `--raster 'NETCDF:"f.nc":V'`.
extension ZonalJob {
    /// The requested variables when every one of them is a static grid field of the single
    /// forcing file; `nil` when they vary in time (the forcing path applies).
    /// - Throws: ``ZonalError/badInput(_:_:)`` when static and time-varying variables are
    ///   mixed, when a static field comes with several files or `--from`/`--to`, or when the
    ///   file has no time axis and no such variable.
    static func staticVariables(_ options: ZonalOptions) throws -> [String]? {
        guard let path = options.forcingPaths.first,
            let dataset = try? CFDataset(path: path), dataset.grid != nil
        else { return nil }
        let found = options.variables.map { dataset.gridVariable($0) }
        let statics = zip(options.variables, found).filter { $1?.timeDimension == nil }
        let fields = statics.filter { $1 != nil }.map(\.0)
        if dataset.timeAxis == nil, fields.count < options.variables.count {
            let missing = statics.filter { $1 == nil }.map(\.0)
            let available = dataset.gridVariables.map(\.name).joined(separator: ", ")
            throw ZonalError.badInput(
                path,
                "no time axis (no variable with axis = \"T\", standard_name = \"time\" or "
                    + "units '<unit> since <date>'), and '\(missing[0])' is not a static grid "
                    + "field of it (static fields: \(available.isEmpty ? "none" : available))")
        }
        guard !fields.isEmpty else { return nil }
        let suggestion = "--raster 'NETCDF:\"\(path)\":\(fields[0])'"
        guard fields.count == options.variables.count else {
            let varying = options.variables.filter { !fields.contains($0) }
            throw ZonalError.badInput(
                path,
                "'\(fields[0])' has no time axis (a static field) while '\(varying[0])' varies "
                    + "in time: run them separately (the static one as \(suggestion))")
        }
        guard options.forcingPaths.count == 1 else {
            throw ZonalError.badInput(
                path,
                "'\(fields[0])' has no time axis (a static field); give one file, e.g. "
                    + suggestion)
        }
        if options.from != nil || options.to != nil {
            throw ZonalError.badInput(
                path,
                "'\(fields[0])' has no time axis (a static field): --from/--to do not apply")
        }
        return fields
    }

    /// Aggregates the static `variables` of a NetCDF file through GDAL's netCDF driver (one
    /// weights computation, one CSV with an empty time column, like `--raster`).
    static func runStaticNetCDF(
        _ path: String, variables: [String], options: ZonalOptions, log: (String) -> Void,
        progress: ((String, Int, Int) -> Void)?
    ) throws -> ZonalSummary {
        guard options.output.pathExtension.lowercased() == "csv" else {
            throw ZonalError.badInput(
                options.output.path,
                "'\(variables[0])' of \(path) has no time axis (a static field); its results "
                    + "are written as CSV (use an output ending in .csv)")
        }
        var summary = ZonalSummary()
        let writer = try ZonalCSVWriter(url: options.output)
        var weights: ZonalWeights?
        let start = Date()
        for name in variables {
            let raster = try Raster(opening: "NETCDF:\"\(path)\":\(name)")
            let (crs, grid) = try CoverageWeights.rasterGrid(raster, band: 1, bandOption: "band")
            if weights == nil || weights?.grid != grid {
                let (_, basins) = try Self.basins(options, target: crs, grid: grid, log: log)
                weights = try summary.record(
                    options.coverageWeights.weights(
                        basins, grid: grid, crs: crs, gridSource: path, log: log))
            }
            guard let weights else { continue }
            let stats = try aggregateRaster(
                raster, band: 1, name: name, weights: weights, statistics: options.statistics,
                log: log, progress: progress)
            let skipping = Set(weights.basinsOutsideGrid)
            try writer.write(
                stats, basinIDs: weights.basinIDs, times: [""], variable: name,
                skipping: skipping)
            summary.rows += (weights.basinCount - skipping.count) * stats.columns.count
        }
        try writer.finish()
        summary.steps = 1
        summary.secondsForValues = Date().timeIntervalSince(start)
        return summary
    }

    /// The CRS CF gives a NetCDF raster (`NETCDF:"f.nc":var`, or `f.nc`) that GDAL's netCDF
    /// driver left without one: WGS 84 for plain latitude/longitude axes, else its
    /// grid_mapping. `nil` for other rasters or when the file has no CF grid with a CRS.
    static func netCDFCRS(of rasterPath: String) -> CRS? {
        var file = rasterPath
        if rasterPath.hasPrefix("NETCDF:") {
            let rest = rasterPath.dropFirst("NETCDF:".count)
            if rest.hasPrefix("\""), let close = rest.dropFirst().firstIndex(of: "\"") {
                file = String(rest[rest.index(after: rest.startIndex)..<close])
            } else if let colon = rest.lastIndex(of: ":") {
                file = String(rest[..<colon])
            }
        } else if !rasterPath.lowercased().hasSuffix(".nc") {
            return nil
        }
        guard let dataset = try? CFDataset(path: file),
            let definition = dataset.grid?.crs?.definition
        else { return nil }
        return try? CRS(definition)
    }
}
