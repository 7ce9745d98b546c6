import Foundation
import TestSupport
import Testing

private let samples = TestPaths.samples
/// A fixed creation time, so two runs write byte-identical rasters.
private let reproducible = ["SOURCE_DATE_EPOCH": "1796385600"]

/// `samples/nightly.yaml` in `folder` with small inputs, so a debug build runs it in seconds:
/// its tile job over two 80 × 80 crops of the sample region (`scenes/east.tif`, `west.tif`,
/// 4 tiles each at the job's stride 40), its basin job on the sample basins and forcings for
/// June to August 2016 in groups of 3 basins (3 items: the groups are joined into one
/// `basins.nc` by the merge); outputs in `folder/out/`.
private func sampleConfig(in folder: URL) throws -> URL {
    let scenes = folder.appendingPathComponent("scenes")
    try FileManager.default.createDirectory(at: scenes, withIntermediateDirectories: true)
    for (name, x) in [("east", "200"), ("west", "0")] {
        try runGDALTool(
            "gdal_translate",
            [
                "-q", "-srcwin", x, "100", "80", "80",
                samples.appendingPathComponent("region.tif").path,
                scenes.appendingPathComponent("\(name).tif").path,
            ])
    }
    var text = try String(
        contentsOf: samples.appendingPathComponent("nightly.yaml"), encoding: .utf8)
    let sample = samples.path
    for (old, new) in [
        ("inputs: [scenes/*.vrt]", "inputs: [scenes/*.tif]"),
        ("basins: basins.shp", "basins: \(sample)/basins.shp"),
        ("forcings: forcings.nc", "forcings: \(sample)/forcings.nc"),
        ("static-raster: [static/", "static-raster: [\(sample)/static/"),
        (", static/", ", \(sample)/static/"), ("\n      static/", "\n      \(sample)/static/"),
        ("out: ../out/nightly/", "out: out/"),
        (
            "    out: out/streamflow",
            "    start: 2016-06-01\n    end: 2016-08-31\n    group-size: 3\n"
                + "    out: out/streamflow"
        ),
    ] {
        #expect(text.contains(old), "samples/nightly.yaml no longer holds \(old)")
        text = text.replacingOccurrences(of: old, with: new)
    }
    let file = folder.appendingPathComponent("nightly.yaml")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file
}

/// Waits until no process started by the run `pid` (an item: `GEOMAP_RUN_PID=pid` in its
/// environment) is left; fails after two minutes.
private func waitForItems(of pid: Int32) {
    let marker = Data("GEOMAP_RUN_PID=\(pid)\u{0}".utf8)
    for _ in 0..<1200 {
        let items = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [])
            .filter { Int($0) != nil }
            .filter {
                FileManager.default.contents(atPath: "/proc/\($0)/environ")?.range(of: marker)
                    != nil
            }
        if items.isEmpty { return }
        Thread.sleep(forTimeInterval: 0.1)
    }
    Issue.record("an item of the killed run \(pid) is still running")
}

/// The raster `path` as GDAL reads it: raw pixels (ENVI, band by band), size and geotransform.
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
    return (
        try Data(contentsOf: URL(fileURLWithPath: raw)),
        "\(json?["size"] ?? "?") \(json?["geoTransform"] ?? "?")"
    )
}

/// `ncdump -p 9,17` of `path` from its `data:` line: every value, printed exactly.
private func netCDFValues(_ path: String) throws -> String {
    let dump = try runProgram(URL(fileURLWithPath: "/usr/bin/ncdump"), ["-p", "9,17", path])
    #expect(dump.status == 0, "\(dump.stderr)")
    guard let data = dump.stdout.range(of: "\ndata:\n") else { return "" }
    return String(dump.stdout[data.lowerBound...])
}

/// Files under `folder` (relative paths), hidden ones and `shards/` aside.
private func files(under folder: URL) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: folder.path)
    var found: [String] = []
    while let path = enumerator?.nextObject() as? String {
        let name = URL(fileURLWithPath: path).lastPathComponent
        if name == "shards" { enumerator?.skipDescendants() }
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(
            atPath: folder.appendingPathComponent(path).path, isDirectory: &isFolder)
        if !isFolder.boolValue, !name.hasPrefix(".") { found.append(path) }
    }
    return found.sorted()
}

@Suite("geomap run --shard, geomap merge, geomap status --missing")
struct ShardedRunTests {
    @Test(
        "the scheduler's index picks the shard (logged); a bad index or count is exit 2 in one line"
    )
    func schedulerIndex() throws {
        let root = try makeTemporaryDirectory("shard-index")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try sampleConfig(in: root).path
        let slurm = try runGeomap(
            ["run", config, "--dry-run"],
            environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"])
        #expect(slurm.status == 0, "\(slurm.stderr)")
        #expect(
            slurm.stderr.contains(
                "shard 1 of 2 (SLURM_ARRAY_TASK_ID=1, count from SLURM_ARRAY_TASK_COUNT=2)"),
            "\(slurm.stderr)")
        #expect(
            slurm.stdout.contains("/out/landcover/shards/1-of-2")
                || slurm.stdout.contains("/out/streamflow/shards/1-of-2"))
        let kubernetes = try runGeomap(
            ["run", config, "--dry-run", "--shards", "3"],
            environment: ["JOB_COMPLETION_INDEX": "2"])
        #expect(kubernetes.status == 0, "\(kubernetes.stderr)")
        #expect(
            kubernetes.stderr.contains(
                "shard 2 of 3 (JOB_COMPLETION_INDEX=2, count from --shards 3)"))
        for (arguments, environment, expected) in [
            (["--shard", "4/4"], [:], "--shard 4/4: the index must be 0…3"),
            (
                ["--shards", "4"], ["AWS_BATCH_JOB_ARRAY_INDEX": "4"],
                "AWS_BATCH_JOB_ARRAY_INDEX=4 is out of range for 4 shards"
            ),
            (
                [], ["JOB_COMPLETION_INDEX": "1"],
                "JOB_COMPLETION_INDEX=1 gives the shard index only"
            ),
            (
                ["--shards", "3"], ["BATCH_TASK_INDEX": "0", "BATCH_TASK_COUNT": "4"],
                "BATCH_TASK_COUNT=4 disagrees with --shards 3"
            ),
        ] as [([String], [String: String], String)] {
            let result = try runGeomap(["run", config] + arguments, environment: environment)
            #expect(result.status == 2, "\(arguments) \(environment): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(
            !FileManager.default.fileExists(atPath: root.appendingPathComponent("nightly.run").path)
        )
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
    }

    @Test(
        "sharded = unsharded: 4 shards in shuffled order, one killed with SIGKILL and re-run, a missing one found by merge and status --missing, then merged: the same rasters byte for byte and NetCDF values"
    )
    func shardedEqualsUnsharded() throws {
        let whole = try makeTemporaryDirectory("shards-whole")
        let root = try makeTemporaryDirectory("shards")
        defer {
            try? FileManager.default.removeItem(at: whole)
            try? FileManager.default.removeItem(at: root)
        }
        let unshardedRun = try runGeomap(
            ["run", try sampleConfig(in: whole).path], environment: reproducible)
        #expect(unshardedRun.status == 0, "\(unshardedRun.stderr)")

        let config = try sampleConfig(in: root).path
        let runDirectory = root.appendingPathComponent("nightly.run")
        // Shards in a shuffled order. The first one's plan.json tells every item's shard; of
        // the others, the one with the most items is killed mid-run and run again, and the
        // last one with items is held back to test the checks for a missing shard.
        var random = SeededGenerator(seed: 16)
        var order = Array(0..<4).shuffled(using: &random)
        let opening = order.removeFirst()
        let first = try runGeomap(
            ["run", config, "--shard", "\(opening)/4"], environment: reproducible)
        #expect(first.status == 0, "shard \(opening): \(first.stderr)")
        let record =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: runDirectory.appendingPathComponent(
                        "shards/\(opening)-of-4/plan.json"))) as? [String: Any]
        var owned: [Int: [String]] = [:]
        for item in record?["items"] as? [[String: Any]] ?? [] {
            owned[item["shard"] as? Int ?? -1, default: []].append(item["key"] as? String ?? "")
        }
        let keys = [
            "landcover/east", "landcover/west", "streamflow/group-0000", "streamflow/group-0001",
            "streamflow/group-0002",
        ]
        #expect(owned.values.flatMap { $0 }.sorted() == keys)
        let busy = order.max { (owned[$0]?.count ?? 0, $1) < (owned[$1]?.count ?? 0, $0) }!
        let held = order.last { $0 != busy && !(owned[$0] ?? []).isEmpty }!
        order.removeAll { $0 == held }
        for index in order {
            if index == busy {
                let process = Process()
                process.executableURL = geomapExecutable()
                process.arguments = ["run", config, "--shard", "\(index)/4"]
                process.environment = ProcessInfo.processInfo.environment.merging(reproducible) {
                    $1
                }
                process.standardError = FileHandle.nullDevice
                try process.run()
                // Mid-run: once its first item has started.
                let logs = runDirectory.appendingPathComponent("shards/\(index)-of-4/logs").path
                while process.isRunning,
                    ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).isEmpty
                {
                    Thread.sleep(forTimeInterval: 0.02)
                }
                Thread.sleep(forTimeInterval: 0.3)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                waitForItems(of: process.processIdentifier)
            }
            let result = try runGeomap(
                ["run", config, "--shard", "\(index)/4"], environment: reproducible)
            #expect(result.status == 0, "shard \(index): \(result.stderr)")
            #expect(result.stderr.contains("shard \(index) of 4 (--shard \(index)/4)"))
        }

        // One shard has not run: merge names it and its items, writes nothing; status lists it.
        let heldLabel = "\(held)-of-4"
        let early = try runGeomap(["merge", runDirectory.path])
        #expect(early.status == 1, "\(early.stderr)")
        for key in owned[held]! {
            #expect(
                early.stderr.contains("\(key) (shard \(heldLabel)): missing"), "\(early.stderr)")
        }
        #expect(early.stderr.contains("run shards \(held) of 4 again"), "\(early.stderr)")
        #expect(
            !FileManager.default.fileExists(
                atPath: runDirectory.appendingPathComponent("manifest.json").path))
        #expect(
            !FileManager.default.fileExists(
                atPath: root.appendingPathComponent("out/landcover/landcover.classes.vrt").path))
        let list = try runGeomap(["status", runDirectory.path, "--missing"])
        #expect(list.status == 1)
        #expect(list.stdout == "\(held)\n", "\(list.stdout)")
        let slurm = try runGeomap(
            ["status", runDirectory.path, "--missing", "--form", "slurm", "--shards", "4"])
        #expect(slurm.stdout == "--array=\(held)\n", "\(slurm.stdout)")

        let last = try runGeomap(
            ["run", config, "--shard", "\(held)/4"], environment: reproducible)
        #expect(last.status == 0, "\(last.stderr)")
        let none = try runGeomap(["status", runDirectory.path, "--missing", "--form", "slurm"])
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none.stdout) \(none.stderr)")
        let merged = try runGeomap(["merge", runDirectory.path, "--shards", "4"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stderr.contains("merged 4 shards: all 5 items done"), "\(merged.stderr)")

        // No finished item ran twice, the killed shard's included: one done entry per key.
        var done: [String] = []
        for index in 0..<4 {
            let ledger = runDirectory.appendingPathComponent("shards/\(index)-of-4/ledger.jsonl")
            let text = (try? String(contentsOf: ledger, encoding: .utf8)) ?? ""
            done += text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.filter { ($0["status"] as? String) == "done" }.compactMap { $0["key"] as? String }
        }
        #expect(done.sorted() == keys)

        // Every file of the unsharded run has its equal: items' files in their shard's folder
        // byte for byte, the mosaics value for value, the basin NetCDF's values exactly.
        let reference = whole.appendingPathComponent("out")
        let sharded = root.appendingPathComponent("out")
        let names = files(under: reference)
        #expect(
            names.contains("landcover/east.classes.tif") && names.contains("streamflow/basins.nc")
                && names.contains("streamflow/basins.group-0002.nc"))
        for name in names {
            let direct = sharded.appendingPathComponent(name)
            let folder = direct.deletingLastPathComponent().appendingPathComponent("shards")
            let inShards =
                ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .map { folder.appendingPathComponent("\($0)/\(direct.lastPathComponent)") }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
            let mine = try #require(
                FileManager.default.fileExists(atPath: direct.path) ? direct : inShards.first,
                "\(name): not in the merged run")
            let theirs = reference.appendingPathComponent(name)
            if name.hasSuffix(".vrt") {
                let a = try pixels(theirs.path, in: root)
                let b = try pixels(mine.path, in: root)
                #expect(a.1 == b.1 && !a.0.isEmpty && a.0 == b.0, "\(name): values differ")
            } else if name.hasSuffix(".nc") {
                #expect(try netCDFValues(theirs.path) == netCDFValues(mine.path), "\(name)")
            } else if !name.hasSuffix(".gpkg") {
                #expect(try Data(contentsOf: theirs) == Data(contentsOf: mine), "\(name) differs")
            }
        }
        // The merged manifest: every item done, for geomap status.
        let status = try runGeomap(["status", runDirectory.path, "--json"])
        #expect(status.status == 0, "\(status.stdout)")
        let summary =
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect((summary?["done"] as? [String])?.count == 5)
    }

    @Test(
        "merge joins basin groups of two shards and copies a zonal job's file as the unsharded run has them; a group file that no longer reads is exit 1 naming it, nothing merged"
    )
    func basinGroupsAndZonal() throws {
        let root = try makeTemporaryDirectory("shards-basins")
        defer { try? FileManager.default.removeItem(at: root) }
        let sample = samples.path
        let config = """
            version: 1
            jobs:
              - name: streamflow
                kind: predict-basins
                basins: \(sample)/basins.shp
                forcings: \(sample)/forcings.nc
                static-raster: [\(sample)/static/clay.tif, \(sample)/static/elevation.tif,
                  \(sample)/static/forest_fraction.tif, \(sample)/static/sand.tif,
                  \(sample)/static/silt.tif, \(sample)/static/slope.tif]
                start: 2016-06-01
                end: 2016-08-31
                group-size: 4
                out: out/streamflow
              - name: rain
                kind: zonal
                basins: \(sample)/basins.shp
                forcings: \(sample)/forcings.nc
                var: pr
                stat: mean
                out: out/rain.csv
            """
        var folders: [URL] = []
        for name in ["whole", "sharded"] {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try config.write(
                to: folder.appendingPathComponent("nightly.yaml"), atomically: true,
                encoding: .utf8)
            folders.append(folder)
        }
        let (whole, sharded) = (folders[0], folders[1])
        let unsharded = try runGeomap(
            ["run", whole.appendingPathComponent("nightly.yaml").path], environment: reproducible)
        #expect(unsharded.status == 0, "\(unsharded.stderr)")
        // Groups of 4 and 3 basins (368 and 276 basin-days) and the zonal item: shard 0 runs
        // group 0, shard 1 group 1 and the zonal job.
        for index in 0..<2 {
            let result = try runGeomap(
                [
                    "run", sharded.appendingPathComponent("nightly.yaml").path, "--shard",
                    "\(index)/2",
                ],
                environment: reproducible)
            #expect(result.status == 0, "shard \(index): \(result.stderr)")
        }
        let out = sharded.appendingPathComponent("out")
        let group = out.appendingPathComponent("streamflow/shards/1-of-2/basins.group-0001.nc")
        let run = sharded.appendingPathComponent("nightly.run")
        // The group's file unreadable at the same size: every item is done for the ledger,
        // but the join fails: exit 1 naming the file, no merged manifest, no joined file.
        let original = try Data(contentsOf: group)
        try Data(count: original.count).write(to: group)
        let broken = try runGeomap(["merge", run.path])
        #expect(broken.status == 1, "\(broken.stderr)")
        #expect(broken.stderr.contains("not joined") && broken.stderr.contains(group.path))
        #expect(
            !FileManager.default.fileExists(
                atPath: run.appendingPathComponent("manifest.json").path)
        )
        #expect(
            !FileManager.default.fileExists(
                atPath: out.appendingPathComponent("streamflow/basins.nc").path))
        try original.write(to: group)
        let merged = try runGeomap(["merge", run.path])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stderr.contains("merged 2 shards: all 3 items done"), "\(merged.stderr)")
        let reference = whole.appendingPathComponent("out")
        for name in ["streamflow/basins.nc", "streamflow/basins.group-0000.nc"] {
            let mine =
                name.hasSuffix("group-0000.nc")
                ? out.appendingPathComponent("streamflow/shards/0-of-2/basins.group-0000.nc")
                : out.appendingPathComponent(name)
            #expect(
                try netCDFValues(reference.appendingPathComponent(name).path)
                    == netCDFValues(mine.path), "\(name)")
        }
        #expect(
            try Data(contentsOf: reference.appendingPathComponent("rain.csv"))
                == Data(contentsOf: out.appendingPathComponent("rain.csv")))
        // The joined GeoPackage holds the whole run's 7 basins in its order.
        let ids = { (path: URL) in
            try runGDALTool("ogrinfo", ["-q", "-al", "-geom=NO", path.path]).stdout
                .split(separator: "\n").filter { $0.contains("basin_id") }
        }
        let joinedIDs = try ids(out.appendingPathComponent("streamflow/basins.gpkg"))
        #expect(joinedIDs.count == 7)
        #expect(try ids(reference.appendingPathComponent("streamflow/basins.gpkg")) == joinedIDs)
    }

    @Test(
        "merge refuses shards made from different plans (exit 2 naming them); status --missing lists the older one"
    )
    func differentPlans() throws {
        let root = try makeTemporaryDirectory("shards-plans")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("scenes"), withIntermediateDirectories: true)
        for (name, x) in [("a", "0"), ("b", "160")] {
            try runGDALTool(
                "gdal_translate",
                [
                    "-q", "-srcwin", x, "100", "80", "80",
                    samples.appendingPathComponent("region.tif").path,
                    root.appendingPathComponent("scenes/\(name).tif").path,
                ])
        }
        let config = root.appendingPathComponent("nightly.yaml")
        func write(stride: Int) throws {
            try """
            version: 1
            jobs:
              - name: landcover
                kind: predict-tiles
                inputs: [scenes]
                out: out
                stride: \(stride)
            """.write(to: config, atomically: true, encoding: .utf8)
        }
        try write(stride: 40)
        let first = try runGeomap(["run", config.path, "--shard", "0/2"])
        #expect(first.status == 0, "\(first.stderr)")
        Thread.sleep(forTimeInterval: 1.1)  // plan times are recorded to the second
        try write(stride: 20)
        let second = try runGeomap(["run", config.path, "--shard", "1/2"])
        #expect(second.status == 0, "\(second.stderr)")
        let run = root.appendingPathComponent("nightly.run").path
        let merge = try runGeomap(["merge", run])
        #expect(merge.status == 2, "\(merge.stderr)")
        #expect(
            merge.stderr.contains("the shards were made from different plans"), "\(merge.stderr)")
        #expect(
            merge.stderr.contains("0-of-2 from plan") && merge.stderr.contains("1-of-2 from plan"))
        #expect(merge.stderr.split(separator: "\n").count == 1, "\(merge.stderr)")
        let missing = try runGeomap(["status", run, "--missing"])
        #expect(missing.status == 1)
        #expect(missing.stdout == "0\n", "\(missing.stdout)")
        #expect(missing.stderr.contains("shard 0 of 2 ran plan"))
        // No shards at all: exit 2.
        let empty = try runGeomap(["merge", root.appendingPathComponent("scenes").path])
        #expect(empty.status == 2 && empty.stderr.contains("no shards"), "\(empty.stderr)")
    }
}
