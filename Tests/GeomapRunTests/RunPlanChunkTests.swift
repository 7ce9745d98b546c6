import Foundation
import GeoRaster
import TestSupport
import Testing

@testable import GeomapRun

@Suite("run plan: large scenes split into chunks of the output grid")
struct RunPlanChunkTests {
    @Test(
        "a grid is cut into chunk × chunk windows, row by row, covering every cell once",
        arguments: [(20, 15, 8), (8, 8, 8), (9, 1, 4), (1, 30, 7), (300, 200, 256)])
    func windows(width: Int, height: Int, chunk: Int) {
        let windows = TileChunks.windows(width: width, height: height, chunk: chunk)
        var covered = [Int](repeating: 0, count: width * height)
        for window in windows {
            #expect(window.width >= 1 && window.width <= chunk)
            #expect(window.height >= 1 && window.height <= chunk)
            for y in window.y..<window.y + window.height {
                for x in window.x..<window.x + window.width { covered[y * width + x] += 1 }
            }
        }
        #expect(covered.allSatisfy { $0 == 1 })
        let rows = (height + chunk - 1) / chunk
        let columns = (width + chunk - 1) / chunk
        #expect(windows.count == rows * columns)
        #expect(windows == windows.sorted { ($0.y, $0.x) < ($1.y, $1.x) })
    }

    @Test("a scene larger than chunk-pixels is one item per chunk; a small one stays whole")
    func chunkItems() throws {
        let root = try makeTemporaryDirectory("run-plan-chunks")
        defer { try? FileManager.default.removeItem(at: root) }
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        for (name, size) in [("big", ["400", "300"]), ("small", ["80", "80"])] {
            try runGDALTool(
                "gdal_translate",
                ["-q", "-srcwin", "0", "0"] + size
                    + [region, root.appendingPathComponent("\(name).tif").path])
        }
        let text = """
            version: 1
            jobs:
              - name: tiles
                kind: predict-tiles
                inputs: [big.tif, small.tif]
                chunk-pixels: 8
                stride: 20
                out: out
              - name: vectors
                kind: embed-tiles
                inputs: [big.tif]
                chunk-pixels: 16
                stride: 20
                pool: mean
                out: out
            """
        let file = root.appendingPathComponent("nightly.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let scratchParent = root.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(
            at: scratchParent, withIntermediateDirectories: true)
        let plan = try RunPlan.make(
            try RunConfigLoader.load(file), scratchParent: scratchParent.path)
        // big.tif at stride 20: a 20 × 15 grid, 3 × 2 chunks of 8; small.tif (4 × 4) whole;
        // the embed job's chunks of 16: 2 × 1.
        #expect(
            plan.items.map(\.key) == [
                "tiles/big/x0y0", "tiles/big/x8y0", "tiles/big/x16y0", "tiles/big/x0y8",
                "tiles/big/x8y8", "tiles/big/x16y8", "tiles/small", "vectors/big/x0y0",
                "vectors/big/x16y0",
            ])
        let last = try #require(plan.items.first { $0.key == "tiles/big/x16y8" })
        #expect(last.outputWindow == PixelWindow(x: 16, y: 8, width: 4, height: 7))
        #expect(last.outputPrefix == "big.x16y8.")
        let window = try #require(last.arguments.firstIndex(of: "--window"))
        #expect(last.arguments[window + 1] == "16,8,4,7")
        let small = try #require(plan.items.first { $0.key == "tiles/small" })
        #expect(small.outputWindow == nil && !small.arguments.contains("--window"))
        #expect(small.outputPrefix == "small.")
        let embed = try #require(plan.items.first { $0.key == "vectors/big/x16y0" })
        let out = try #require(embed.arguments.firstIndex(of: "--out"))
        #expect(embed.arguments[out + 1].hasSuffix("/out/big.x16y0.embeddings.tif"))
        // Measuring the scenes left nothing behind (a scratch folder of its own: other tests
        // of this process plan at the same time in the system's temporary folder).
        let scratch = try FileManager.default.contentsOfDirectory(atPath: scratchParent.path)
            .filter { $0.hasPrefix("geomap-plan-") }
        #expect(scratch.isEmpty, "\(scratch)")
    }
}

@Suite("run plan: basin jobs split into groups of basins")
struct RunPlanGroupTests {
    @Test("a basin job is one item per group of group-size basins; zonal stays one item")
    func groupItems() throws {
        let root = try makeTemporaryDirectory("run-plan-groups")
        defer { try? FileManager.default.removeItem(at: root) }
        let basins = TestPaths.samples.appendingPathComponent("basins.shp").path
        let forcings = TestPaths.samples.appendingPathComponent("forcings.nc").path
        let text = """
            version: 1
            jobs:
              - name: flow
                kind: predict-basins
                basins: \(basins)
                forcings: \(forcings)
                group-size: 2
                out: out/flow
              - name: vectors
                kind: embed-basins
                basins: \(basins)
                forcings: \(forcings)
                out: out/E.nc
              - name: means
                kind: zonal
                basins: \(basins)
                forcings: \(forcings)
                var: pr
                stat: mean
                out: out/means.csv
            """
        let file = root.appendingPathComponent("nightly.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let plan = try RunPlan.make(try RunConfigLoader.load(file))
        // 7 sample basins: 4 groups of 2 (the last of 1); at the default 256, one group.
        #expect(
            plan.items.map(\.key) == [
                "flow/group-0000", "flow/group-0001", "flow/group-0002", "flow/group-0003",
                "vectors/group-0000", "means/all",
            ])
        let last = try #require(plan.items.first { $0.key == "flow/group-0003" })
        #expect(Array(last.arguments.suffix(4)) == ["--group", "3", "--group-size", "2"])
        #expect(last.arguments.first == "predict")
        #expect(last.outputPrefix == "basins.group-0003." && last.joinStem == "basins")
        #expect(last.outputFolder == root.appendingPathComponent("out/flow").path)
        let embed = try #require(plan.items.first { $0.key == "vectors/group-0000" })
        #expect(Array(embed.arguments.suffix(4)) == ["--group", "0", "--group-size", "256"])
        #expect(embed.outputPrefix == "E.group-0000." && embed.joinStem == "E")
        #expect(embed.outputFolder == root.appendingPathComponent("out").path)
        let zonal = try #require(plan.items.first { $0.key == "means/all" })
        #expect(zonal.joinStem == nil && !zonal.arguments.contains("--group"))
        // group-size is a key of a basin job, in the resolved configuration too.
        let resolved =
            try JSONSerialization.jsonObject(
                with: RunFiles.resolvedConfiguration(try RunConfigLoader.load(file)))
            as? [String: Any]
        let jobs = resolved?["jobs"] as? [[String: Any]]
        #expect(jobs?.map { $0["group-size"] as? Int } == [2, 256, nil])
    }
}
