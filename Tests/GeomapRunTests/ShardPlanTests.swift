import Foundation
import TestSupport
import Testing

@testable import GeomapRun

@Suite("shard plan: contiguous ranges of the sorted plan balanced by cost")
struct ShardPlanTests {
    @Test(
        "the assignment is contiguous, covers every item, and each shard holds total/n within one item"
    )
    func balanced() {
        var random = SeededGenerator(seed: 16)
        for trial in 0..<200 {
            let items = Int.random(in: 1...300, using: &random)
            let count = Int.random(in: 1...40, using: &random)
            // Costs as plans have them: chunks of one size, a ragged last one, a few big scenes.
            let costs = (0..<items).map { _ in
                Int64.random(in: 1...2_000, using: &random)
                    * (Int.random(in: 0..<10, using: &random) == 0 ? 50 : 1)
            }
            let owners = ShardPlan.assign(costs: costs, count: count)
            #expect(owners.count == items)
            #expect(owners == owners.sorted(), "trial \(trial): not contiguous")
            #expect(owners.allSatisfy { (0..<count).contains($0) })
            #expect(ShardPlan.assign(costs: costs, count: count) == owners)
            let total = Double(costs.reduce(0, +))
            let largest = Double(costs.max()!)
            for shard in 0..<count {
                let cost = Double(
                    zip(costs, owners).filter { $0.1 == shard }.map(\.0).reduce(0, +))
                #expect(
                    abs(cost - total / Double(count)) <= largest,
                    "trial \(trial): shard \(shard) holds \(cost) of \(total) over \(count)")
            }
        }
    }

    @Test(
        "equal items split evenly; fewer items than shards leave shards empty; one shard takes all")
    func shapes() {
        #expect(
            ShardPlan.assign(costs: Array(repeating: 10, count: 8), count: 4)
                == [0, 0, 1, 1, 2, 2, 3, 3])
        #expect(ShardPlan.assign(costs: [5, 5, 5], count: 4) == [0, 2, 3])
        #expect(ShardPlan.assign(costs: [1, 1, 1, 1, 100], count: 4) == [0, 0, 0, 0, 2])
        #expect(ShardPlan.assign(costs: [3, 0, 7], count: 1) == [0, 0, 0])
        // Costs at continental scale do not overflow.
        let huge = ShardPlan.assign(
            costs: Array(repeating: Int64(1) << 50, count: 64), count: 10_000)
        #expect(huge == huge.sorted() && huge.last! < 10_000)
    }

    @Test(
        "a real plan: costs are output pixels (× 47), the deal depends only on the plan, outputs go to shards/i-of-n"
    )
    func realPlan() throws {
        let root = try makeTemporaryDirectory("shard-plan")
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
            shards: 3
            jobs:
              - name: tiles
                kind: predict-tiles
                inputs: [big.tif, small.tif]
                chunk-pixels: 8
                stride: 20
                out: out
              - name: vectors
                kind: embed-tiles
                inputs: [small.tif]
                stride: 20
                pool: mean
                out: out/vectors
            """
        let file = root.appendingPathComponent("nightly.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let config = try RunConfigLoader.load(file)
        #expect(config.shards == 3)
        let plan = try RunPlan.make(config)
        // big.tif at stride 20: a 20 × 15 grid in chunks of 8; small.tif a 4 × 4 grid.
        let cost = Dictionary(uniqueKeysWithValues: plan.items.map { ($0.key, $0.cost) })
        #expect(cost["tiles/big/x0y0"] == Int64(8 * 8 * 47))
        #expect(cost["tiles/big/x16y8"] == Int64(4 * 7 * 47))
        #expect(cost["tiles/small"] == Int64(4 * 4 * 47))
        #expect(cost["vectors/small"] == Int64(4 * 4 * 47))
        let dealt = ShardPlan(plan: plan, count: 3)
        #expect(dealt.owners == dealt.owners.sorted())
        let total = plan.items.map(\.cost).reduce(0, +)
        for shard in 0..<3 {
            #expect(abs(Double(dealt.cost(of: shard)) - Double(total) / 3) <= 64 * 47)
        }
        // Planned again, the deal is the same; the hash changes with the plan, not with the
        // inputs' times.
        let touched = root.appendingPathComponent("small.tif").path
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: touched)
        let again = ShardPlan(plan: try RunPlan.make(config), count: 3)
        #expect(again.owners == dealt.owners && again.hash == dealt.hash)
        var changed = plan
        changed.items[0].arguments.append("--float")
        #expect(ShardPlan.hash(changed) != dealt.hash)
        // Each shard writes below each job's output folder, in shards/i-of-n/.
        let out = root.appendingPathComponent("out").standardizedFileURL.path
        for shard in 0..<3 {
            for item in dealt.items(of: shard, configFolder: root) {
                let at = try #require(item.arguments.firstIndex(of: "--out"))
                let value = item.arguments[at + 1]
                if item.job == "tiles" {
                    #expect(item.outputFolder == "\(out)/shards/\(shard)-of-3")
                    #expect(value == item.outputFolder)
                } else {
                    #expect(item.outputFolder == "\(out)/vectors/shards/\(shard)-of-3")
                    #expect(value == "\(item.outputFolder)/small.embeddings.tif")
                }
            }
        }
        #expect(
            (0..<3).flatMap { dealt.items(of: $0, configFolder: root).map(\.key) }
                == plan.items.map(\.key))
    }

    @Test(
        "a basin group costs its basins × the period's days (a year without two dates); zonal is one unit"
    )
    func basinCosts() throws {
        let root = try makeTemporaryDirectory("shard-plan-basins")
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
                group-size: 3
                start: 2016-06-01
                end: 2016-08-31
                out: out/flow
              - name: vectors
                kind: embed-basins
                basins: \(basins)
                forcings: \(forcings)
                end: yesterday
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
        // 7 sample basins in groups of 3 (the last of 1), June to August: 92 days.
        let expected: [Int64] = [276, 276, 92, 2_555, WorkCost.unmeasured]
        #expect(plan.items.map(\.cost) == expected)
        let dealt = ShardPlan(plan: plan, count: 2)
        #expect(dealt.owners == [0, 0, 0, 1, 1])
        // A basin group's outputs go to the shard's folder; its joined stem is kept.
        let group = try #require(dealt.items(of: 0, configFolder: root).last)
        #expect(group.outputFolder.hasSuffix("/out/flow/shards/0-of-2"))
        #expect(group.outputPrefix == "basins.group-0002." && group.joinStem == "basins")
        let embed = try #require(dealt.items(of: 1, configFolder: root).first)
        let at = try #require(embed.arguments.firstIndex(of: "--out"))
        #expect(embed.arguments[at + 1].hasSuffix("/out/shards/1-of-2/E.nc"))
    }

    @Test("a basin job's --out, relative or a file, is redirected into the shard's folder")
    func redirectBasinOutputs() {
        let folder = URL(fileURLWithPath: "/data/config")
        let predict = WorkItem(
            key: "flow/all", job: "flow",
            arguments: ["predict", "--basins", "b.shp", "--out", "../out/flow", "--quiet"],
            inputs: [], model: nil, modelSHA256: "", outputFolder: "/data/out/flow",
            outputPrefix: nil)
        let moved = predict.redirected(into: "2-of-4", configFolder: folder)
        #expect(moved.outputFolder == "/data/out/flow/shards/2-of-4")
        #expect(
            moved.arguments
                == [
                    "predict", "--basins", "b.shp", "--out", "/data/out/flow/shards/2-of-4",
                    "--quiet",
                ])
        let zonal = WorkItem(
            key: "means/all", job: "means", arguments: ["zonal", "--out", "out/means.csv"],
            inputs: [], model: nil, modelSHA256: "", outputFolder: "/data/config/out",
            outputPrefix: nil)
        #expect(
            zonal.redirected(into: "0-of-1", configFolder: folder).arguments
                == ["zonal", "--out", "/data/config/out/shards/0-of-1/means.csv"])
    }
}
