import ArgumentParser
import Foundation
import GeoNetCDF
import GeomapCore

/// Options of basin mode shared by `geomap predict --basins` and `geomap embed --basins`
/// (`--model`, `--quiet` come from ``TileRunOptions``).
struct BasinRunOptions: ParsableArguments {
    @Option(help: "Basin polygons (any OGR vector file): basin-by-basin mode.")
    var basins: String?

    @Option(help: "Layer of the basin file (default: the first polygon layer).")
    var layer: String?

    @Option(help: "Field holding basin ids (default: the first unique id-like field).")
    var idField: String?

    @Option(
        help: "Forcings, repeatable: gridded CF NetCDF, or per-basin CSV / CF timeSeries NetCDF.")
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

    @Option(help: "First day to predict (YYYY-MM-DD; default: the first with a full warm-up).")
    var start: String?

    @Option(help: "Last day to predict (YYYY-MM-DD; default: the last forcing day).")
    var end: String?

    @Flag(help: "Weight lat/lon cells by true cell area (see docs/zonal.md).")
    var areaWeighted = false

    @OptionGroup var weightsCache: WeightsCacheOptions

    /// The assembler's request.
    func request() throws -> BasinInputRequest {
        guard let basins else { throw ValidationError("give --basins POLYGONS") }
        return BasinInputRequest(
            basinsPath: basins, layer: layer, idField: idField, forcingPaths: forcings,
            attributesPath: attributes,
            staticRasters: try staticRasters.map { try StaticRasterSource(parsing: $0) },
            mappingPath: mapping, start: try start.map { try Self.date($0, "--start") },
            end: try end.map { try Self.date($0, "--end") }, areaWeighted: areaWeighted,
            cacheDirectory: weightsCache.directory)
    }

    func validate() throws {
        guard basins != nil else { return }
        if forcings.isEmpty { throw ValidationError("--basins needs --forcings FILE") }
        if let start { _ = try Self.date(start, "--start") }
        if let end { _ = try Self.date(end, "--end") }
    }

    /// Parses `YYYY-MM-DD`.
    static func date(_ text: String, _ option: String) throws -> CFDate {
        guard let date = CFDate(day: text, calendar: .prolepticGregorian) else {
            throw ValidationError("\(option) '\(text)' is not a date YYYY-MM-DD")
        }
        return date
    }

    /// Runs `job` with progress on stderr, prints the notes, each basin not run (one line
    /// each) and a summary; exits 1 (partial failure) when some basins were not run.
    static func run(
        verb: String, quiet: Bool,
        _ job: (_ log: (String) -> Void, _ progress: @escaping (String, Int, Int) -> Void) throws
            -> BasinJobSummary
    ) throws {
        let bar = ProgressBar(enabled: !quiet)
        let basinBar = TileProgress(enabled: !quiet, label: verb, unit: "basins")
        let summary = try job(
            { message in if !quiet { bar.note("geomap: \(verb): \(message)") } },
            { stage, done, total in
                if stage == verb {
                    bar.clear()
                    basinBar.update(done: done, total: total)
                } else {
                    bar.update("\(verb): \(stage)", done: done, total: total)
                }
            })
        basinBar.clear()
        bar.clear()
        for problem in summary.problems {
            bar.note("geomap: \(verb): basin \(problem.id) not run: \(problem.reason)")
        }
        if !quiet {
            let run = summary.basins - summary.problems.count
            let rate = summary.seconds > 0 ? Double(run * summary.days) / summary.seconds : 0
            let demo = summary.modelIsDemo ? ", a DEMO model trained on synthetic data" : ""
            let missing =
                summary.missingDays > 0
                ? "; \(summary.missingDays) basin-days with missing forcings flagged" : ""
            bar.note(
                "geomap: \(verb): \(run) of "
                    + "\(summary.basins) basins × \(summary.days) days with model "
                    + "\(summary.modelName)\(demo)\(missing) → "
                    + summary.outputs.joined(separator: ", ")
                    + String(format: " in %.1f s (%.0f basin-days/s)", summary.seconds, rate))
        }
        if !summary.problems.isEmpty {
            throw ExitCode(ExitStatus.partialFailure.rawValue)
        }
    }
}
