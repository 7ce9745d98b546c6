import Foundation
import GeoNetCDF
import GeoRaster
import GeomapCore
import OutputFiles
import TestSupport
import Testing

/// What a folder holds after a faulted run, compared with the old set (`before`).
private enum SetState: Equatable {
    case old, new
    case mix([String])
}

/// Name → (inode, bytes) of the set's files present in `directory`.
private func snapshot(_ directory: URL, _ names: [String]) -> [String: (UInt64, Data)] {
    var result: [String: (UInt64, Data)] = [:]
    for name in names {
        let path = directory.appendingPathComponent(name).path
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path)
        else { continue }
        result[name] = (UInt64(info.st_ino), data)
    }
    return result
}

/// Old when every file is the old one (same inode and bytes), new when every file is a new
/// one (and the set is complete), a mix otherwise.
private func state(
    _ directory: URL, _ names: [String], before: [String: (UInt64, Data)]
) -> SetState {
    let now = snapshot(directory, names)
    let isOld =
        now.count == before.count
        && now.allSatisfy { name, value in
            before[name].map { $0.0 == value.0 && $0.1 == value.1 } ?? false
        }
    if isOld { return .old }
    let isNew = now.count == names.count && now.allSatisfy { before[$0.key]?.0 != $0.value.0 }
    if isNew { return .new }
    return .mix(now.keys.sorted())
}

/// Runs `job` once per file-system call of a commit, failing (EIO) or killing that call, and
/// checks after each (and, for kills, after the next run's recovery) that the folder holds
/// the complete old set or the complete new set.
private func faultSweep(
    directory: URL, names: [String], modes: [String] = ["fail", "kill"],
    onlyRenames: Bool = false, job: () throws -> Void
) throws {
    try job()  // the old set
    let counter = FaultyFileSystem(.count)
    try OutputEnvironment.$fileSystem.withValue(counter) { try job() }
    let steps = counter.calls.indices.filter {
        !onlyRenames || counter.calls[$0].hasPrefix("rename")
    }
    #expect(!steps.isEmpty)
    let dead = try deadProcessID()
    for index in steps {
        for mode in modes {
            let before = snapshot(directory, names)
            #expect(before.count == names.count)
            let faulty = FaultyFileSystem(
                mode == "fail" ? .fail(at: index + 1, code: EIO) : .kill(at: index + 1))
            var status: OutputFiles.ExitStatus?
            OutputEnvironment.$processID.withValue(mode == "kill" ? dead : getpid()) {
                OutputEnvironment.$fileSystem.withValue(faulty) {
                    do { try job() } catch {
                        status = (error as? ExitStatusProviding)?.exitStatus
                    }
                }
            }
            if mode == "kill" {
                // The next run in the folder finishes what the killed one left.
                OutputRecovery.sweep(directory.path)
            } else if let status {
                #expect(status == .ioError, "step \(index + 1) \(counter.calls[index])")
            }
            let result = state(directory, names, before: before)
            #expect(
                result == .old || result == .new,
                "\(mode) at \(counter.calls[index]): \(result)")
            let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasPrefix(".geomap-") }
            #expect(
                left.allSatisfy { TemporaryName.processID(in: $0) == getpid() },
                "\(mode) at \(counter.calls[index]): \(left)")
            OutputRecovery.sweep(directory.path)
        }
    }
}

@Suite("output sets of the jobs: failures and kills at every commit step, checks (exit 3)")
struct OutputCommitJobTests {
    static func tileRequest(_ input: String, _ out: URL, stride: Int) -> TilePredictionRequest {
        var request = TilePredictionRequest(inputPath: input)
        request.stride = stride
        request.useMetadata = false
        request.classesPath = out.appendingPathComponent("t.classes.tif").path
        request.probabilitiesPath = out.appendingPathComponent("t.probabilities.tif").path
        request.embeddingsPath = out.appendingPathComponent("t.embeddings.tif").path
        request.pooling = .cls
        return request
    }

    static let tileNames = [
        "t.classes.tif", "t.classes.tif.aux.xml", "t.classes.qml", "t.probabilities.tif",
        "t.probabilities.qml", "t.embeddings.tif", "t.embeddings.qml",
    ]

    @Test("tile outputs (classes, probabilities, embeddings, .aux.xml, .qml): old or new set")
    func tileFaults() throws {
        let directory = try makeTemporaryDirectory("commit-jobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.tif").path
        try TileFixtures.writeRaster(input, width: 80, height: 80) { band, row, column in
            Float(1000 + band * 100 + row + column)
        }
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var stride = 40
        try faultSweep(directory: out, names: Self.tileNames) {
            stride = stride == 40 ? 20 : 40
            _ = try TilePredictor.run(
                Self.tileRequest(input, out, stride: stride), model: EchoTileModel())
        }
    }

    @Test("a tile output corrupted between writing and its check: exit 3, the old set stays")
    func tileCorrupted() throws {
        let directory = try makeTemporaryDirectory("commit-jobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.tif").path
        try TileFixtures.writeRaster(input, width: 80, height: 80) { band, row, column in
            Float(1000 + band * 100 + row + column)
        }
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        _ = try TilePredictor.run(Self.tileRequest(input, out, stride: 40), model: EchoTileModel())
        let before = snapshot(out, Self.tileNames)
        let truncate: @Sendable (String) -> Void = { path in
            if path.hasSuffix("probabilities.tif") { _ = Glibc.truncate(path, 600) }
        }
        let error = OutputEnvironment.$beforeValidation.withValue(truncate) {
            #expect(throws: OutputError.self) {
                _ = try TilePredictor.run(
                    Self.tileRequest(input, out, stride: 20), model: EchoTileModel())
            }
        }
        #expect(error?.exitStatus == .invalidOutput)
        #expect(
            error?.description.hasPrefix(
                out.appendingPathComponent("t.probabilities.tif").path + ": the written output "
                    + "failed its check") == true, "\(String(describing: error))")
        #expect(state(out, Self.tileNames, before: before) == .old)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == Self.tileNames.sorted())
    }

    static func zonalOptions(_ out: URL, statistic: ZonalStatistic) -> ZonalOptions {
        var options = ZonalOptions(
            basinsPath: TestPaths.samples.appendingPathComponent("basins.shp").path,
            statistics: [statistic], output: out)
        options.forcingPaths = [TestPaths.samples.appendingPathComponent("forcings.nc").path]
        options.variables = ["pr"]
        options.to = "2016-01-31"
        return options
    }

    @Test("zonal outputs (.csv and .nc): a failure at every commit step keeps old or new")
    func zonalFaults() throws {
        for ext in ["csv", "nc"] {
            let directory = try makeTemporaryDirectory("commit-jobs")
            defer { try? FileManager.default.removeItem(at: directory) }
            let out = directory.appendingPathComponent("z.\(ext)")
            var statistic = ZonalStatistic.mean
            try faultSweep(directory: directory, names: ["z.\(ext)"]) {
                statistic = statistic == .mean ? .max : .mean
                _ = try ZonalJob.run(Self.zonalOptions(out, statistic: statistic), log: { _ in })
            }
        }
    }

    @Test("a zonal NetCDF truncated before its check: exit 3 naming it, no file left")
    func zonalCorrupted() throws {
        let directory = try makeTemporaryDirectory("commit-jobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("z.nc")
        let truncate: @Sendable (String) -> Void = { path in _ = Glibc.truncate(path, 100) }
        let error = OutputEnvironment.$beforeValidation.withValue(truncate) {
            #expect(throws: OutputError.self) {
                _ = try ZonalJob.run(Self.zonalOptions(out, statistic: .mean), log: { _ in })
            }
        }
        #expect(error?.exitStatus == .invalidOutput)
        #expect(error?.description.hasPrefix(out.path + ": the written output failed") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    static func basinRequest(end day: Int) -> BasinJobRequest {
        let samples = TestPaths.samples
        let statics = ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map {
            StaticRasterSource(
                name: $0, path: samples.appendingPathComponent("static/\($0).tif").path)
        }
        return BasinJobRequest(
            inputs: BasinInputRequest(
                basinsPath: samples.appendingPathComponent("basins.shp").path,
                forcingPaths: [samples.appendingPathComponent("forcings.nc").path],
                staticRasters: statics, start: CFDate(year: 2016, month: 6, day: 1),
                end: CFDate(year: 2016, month: 6, day: day)),
            command: "geomap test", geomapVersion: "test")
    }

    @Test("basin outputs (.nc + .gpkg): a kill at each rename, then recovery: old or new set")
    func basinFaults() throws {
        let directory = try makeTemporaryDirectory("commit-jobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        var day = 10
        try faultSweep(
            directory: directory, names: ["basins.nc", "basins.gpkg"], modes: ["kill"],
            onlyRenames: true
        ) {
            day = day == 10 ? 12 : 10
            _ = try BasinPredictionJob.predict(
                Self.basinRequest(end: day), directory: directory, log: { _ in })
        }
    }

    @Test("basin archive (.forcings.nc, .nc, .gpkg): a kill at each commit step: old or new set")
    func basinArchiveFaults() throws {
        let directory = try makeTemporaryDirectory("commit-jobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        var day = 10
        try faultSweep(
            directory: directory, names: BasinArchive.names(stem: "basins"), modes: ["kill"]
        ) {
            // Nights that grow and shrink the archive by two days.
            day = day == 10 ? 12 : 10
            _ = try BasinArchive.predict(
                Self.basinRequest(end: day), directory: directory, log: { _ in })
        }
        // The folder holds a whole set the next night continues from.
        var notes: [String] = []
        let summary = try BasinArchive.predict(
            Self.basinRequest(end: 14), directory: directory, log: { notes.append($0) })
        #expect(!notes.contains { $0.contains("rebuilt") }, "\(notes)")
        #expect(summary.archive?.forcingDaysAggregated ?? 0 <= 4)
    }

    @Test("a basin GeoPackage corrupted before its check: exit 3, the old .nc and .gpkg stay")
    func basinCorrupted() throws {
        let directory = try makeTemporaryDirectory("commit-jobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = ["basins.nc", "basins.gpkg"]
        _ = try BasinPredictionJob.predict(
            Self.basinRequest(end: 10), directory: directory, log: { _ in })
        let before = snapshot(directory, names)
        let garble: @Sendable (String) -> Void = { path in
            if path.hasSuffix(".gpkg") {
                try? Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: path))
            }
        }
        let error = OutputEnvironment.$beforeValidation.withValue(garble) {
            #expect(throws: OutputError.self) {
                _ = try BasinPredictionJob.predict(
                    Self.basinRequest(end: 12), directory: directory, log: { _ in })
            }
        }
        #expect(error?.exitStatus == .invalidOutput)
        #expect(state(directory, names, before: before) == .old)
    }
}
