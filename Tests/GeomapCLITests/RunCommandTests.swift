import Foundation
import GeoNetCDF
import GeoVector
import TestSupport
import Testing

private let samples = TestPaths.samples
private let staticRasters = [
    "clay", "elevation", "forest_fraction", "sand", "silt", "slope",
].map { samples.appendingPathComponent("static/\($0).tif").path }

/// A run folder: `scenes/a.tif`, `scenes/b.tif` (80 × 80 crops of the sample region), a basin
/// layer and `nightly.yaml` with a tile job over the scenes and a basin job on the sample
/// forcings (June 2016). `extraBasins` adds boxes to the basin layer.
private func runFolder(
    _ label: String, extraBasins: [(String, [Double])] = [], extraTileOptions: String = ""
) throws -> URL {
    let root = try makeTemporaryDirectory(label)
    let scenes = root.appendingPathComponent("scenes")
    try FileManager.default.createDirectory(at: scenes, withIntermediateDirectories: true)
    for (name, x) in [("a", "0"), ("b", "160")] {
        try gdal(
            "gdal_translate",
            [
                "-q", "-srcwin", x, "100", "80", "80",
                samples.appendingPathComponent("region.tif").path,
                scenes.appendingPathComponent("\(name).tif").path,
            ])
    }
    try writeGeoJSONBoxes(
        [("IN", [20.4, 44.8, 20.6, 44.95])] + extraBasins,
        to: root.appendingPathComponent("basins.geojson"))
    let rasters = staticRasters.map { "\"\($0)\"" }.joined(separator: ", ")
    let config = """
        version: 1
        retries: 0
        max-failed-fraction: 1
        jobs:
          - name: landcover
            kind: predict-tiles
            inputs: [scenes]
            out: out/landcover
            stride: 40\(extraTileOptions)
          - name: streamflow
            kind: predict-basins
            basins: basins.geojson
            forcings: \(samples.appendingPathComponent("forcings.nc").path)
            static-raster: [\(rasters)]
            start: 2016-06-01
            end: 2016-06-30
            out: out/streamflow
        """
    try config.write(
        to: root.appendingPathComponent("nightly.yaml"), atomically: true, encoding: .utf8)
    return root
}

private func gdal(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(tool) \(arguments)")
}

/// The ledger's entries as dictionaries, in file order.
private func ledger(_ root: URL) throws -> [[String: Any]] {
    let text = try String(
        contentsOf: root.appendingPathComponent("nightly.run/ledger.jsonl"), encoding: .utf8)
    return text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}

/// Waits until no process started by the run `pid` (an item: `GEOMAP_RUN_PID=pid` in its
/// environment) is left; fails after two minutes.
private func waitForItems(of pid: Int32) throws {
    let marker = Data("GEOMAP_RUN_PID=\(pid)\u{0}".utf8)
    for _ in 0..<1200 {
        let items = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [])
            .filter { Int($0) != nil }
            .filter { process in
                guard
                    let environment = FileManager.default.contents(
                        atPath: "/proc/\(process)/environ")
                else { return false }
                return environment.range(of: marker) != nil
            }
        if items.isEmpty { return }
        Thread.sleep(forTimeInterval: 0.1)
    }
    Issue.record("an item of the killed run \(pid) is still running")
}

/// A fixed creation time, so two runs write byte-identical rasters.
private let reproducible = ["SOURCE_DATE_EPOCH": "1796385600"]

private func run(_ root: URL, _ extra: [String] = []) throws -> CommandResult {
    try runGeomap(
        ["run", root.appendingPathComponent("nightly.yaml").path] + extra,
        environment: reproducible)
}

/// The raster `path` as GDAL reads it: its pixels raw (ENVI, band by band whatever the source's interleaving), its size and its
/// geotransform, so a mosaic VRT and a single raster compare value for value.
private func pixels(_ path: String, in folder: URL) throws -> (Data, String) {
    let raw = folder.appendingPathComponent("\(UUID().uuidString).raw").path
    try runGDALTool("gdal_translate", ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", path, raw])
    defer {
        for suffix in ["", ".hdr", ".aux.xml"] {
            try? FileManager.default.removeItem(atPath: raw + suffix)
        }
    }
    let info = try runGDALTool("gdalinfo", ["-json", path]).stdout
    let json = try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any]
    let grid = "\(json?["size"] ?? "?") \(json?["geoTransform"] ?? "?")"
    return (try Data(contentsOf: URL(fileURLWithPath: raw)), grid)
}

@Suite("geomap run and geomap status")
struct RunCommandTests {
    @Test("a scene split into chunks with a halo equals the scene predicted in one piece")
    func chunksEqualOnePiece() throws {
        let root = try makeTemporaryDirectory("run-chunks")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("scenes"), withIntermediateDirectories: true)
        // 210 × 170 px with the sample's fill corner: at stride 20 an 11 × 9 output grid
        // (partial last column and row), 2 × 2 chunks of at most 6 × 6 output pixels.
        try runGDALTool(
            "gdal_translate",
            [
                "-q", "-srcwin", "0", "0", "210", "170",
                samples.appendingPathComponent("region.tif").path,
                root.appendingPathComponent("scenes/scene.tif").path,
            ])
        let job = { (name: String, chunk: Int) in
            """
              - name: \(name)
                kind: predict-tiles
                inputs: [scenes/scene.tif]
                chunk-pixels: \(chunk)
                out: out/\(name)
                stride: 20
                float: true
                embeddings: mean
            """
        }
        let config = "version: 1\nretries: 0\njobs:\n\(job("whole", 256))\n\(job("chunked", 6))\n"
        try config.write(
            to: root.appendingPathComponent("nightly.yaml"), atomically: true, encoding: .utf8)
        let result = try run(root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("all 5 items done (5 run, 0 unchanged)"), "\(result.stderr)")
        for key in [
            "chunked/scene/x0y0", "chunked/scene/x6y0", "chunked/scene/x0y6", "chunked/scene/x6y6",
        ] {
            #expect(result.stderr.contains("\(key): done in"), "\(key)")
        }
        // The job's mosaic over the chunks is the one-piece raster, value for value.
        for kind in ["classes", "probabilities", "embeddings"] {
            let mosaic = try pixels(
                root.appendingPathComponent("out/chunked/chunked.\(kind).vrt").path, in: root)
            let whole = try pixels(
                root.appendingPathComponent("out/whole/scene.\(kind).tif").path, in: root)
            #expect(mosaic.1 == whole.1, "\(kind): \(mosaic.1) vs \(whole.1)")
            #expect(!mosaic.0.isEmpty && mosaic.0 == whole.0, "\(kind) differs")
        }
    }

    @Test("a run does every item; a second run does none; touching a scene redoes only its item")
    func rerunIsFree() throws {
        let root = try runFolder("run-rerun")
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try run(root)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("all 3 items done (3 run, 0 unchanged)"))
        for name in ["a.classes.tif", "b.probabilities.tif"] {
            #expect(
                FileManager.default.fileExists(
                    atPath: root.appendingPathComponent("out/landcover/\(name)").path))
        }
        #expect(
            FileManager.default.fileExists(
                atPath: root.appendingPathComponent("out/streamflow/basins.nc").path))
        // The job's mosaic: one VRT per output kind over both scenes, styled like them.
        let mosaic = try String(
            contentsOf: root.appendingPathComponent("out/landcover/landcover.classes.vrt"),
            encoding: .utf8)
        #expect(mosaic.contains("a.classes.tif") && mosaic.contains("b.classes.tif"))
        #expect(mosaic.contains("<ColorTable>"))
        #expect(
            FileManager.default.fileExists(
                atPath: root.appendingPathComponent("out/landcover/landcover.classes.qml").path))
        #expect(
            FileManager.default.fileExists(
                atPath: root.appendingPathComponent("out/landcover/landcover.probabilities.vrt")
                    .path))
        let second = try run(root)
        #expect(second.status == 0)
        #expect(second.stderr.contains("all 3 items done (0 run, 3 unchanged)"), "\(second.stderr)")
        let scene = root.appendingPathComponent("scenes/b.tif").path
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: scene)
        let third = try run(root)
        #expect(third.status == 0)
        #expect(third.stderr.contains("landcover/b: done in"))
        #expect(third.stderr.contains("landcover/a: done earlier, unchanged (skipped)"))
        #expect(third.stderr.contains("all 3 items done (1 run, 2 unchanged)"))
        // Each run's work is in the ledger: 3 + 1 finished items, each with its outputs.
        let entries = try ledger(root)
        #expect(entries.count == 4)
        #expect(entries.allSatisfy { ($0["status"] as? String) == "done" })
        let b = entries.last { ($0["key"] as? String) == "landcover/b" }
        let outputs = (b?["outputs"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
        #expect(outputs?.contains { $0.hasSuffix("out/landcover/b.classes.tif") } == true)
        // The run directory keeps both configurations and the manifest; status reads it.
        for file in ["config.yaml", "config.resolved.json", "manifest.json"] {
            #expect(
                FileManager.default.fileExists(
                    atPath: root.appendingPathComponent("nightly.run/\(file)").path))
        }
        let status = try runGeomap(
            ["status", root.appendingPathComponent("nightly.run").path, "--json"])
        #expect(status.status == 0)
        let summary =
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8))
            as? [String: Any]
        #expect((summary?["done"] as? [String])?.count == 3)
    }

    @Test("a corrupt scene and a basin outside the grid fail alone: the rest is done, exit 1")
    func isolation() throws {
        let root = try runFolder("run-isolation", extraBasins: [("FAR", [30, 50, 30.2, 50.2])])
        defer { try? FileManager.default.removeItem(at: root) }
        try Data(repeating: 0x49, count: 4096).write(
            to: root.appendingPathComponent("scenes/c.tif"))
        let result = try run(root)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("landcover/c: failed (bad-input)"))
        #expect(result.stderr.contains("streamflow/group-0000: failed (partial)"))
        #expect(result.stderr.contains("2 of 4 items failed: landcover/c, streamflow/group-0000"))
        #expect(
            FileManager.default.fileExists(
                atPath: root.appendingPathComponent("out/landcover/b.classes.tif").path))
        let status = try runGeomap(["status", root.appendingPathComponent("nightly.run").path])
        #expect(status.status == 1)
        #expect(status.stdout.contains("failed landcover/c (bad-input):"))
    }

    @Test("a second run on a locked run directory exits 75 naming the holder")
    func concurrentRuns() throws {
        let root = try runFolder("run-lock")
        defer { try? FileManager.default.removeItem(at: root) }
        // Another run holds the directory: its lock file is flocked and names its PID.
        let directory = root.appendingPathComponent("nightly.run")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lock = directory.appendingPathComponent("run.lock").path
        try "4242\n".write(toFile: lock, atomically: false, encoding: .utf8)
        let descriptor = open(lock, O_RDWR)
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let second = try run(root)
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("geomap process 4242 (lock \(lock))"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
        // Released (as the kernel does when the holder dies), the directory is free again.
        close(descriptor)
        let third = try run(root)
        #expect(third.status == 0, "\(third.stderr)")
    }

    @Test("SIGTERM stops the run after the item in flight: exit 75, and the next run resumes")
    func sigterm() throws {
        let root = try runFolder("run-sigterm")
        defer { try? FileManager.default.removeItem(at: root) }
        let process = Process()
        process.executableURL = geomapExecutable()
        process.arguments = ["run", root.appendingPathComponent("nightly.yaml").path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let logs = root.appendingPathComponent("nightly.run/logs").path
        while process.isRunning,
            ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).isEmpty
        {
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 75)
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("out/landcover").path
        ).filter { $0.hasPrefix(".") && !$0.hasSuffix(".lock") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let status = try runGeomap(["status", root.appendingPathComponent("nightly.run").path])
        #expect(status.status == 1)
        #expect(status.stdout.contains("missing streamflow/group-0000"))
        let resumed = try run(root)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("all 3 items done"))
    }

    @Test(
        "killed with SIGKILL at 10 seeded random moments, each followed by a re-run: the outputs equal an uninterrupted run's, no item is done twice, nothing is left over"
    )
    func killAndResume() throws {
        let reference = try runFolder("run-reference")
        defer { try? FileManager.default.removeItem(at: reference) }
        let clock = Date()
        #expect(try run(reference).status == 0)
        // The moments span an uninterrupted run: planning, each item, the mosaics, the manifest.
        let duration = Date().timeIntervalSince(clock)
        let root = try runFolder("run-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        var random = SeededGenerator(seed: 15)
        for trial in 0..<10 {
            for folder in ["out", "nightly.run"] {
                try? FileManager.default.removeItem(at: root.appendingPathComponent(folder))
            }
            let process = Process()
            process.executableURL = geomapExecutable()
            process.arguments = ["run", root.appendingPathComponent("nightly.yaml").path]
            process.environment = ProcessInfo.processInfo.environment.merging(reproducible) {
                $1
            }
            process.standardError = FileHandle.nullDevice
            try process.run()
            let moment = Double.random(in: 0.05...max(0.1, duration), using: &random)
            Thread.sleep(forTimeInterval: moment)
            let pid = process.processIdentifier
            kill(pid, SIGKILL)
            process.waitUntilExit()
            // The item in flight sees its run gone and stops by itself (ParentWatch).
            try waitForItems(of: pid)
            let rerun = try run(root)
            let label = "trial \(trial), killed after \(String(format: "%.2f", moment)) s"
            #expect(rerun.status == 0, "\(label): \(rerun.stderr)")
            for name in ["a.classes.tif", "b.classes.tif", "a.probabilities.tif"] {
                let mine = try Data(
                    contentsOf: root.appendingPathComponent("out/landcover/\(name)"))
                let theirs = try Data(
                    contentsOf: reference.appendingPathComponent("out/landcover/\(name)"))
                #expect(mine == theirs, "\(label): \(name) differs from the uninterrupted run's")
            }
            // No finished item was run twice: one done entry per key.
            let done = try ledger(root).filter { ($0["status"] as? String) == "done" }
                .compactMap { $0["key"] as? String }
            #expect(
                done.sorted() == ["landcover/a", "landcover/b", "streamflow/group-0000"], "\(label)"
            )
            // No temporary or partial file is left (hidden lock files aside).
            for folder in ["out/landcover", "out/streamflow", "nightly.run"] {
                let left = try FileManager.default.contentsOfDirectory(
                    atPath: root.appendingPathComponent(folder).path
                ).filter { $0.hasPrefix(".") && !$0.hasSuffix(".lock") }
                #expect(left.isEmpty, "\(label): \(folder) holds \(left)")
            }
        }
    }

    @Test(
        "configuration errors are exit 2 with one line naming the file, the line and the key",
        arguments: [
            ("\n    strides: 20", "nightly.yaml:5: job landcover: Unknown option '--strides'"),
            ("\n    stride: [", "nightly.yaml:"),
        ])
    func configErrors(_ extra: String, _ expected: String) throws {
        let root = try runFolder("run-config", extraTileOptions: extra)
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try run(root)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(
            !FileManager.default.fileExists(
                atPath: root.appendingPathComponent("nightly.run").path))
    }

    @Test("--dry-run prints the plan and writes nothing; bad --deadline is exit 2")
    func dryRun() throws {
        let root = try runFolder("run-dry")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try run(root, ["--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("landcover/a: to run"))
        #expect(result.stdout.contains("streamflow/group-0000: to run"))
        #expect(
            !FileManager.default.fileExists(
                atPath: root.appendingPathComponent("nightly.run").path))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
        let deadline = try run(root, ["--deadline", "soon"])
        #expect(deadline.status == 2)
        #expect(deadline.stderr.contains("--deadline 'soon'"))
    }

    @Test("a deadline already passed takes no item: exit 75, every item missing")
    func deadlinePassed() throws {
        let root = try runFolder("run-deadline")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try run(root, ["--deadline", "0s"])
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("stopped: the deadline was reached; 3 items left"))
    }

    @Test("temporaries a killed run left (mosaic, style, manifest) are removed by the next run")
    func killedRunTemporaries() throws {
        let root = try runFolder("run-temporaries")
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try run(root)
        #expect(first.status == 0, "\(first.stderr)")
        // What a SIGKILL inside VRTMosaic.build or RunFiles.write leaves: names of a dead process.
        // (TemporaryName's form: .geomap-<pid>-<8 hex digits>.<suffix>.)
        let dead = try deadProcessID()
        let left = [
            "out/landcover/.geomap-\(dead)-0000beef.vrt",
            "out/landcover/.geomap-\(dead)-0000cafe.qml",
            "nightly.run/.geomap-\(dead)-0000f00d.tmp",
        ]
        for name in left {
            try Data("partial".utf8).write(to: root.appendingPathComponent(name))
        }
        let again = try run(root)
        #expect(again.status == 0, "\(again.stderr)")
        for name in left {
            #expect(
                !FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path),
                "\(name) is still there")
        }
    }

    @Test("a deadline passed when nothing is left to do is no stop: exit 0, all done")
    func deadlinePassedWhenDone() throws {
        let root = try makeTemporaryDirectory("run-deadline-done")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = """
            version: 1
            jobs:
              - name: means
                kind: zonal
                basins: \(samples.appendingPathComponent("basins.shp").path)
                forcings: \(samples.appendingPathComponent("forcings.nc").path)
                var: pr
                stat: mean
                out: means.csv
            """
        try config.write(
            to: root.appendingPathComponent("nightly.yaml"), atomically: true, encoding: .utf8)
        let first = try run(root)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try run(root, ["--deadline", "0s"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("all 1 items done (0 run, 1 unchanged)"), "\(again.stderr)")
        // With the item to redo, the passed deadline stops the run as before.
        let forced = try run(root, ["--deadline", "0s", "--force"])
        #expect(forced.status == 75, "\(forced.stderr)")
        #expect(
            forced.stderr.contains("the deadline was reached; 1 items left"), "\(forced.stderr)")
    }
}

@Suite("geomap run: basin jobs in groups, joined")
struct RunBasinGroupTests {
    @Test(
        "group-size 2 plans job/group-0000…0003; the joined files equal a whole-file predict; a re-run does nothing; a lost join is rebuilt"
    )
    func groupsJoined() throws {
        let root = try makeTemporaryDirectory("run-groups")
        defer { try? FileManager.default.removeItem(at: root) }
        let basins = samples.appendingPathComponent("basins.shp").path
        let forcings = samples.appendingPathComponent("forcings.nc").path
        let rasters = staticRasters.map { "\"\($0)\"" }.joined(separator: ", ")
        let config = """
            version: 1
            retries: 0
            jobs:
              - name: flow
                kind: predict-basins
                basins: \(basins)
                forcings: \(forcings)
                static-raster: [\(rasters)]
                start: 2016-06-01
                end: 2016-06-20
                group-size: 2
                out: out/flow
            """
        try config.write(
            to: root.appendingPathComponent("nightly.yaml"), atomically: true, encoding: .utf8)
        let dry = try run(root, ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        for index in 0..<4 { #expect(dry.stdout.contains("flow/group-000\(index): to run")) }
        let first = try run(root)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("all 4 items done (4 run, 0 unchanged)"), "\(first.stderr)")
        #expect(first.stderr.contains("flow: joined 4 groups into"), "\(first.stderr)")
        let out = root.appendingPathComponent("out/flow")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
            .filter { !$0.hasPrefix(".") }.sorted()
        // Each group's files and its forcing archive (predict-basins archives by default).
        let groupFiles = (0..<4).flatMap {
            [
                "basins.group-000\($0).forcings.nc", "basins.group-000\($0).gpkg",
                "basins.group-000\($0).nc",
            ]
        }
        #expect(names == (["basins.gpkg", "basins.nc"] + groupFiles).sorted())
        // The whole file predicted in one command: the same values, basins and features.
        let whole = root.appendingPathComponent("whole")
        let direct = try runGeomap(
            ["predict", "--basins", basins, "--forcings", forcings, "--static-raster"]
                + staticRasters + [
                    "--start", "2016-06-01", "--end", "2016-06-20", "--out", whole.path,
                ])
        #expect(direct.status == 0, "\(direct.stderr)")
        let joined = try seriesValues(out.appendingPathComponent("basins.nc").path)
        let expected = try seriesValues(whole.appendingPathComponent("basins.nc").path)
        #expect(!joined.isEmpty && joined == expected)
        let a = try BasinReader.read(path: out.appendingPathComponent("basins.gpkg").path)
        let b = try BasinReader.read(path: whole.appendingPathComponent("basins.gpkg").path)
        #expect(a.fields == b.fields && a.basins.count == 7)
        #expect(a.basins.map(\.id) == b.basins.map(\.id))
        #expect(a.basins.map(\.attributes) == b.basins.map(\.attributes))
        #expect(a.basins.map(\.geometry) == b.basins.map(\.geometry))
        // A second run does nothing, the joined files untouched.
        let joinedPath = out.appendingPathComponent("basins.nc").path
        let stamp = try FileManager.default.attributesOfItem(atPath: joinedPath)
        let second = try run(root)
        #expect(second.status == 0)
        #expect(second.stderr.contains("all 4 items done (0 run, 4 unchanged)"), "\(second.stderr)")
        #expect(!second.stderr.contains("joined"), "\(second.stderr)")
        let after = try FileManager.default.attributesOfItem(atPath: joinedPath)
        #expect(after[.systemFileNumber] as? Int == stamp[.systemFileNumber] as? Int)
        #expect(after[.modificationDate] as? Date == stamp[.modificationDate] as? Date)
        // A joined file lost (or older than a group's, as after a kill before the join) is
        // joined again without redoing a group.
        try FileManager.default.removeItem(atPath: joinedPath)
        let third = try run(root)
        #expect(third.status == 0)
        #expect(third.stderr.contains("all 4 items done (0 run, 4 unchanged)"), "\(third.stderr)")
        #expect(third.stderr.contains("flow: joined 4 groups into"), "\(third.stderr)")
        #expect(try seriesValues(joinedPath) == expected)
    }
}

/// Every variable of a basin series file (dimensions and values as stored), history aside.
private func seriesValues(_ path: String) throws -> [String] {
    let file = try NetCDFFile(opening: path)
    var lines = try file.dimensions().map { "\($0.name)=\($0.length)" }
    for v in try file.variables() {
        lines.append("\(v.name) \(v.dimensions) \(v.attributes.map { "\($0.name)=\($0.value)" })")
        if v.type == .char {
            lines.append(try file.readStrings(v).joined(separator: ","))
        } else {
            lines.append(
                try file.readDoubles(v).map { String($0.bitPattern, radix: 16) }.joined(
                    separator: ","))
        }
    }
    lines += try file.globalAttributes().filter { $0.name != "history" }.map {
        "\($0.name)=\($0.value)"
    }
    try file.close()
    return lines
}
