import Foundation
import GeoNetCDF
import GeoRaster
import GeomapCore
import Models
import TestSupport
import Testing

/// Every job run end to end through its ``GeomapCore/GeomapJob`` type from a request built
/// without the CLI, on the committed samples and demo models.
@Suite("the jobs through their one shape: request → plan → run → result")
struct JobShapeTests {
    static let samples = TestPaths.samples
    static func sample(_ name: String) -> String { samples.appendingPathComponent(name).path }
    static func model(_ name: String) -> String {
        TestPaths.repository.appendingPathComponent("models/\(name).safetensors").path
    }
    static let staticRasters = ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"]
        .map { sample("static/\($0).tif") }

    static func tileSettings() -> TilePredictionRequest {
        var tiles = TilePredictionRequest(inputPath: sample("region.tif"))
        tiles.stride = 40
        return tiles
    }

    static func basinJob(observed: [String] = []) throws -> BasinJobRequest {
        BasinJobRequest(
            inputs: BasinInputRequest(
                basinsPath: sample("basins.shp"), forcingPaths: [sample("forcings.nc")],
                staticRasters: try staticRasters.map { try StaticRasterSource(parsing: $0) },
                start: CFDate(day: "2016-06-01", calendar: .prolepticGregorian),
                end: CFDate(day: "2016-06-30", calendar: .prolepticGregorian)),
            model: model("stefaland-demo"), observedPaths: observed, command: "test",
            geomapVersion: "test")
    }

    @Test("tile prediction: classes and probabilities COGs named after the input")
    func tilePrediction() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let folder = out.appendingPathComponent("new").path
        let request = TilePredictionJob.Request(
            tiles: Self.tileSettings(), directory: folder,
            model: TileModelChoice(model: Self.model("moe-mae-demo")))
        let items = try TilePredictionJob.plan(request)
        #expect(items.count == 1)
        let result = try TilePredictionJob.run(items[0], events: .silent)
        #expect(result.failed.isEmpty && result.exitStatus == .success)
        #expect(
            result.written == ["classes", "probabilities"].map { "\(folder)/region.\($0).tif" })
        #expect(result.summary.outputWidth == 10 && result.summary.outputHeight == 8)
        let classes = try Raster(opening: result.written[0])
        #expect(classes.grid.width == 10 && classes.bands.count == 1)
    }

    @Test("tile embeddings: one Float32 COG")
    func tileEmbeddings() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let path = out.appendingPathComponent("e/region.embeddings.tif").path
        let request = TileEmbeddingJob.Request(
            tiles: Self.tileSettings(), output: path, pooling: .mean,
            model: TileModelChoice(model: Self.model("moe-mae-demo")))
        let results = try TileEmbeddingJob.runAll(request, events: .silent)
        #expect(results.count == 1 && results[0].written == [path])
        let raster = try Raster(opening: path)
        #expect(raster.bands.first?.dataType == .float32 && raster.grid.width == 10)
    }

    @Test("basin prediction: NetCDF and GeoPackage; a missing observed file fails in the plan")
    func basinPrediction() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let request = BasinPredictionJob.Request(job: try Self.basinJob(), directory: out.path)
        let progress = Counter()
        let events = JobEvents(
            note: { _ in }, warn: { _ in }, progress: { _, _, _ in progress.add() })
        let results = try BasinPredictionJob.runAll(request, events: events)
        #expect(results.count == 1)
        #expect(results[0].written == ["\(out.path)/basins.nc", "\(out.path)/basins.gpkg"])
        #expect(results[0].summary.days == 30 && results[0].summary.basins == 7)
        #expect(results[0].failed.isEmpty)
        #expect(progress.value > 0)
        let file = try NetCDFFile(opening: results[0].written[0])
        #expect(try file.dimensions().first { $0.name == "time" }?.length == 30)

        var missing = request
        missing.job.observedPaths = [out.appendingPathComponent("nothere.csv").path]
        #expect(throws: JobInputError.self) { _ = try BasinPredictionJob.plan(missing) }

        // A bad observed series stops the job after the inputs are read, before the model runs.
        let bad = out.appendingPathComponent("observed.csv")
        try Data("date,basin,flow\nyesterday,X,1\n".utf8).write(to: bad)
        var observed = request
        observed.job.observedPaths = [bad.path]
        let stages = Recorder()
        let recording = JobEvents(
            note: { _ in }, warn: { _ in }, progress: { stage, _, _ in stages.add(stage) })
        #expect(throws: (any Error).self) {
            _ = try BasinPredictionJob.runAll(observed, events: recording)
        }
        #expect(!stages.values.isEmpty && !stages.values.contains("predict"), "\(stages.values)")
    }

    @Test("basin jobs: a group size plans one item per group; a group past the last fails")
    func basinGroups() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let request = BasinPredictionJob.Request(
            job: try Self.basinJob(), directory: out.path, groupSize: 3)
        let items = try BasinPredictionJob.plan(request)
        #expect(items.map(\.job.inputs.group) == (0..<3).map { BasinGroup(index: $0, size: 3) })
        #expect(items.allSatisfy { $0.groupSize == nil && $0.directory == out.path })
        let embeddings = try BasinEmbeddingJob.plan(
            BasinEmbeddingJob.Request(
                job: try Self.basinJob(), output: out.appendingPathComponent("e.nc").path,
                groupSize: 4))
        #expect(embeddings.map { $0.job.inputs.group?.index } == [0, 1])

        let last = try BasinPredictionJob.run(items[2], events: .silent)
        #expect(last.written == ["nc", "gpkg"].map { "\(out.path)/basins.group-0002.\($0)" })
        #expect(last.summary.basins == 1 && last.failed.isEmpty)

        var past = request
        past.groupSize = nil
        past.job.inputs.group = BasinGroup(index: 3, size: 3)
        #expect(throws: BasinInputError.self) { _ = try BasinPredictionJob.plan(past) }
        var empty = request
        empty.groupSize = 0
        #expect(throws: BasinInputError.self) { _ = try BasinPredictionJob.plan(empty) }
        #expect(
            try BasinPredictionJob.plan(
                BasinPredictionJob.Request(
                    job: try Self.basinJob(), directory: out.path)
            ).map(\.job.inputs.group) == [nil])
    }

    @Test("basin embeddings: one NetCDF with the embedding dimension")
    func basinEmbeddings() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let path = out.appendingPathComponent("basins.embeddings.nc").path
        let request = BasinEmbeddingJob.Request(job: try Self.basinJob(), output: path)
        let results = try BasinEmbeddingJob.runAll(request, events: .silent)
        #expect(results.count == 1 && results[0].written == [path])
        #expect(results[0].summary.days == 30)
        let file = try NetCDFFile(opening: path)
        let dimensions = try file.dimensions()
        #expect(dimensions.first { $0.name == "time" }?.length == 30)
        #expect(dimensions.first { $0.name == "embedding" }?.length == 64)
    }

    @Test("zonal statistics: CSV rows; a missing forcing file fails in the plan")
    func zonal() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let csv = out.appendingPathComponent("z.csv")
        var request = ZonalOptions(
            basinsPath: Self.sample("basins.shp"), statistics: [.mean], output: csv)
        request.forcingPaths = [Self.sample("forcings.nc")]
        request.variables = ["pr"]
        request.to = "2016-01-10"
        let results = try ZonalJob.runAll(request, events: .silent)
        #expect(results.count == 1 && results[0].written == [csv.path])
        #expect(results[0].summary.rows == 7 * 10)
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 7 * 10)

        request.forcingPaths = [out.appendingPathComponent("none.nc").path]
        #expect(throws: JobInputError.self) { _ = try ZonalJob.plan(request) }
    }

    @Test("probe fitting: a head fitted on the labelled sample region, the model written")
    func probeFit() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let base = out.appendingPathComponent("xxs.safetensors")
        try ArchitectureRegistry.importModel(
            checkpoint: TestPaths.fixtures.appendingPathComponent("moe-mae/xxs.upstream.pth"),
            architecture: "moe-mae-xxs", options: ImportOptions(), output: base)
        let head = out.appendingPathComponent("xxs-head.safetensors").path
        var request = ProbeFitJob.Request(
            model: base.path,
            samples: .labelsRaster(
                input: Self.sample("region.tif"), labels: Self.sample("region.labels.tif"),
                stride: 40, minShare: 0.1),
            output: head)
        request.task = .multiClass
        let results = try ProbeFitJob.runAll(request, events: .silent)
        #expect(results.count == 1 && results[0].written == [head])
        #expect(results[0].summary.samples > 0 && !results[0].summary.classNames.isEmpty)
        let model = try MoEMAEModel(contentsOf: URL(fileURLWithPath: head))
        #expect(model.classes == results[0].summary.classNames)

        request.output = base.path
        #expect(throws: ProbeError.self) { _ = try ProbeFitJob.plan(request) }
    }

    @Test("convert: a COG with its class names and style; a bad output name fails in the plan")
    func convert() throws {
        let out = try makeTemporaryDirectory("job-shape")
        defer { try? FileManager.default.removeItem(at: out) }
        let path = out.appendingPathComponent("labels.tif").path
        let request = ConvertJob.Request(input: Self.sample("region.labels.tif"), output: path)
        let results = try ConvertJob.runAll(request, events: .silent)
        #expect(results.count == 1)
        #expect(results[0].written.first == path && results[0].written.count == 3)
        #expect(results[0].summary.width == 400 && !results[0].summary.warped)
        let raster = try Raster(opening: path)
        #expect(raster.grid.height == 300)

        var bad = request
        bad.output = out.appendingPathComponent("labels.png").path
        #expect(throws: ConvertError.self) { _ = try ConvertJob.plan(bad) }
    }
}

/// Strings recorded from a job's threads.
private final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ value: String) {
        lock.lock()
        list.append(value)
        lock.unlock()
    }
    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}

/// A count safe to bump from a job's threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
