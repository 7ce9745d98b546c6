import Foundation
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

/// A fixed creation time, so two runs write byte-identical rasters.
private let reproducible = ["SOURCE_DATE_EPOCH": "1796385600"]

private func run(_ root: URL, _ extra: [String] = []) throws -> CommandResult {
    try runGeomap(
        ["run", root.appendingPathComponent("nightly.yaml").path] + extra,
        environment: reproducible)
}

@Suite("geomap run and geomap status")
struct RunCommandTests {
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
        #expect(result.stderr.contains("streamflow/all: failed (partial)"))
        #expect(result.stderr.contains("2 of 4 items failed: landcover/c, streamflow/all"))
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
        #expect(status.stdout.contains("missing streamflow/all"))
        let resumed = try run(root)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("all 3 items done"))
    }

    @Test("killed at random moments and re-run, the outputs equal an uninterrupted run's")
    func killAndResume() throws {
        let reference = try runFolder("run-reference")
        defer { try? FileManager.default.removeItem(at: reference) }
        #expect(try run(reference).status == 0)
        let root = try runFolder("run-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        var random = SeededGenerator(seed: 15)
        for _ in 0..<3 {
            let process = Process()
            process.executableURL = geomapExecutable()
            process.arguments = ["run", root.appendingPathComponent("nightly.yaml").path]
            process.environment = ProcessInfo.processInfo.environment.merging(reproducible) {
                $1
            }
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.5...6, using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let final = try run(root)
        #expect(final.status == 0, "\(final.stderr)")
        for name in ["a.classes.tif", "b.classes.tif"] {
            let mine = try Data(contentsOf: root.appendingPathComponent("out/landcover/\(name)"))
            let theirs = try Data(
                contentsOf: reference.appendingPathComponent("out/landcover/\(name)"))
            #expect(mine == theirs, "\(name) differs from the uninterrupted run's")
        }
        // No finished item was run twice: one done entry per key.
        let done = try ledger(root).filter { ($0["status"] as? String) == "done" }
            .compactMap { $0["key"] as? String }
        #expect(done.sorted() == ["landcover/a", "landcover/b", "streamflow/all"])
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
        #expect(result.stdout.contains("streamflow/all: to run"))
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
}
