package import GeomapJobs

/// `geomap zonal`: exact per-basin statistics of gridded forcings or a static raster, one
/// output (`.csv` or `.nc`).
extension ZonalJob: GeomapJob {
    package typealias Request = ZonalOptions
    package typealias Item = ZonalOptions
    package typealias Summary = ZonalSummary

    /// One item: the output. The basin file, every forcing file or the raster are checked
    /// here; the output's folder must exist.
    package static func plan(_ request: ZonalOptions) throws -> [ZonalOptions] {
        try JobInputs.check(request.basinsPath, option: "--basins", directoryAllowed: true)
        for path in request.forcingPaths { try JobInputs.check(path, option: "--forcings") }
        if let path = request.rasterPath { try JobInputs.check(path, option: "--raster") }
        return [request]
    }

    /// Basins outside the grid and basins without a valid cell are warnings (`events.warn`),
    /// not failures: their rows are left out or NaN, as `docs/zonal.md` says.
    package static func run(_ item: ZonalOptions, events: JobEvents) throws -> JobResult<
        ZonalSummary
    > {
        let summary = try run(item, log: events.warn, progress: events.progress)
        return JobResult(written: [item.output.path], summary: summary)
    }
}
