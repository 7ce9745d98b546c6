import Foundation
import TestSupport
import Testing

@Suite("geomap probe")
struct ProbeCommandTests {
    @Test(
        "probe samples writes the 19-class list of the real tiles and names the unlabelled one",
        .enabled(
            if: TestPaths.bigEarthNetImages != nil,
            Comment(rawValue: TestPaths.sharedAbsentMessage)))
    func samples() throws {
        let folder = try makeTemporaryDirectory("probe-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try #require(TestPaths.bigEarthNetImages).deletingLastPathComponent()
        let csv = folder.appendingPathComponent("S.csv")
        let result = try runGeomap([
            "probe", "samples", "--bigearthnet", data.path, "--out", csv.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote 199 samples"))
        #expect(result.stdout.contains("S2A_MSIL2A_20171208T093351_82_79.tif"))
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 200)
        #expect(lines[0] == "image,classes")
        #expect(
            lines.contains {
                $0.hasSuffix("S2A_MSIL2A_20170613T101031_11_66.tif,Mixed forest;Marine waters")
            })
    }

    @Test(
        "models import, then probe fit on 40 real tiles: metrics printed, head in the new file",
        .enabled(
            if: TestPaths.bigEarthNetImages != nil,
            Comment(rawValue: TestPaths.sharedAbsentMessage)))
    func fitEndToEnd() throws {
        let folder = try makeTemporaryDirectory("probe-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = TestPaths.fixtures.appendingPathComponent("moe-mae/xxs.upstream.pth")
        let base = folder.appendingPathComponent("xxs.safetensors")
        let imported = try runGeomap([
            "models", "import", checkpoint.path, "--arch", "moe-mae-xxs", "--out", base.path,
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let data = try #require(TestPaths.bigEarthNetImages).deletingLastPathComponent()
        let all = folder.appendingPathComponent("all.csv")
        _ = try runGeomap(["probe", "samples", "--bigearthnet", data.path, "--out", all.path])
        let lines = try String(contentsOf: all, encoding: .utf8).split(separator: "\n")
        let csv = folder.appendingPathComponent("S.csv")
        try Data((lines.prefix(41).joined(separator: "\n") + "\n").utf8).write(to: csv)
        let out = folder.appendingPathComponent("xxs-head.safetensors")
        let fit = try runGeomap([
            "probe", "fit", "--model", base.path, "--samples", csv.path, "--out", out.path,
            "--classes", "bigearthnet-19", "--holdout", "0.25", "--seed", "3",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("samples: 40 (training 30, holdout 10, seed 3)"))
        #expect(fit.stdout.contains("holdout:  accuracy "))
        #expect(fit.stdout.contains("mAP micro"))
        #expect(FileManager.default.fileExists(atPath: out.path))
        let inspect = try runGeomap(["models", "inspect", out.path])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let wanted = [
            "task:          multi-label", "strict load:   ok", "head.weight", "[19, 108]",
        ]
        for expected in wanted {
            #expect(inspect.stdout.contains(expected), "\(expected) in \(inspect.stdout)")
        }
    }

    @Test("probe samples on a folder without images fails with one line, exit 2")
    func samplesBadFolder() throws {
        let folder = try makeTemporaryDirectory("probe-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("S.csv")
        let result = try runGeomap([
            "probe", "samples", "--bigearthnet", folder.path, "--out", out.path,
        ])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("geomap: error: \(folder.path)/images"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Bad `probe fit` invocations: each exits 2 with one error line and writes nothing.
    @Test(
        "probe fit refuses bad input with a clear error and no output",
        arguments: [
            (["--samples", "missing.csv"], "missing.csv: no such file"),
            (["--holdout", "1.5"], "--holdout must be in [0, 1)"),
            (["--task", "regression"], "--task <task>"),
            (["--pool", "tokens"], "--pool <pool>"),
            (["--model", "S.csv"], "S.csv: not a safetensors file"),
            (
                [
                    "--model",
                    TestPaths.repository.appendingPathComponent(
                        "models/stefaland-demo.safetensors"
                    ).path,
                ], "architecture 'stefaland' has no embeddings to fit a head on"
            ),
            (["--out", "no/such/m.safetensors"], "no/such: the output folder does not exist"),
        ])
    func fitErrors(change: [String], message: String) throws {
        let folder = try makeTemporaryDirectory("probe-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("image,classes\na.tif,x\n".utf8).write(to: folder.appendingPathComponent("S.csv"))
        try Data().write(to: folder.appendingPathComponent("a.tif"))
        var options = [
            "--model", "S.csv", "--samples", "S.csv", "--out", "out.safetensors",
        ]
        for pair in stride(from: 0, to: change.count, by: 2) {
            if let i = options.firstIndex(of: change[pair]) {
                options[i + 1] = change[pair + 1]
            } else {
                options += [change[pair], change[pair + 1]]
            }
        }
        let result = try runGeomap(["probe", "fit"] + options, in: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(
            !FileManager.default.fileExists(
                atPath: folder.appendingPathComponent("out.safetensors").path))
    }
}
