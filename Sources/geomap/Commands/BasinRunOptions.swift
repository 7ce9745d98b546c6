import ArgumentParser
import Foundation
import GeoNetCDF
import GeomapCore

/// Options of basin mode shared by `geomap predict --basins` and `geomap embed --basins`
/// (`--model`, `--out`, `--quiet` and `--gdal-cache-mib` are in ``RunOptions``).
struct BasinRunOptions: ParsableArguments {
    @Option(help: "Basin polygons (any OGR vector file): basin-by-basin mode.")
    var basins: String?

    @Option(help: "Layer of the basin file (default: the first polygon layer).")
    var layer: String?

    @Option(help: "Field holding basin ids (default: the first unique id-like field).")
    var idField: String?

    @Option(
        help: """
            Forcings, repeatable: gridded CF NetCDF, per-basin CSV / CF timeSeries NetCDF, or a \
            folder or quoted 'pattern' of one file per basin (Caravan .nc/.csv, CAMELS .txt).
            """)
    var forcings: [String] = []

    @Option(help: "Static attributes: CSV keyed by basin id.")
    var attributes: String?

    @Option(
        name: .customLong("static-raster"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "Static attributes from rasters: NAME=PATH, NAME=PATH:class=V or PATH (several).",
            valueName: "spec"))
    var staticRasters: [String] = []

    @Option(help: "Variable mapping JSON: your names and units → the model's.")
    var mapping: String?

    @Option(
        help: """
            First day to predict or embed (YYYY-MM-DD; default: predict, the first day with a \
            full warm-up before it; embed, the first forcing day).
            """)
    var start: String?

    @Option(help: "Last day to predict (YYYY-MM-DD; default: the last forcing day).")
    var end: String?

    @Flag(help: "Weight lat/lon cells by true cell area (see docs/zonal.md).")
    var areaWeighted = false

    @Flag(
        help: """
            Refuse (exit 2) inputs more than 10 standard deviations from the model's training \
            mean instead of warning (see docs/basin-inputs.md).
            """)
    var strictRanges = false

    @Option(
        help: ArgumentHelp(
            "Only group I of the basins: the features at positions I·N…(I+1)·N−1 of the layer "
                + "(N: --group-size); outputs <stem>.group-IIII.* (embed: E.group-IIII.nc).",
            valueName: "I"))
    var group: Int?

    @Option(
        help: ArgumentHelp(
            "Basins per group with --group (default: \(BasinGroup.defaultSize)).",
            valueName: "N"))
    var groupSize: Int?

    @OptionGroup var weightsCache: WeightsCacheOptions

    /// The assembler's request.
    func request() throws -> BasinInputRequest {
        guard let basins else { throw ValidationError("give --basins POLYGONS") }
        var request = BasinInputRequest(
            basinsPath: basins, layer: layer, idField: idField, forcingPaths: forcings,
            attributesPath: attributes,
            staticRasters: try staticRasters.map { try StaticRasterSource(parsing: $0) },
            mappingPath: mapping, start: try start.map { try Self.date($0, "--start") },
            end: try end.map { try Self.date($0, "--end") }, areaWeighted: areaWeighted,
            cacheDirectory: weightsCache.directory)
        request.strictRanges = strictRanges
        request.group = group.map {
            BasinGroup(index: $0, size: groupSize ?? BasinGroup.defaultSize)
        }
        return request
    }

    func validate() throws {
        if let start { _ = try Self.date(start, "--start") }
        if let end { _ = try Self.date(end, "--end") }
        if let group, group < 0 {
            throw ValidationError("--group \(group): a group number is 0 or more")
        }
        if let groupSize {
            guard groupSize >= 1 else {
                throw ValidationError("--group-size \(groupSize): a group holds 1 basin or more")
            }
            guard group != nil else {
                throw ValidationError("--group-size needs --group I (the group to run)")
            }
        }
    }

    /// `--forcings` is given, and every input file named is there and readable (called after
    /// the mode is checked).
    func checkInputFiles() throws {
        guard let basins else { return }
        if forcings.isEmpty { throw ValidationError("--basins needs --forcings FILE") }
        try InputFiles.check(basins, option: "--basins", directoryAllowed: true)
        for path in forcings { try InputFiles.checkSet(path, option: "--forcings") }
        if let attributes { try InputFiles.check(attributes, option: "--attributes") }
        for spec in staticRasters {
            let source: StaticRasterSource
            do { source = try StaticRasterSource(parsing: spec) } catch {
                throw ValidationError(Geomap.oneLine(error))
            }
            try InputFiles.check(source.path, option: "--static-raster")
        }
        if let mapping { try InputFiles.check(mapping, option: "--mapping") }
    }

    /// Parses `YYYY-MM-DD`.
    static func date(_ text: String, _ option: String) throws -> CFDate {
        guard let date = CFDate(day: text, calendar: .prolepticGregorian) else {
            throw ValidationError("\(option) '\(text)' is not a date YYYY-MM-DD")
        }
        return date
    }

    /// Runs a basin job with progress on stderr, prints the notes, each basin not run (one
    /// line each, even with `--quiet`), each basin with non-finite model output (likewise) and
    /// a summary; exits 1 (partial failure) when some basins were not run or had non-finite
    /// output.
    static func run<Job: GeomapJob>(
        _ job: Job.Type, _ request: Job.Request, verb: String, progress: ProgressReporter
    ) throws where Job.Summary == BasinJobSummary {
        let events = JobEvents(
            note: { progress.note("geomap: \(verb): \($0)") },
            warn: { progress.warn("geomap: \(verb): \($0)") },
            progress: { stage, done, total in
                if stage == verb {
                    progress.update(verb, done: done, total: total, unit: "basins")
                } else {
                    progress.update("\(verb): \(stage)", done: done, total: total)
                }
            })
        for result in try Job.runAll(request, events: events) {
            progress.clear()
            for line in result.failed { progress.warn("geomap: \(verb): \(line)") }
            let summary = result.summary
            let run = summary.basins - summary.problems.count
            let rate = summary.seconds > 0 ? Double(run * summary.days) / summary.seconds : 0
            let demo = summary.modelIsDemo ? ", a DEMO model trained on synthetic data" : ""
            let missing =
                summary.missingDays > 0
                ? "; \(summary.missingDays) basin-days with missing forcings flagged" : ""
            let nonFinite =
                summary.nonFiniteDays > 0
                ? "; \(summary.nonFiniteDays) basin-days of \(summary.failures.count) basins "
                    + "with non-finite model output flagged" : ""
            progress.note(
                "geomap: \(verb): \(run) of "
                    + "\(summary.basins) basins × \(summary.days) days with model "
                    + "\(summary.modelName)\(demo)\(missing)\(nonFinite)"
                    + (summary.archive.map { "; \($0.description)" } ?? "") + " → "
                    + result.written.joined(separator: ", ")
                    + String(format: " in %.1f s (%.0f basin-days/s)", summary.seconds, rate))
            if result.exitStatus != .success { throw ExitCode(result.exitStatus.rawValue) }
        }
    }
}

/// `--observed`: basin mode of `geomap predict` only.
struct ObservedOptions: ParsableArguments {
    @Option(
        help: """
            Observed series for the summary's metrics: per-basin CSV or NetCDF, CAMELS USGS \
            streamflow .txt, or a folder or quoted 'pattern' of one file per basin.
            """)
    var observed: [String] = []

    /// Every file named is there and readable; every folder or pattern names some file.
    func checkInputFiles() throws {
        for path in observed { try InputFiles.checkSet(path, option: "--observed") }
    }
}
