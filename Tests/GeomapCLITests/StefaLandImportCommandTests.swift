import Foundation
import TestSupport
import Testing

@Suite("geomap models import --arch stefaland (CLI)")
struct StefaLandImportCommandTests {
    static var fixtures: URL { TestPaths.fixtures.appendingPathComponent("stefaland") }

    @Test("both checkpoint layouts import from the command line and inspect as stefaland")
    func importsBothLayouts() throws {
        let directory = try makeTemporaryDirectory("stefaland-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stats = Self.fixtures.appendingPathComponent("small_stats.json").path
        let cases: [(String, [String])] = [
            ("small_pretrain.pth", []),
            ("small_finetuned.pth", ["--set", "targets=streamflow:mm/day,soil_moisture:1"]),
        ]
        for (file, extra) in cases {
            let out = directory.appendingPathComponent(file + ".safetensors").path
            let result = try runGeomap(
                [
                    "models", "import", Self.fixtures.appendingPathComponent(file).path,
                    "--arch", "stefaland", "--stats", stats, "--out", out,
                ] + extra)
            #expect(result.status == 0, "\(file): \(result.stderr)")
            let inspect = try runGeomap(["models", "inspect", out])
            #expect(inspect.status == 0)
            #expect(inspect.stdout.contains("stefaland"))
        }
    }

    @Test(
        "missing --stats variables: exit 2, one line naming the file and the variables, no output")
    func missingStatistics() throws {
        let directory = try makeTemporaryDirectory("stefaland-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stats = directory.appendingPathComponent("stats.json")
        try Data(#"{"P": {"mean": 1, "std": 2}}"#.utf8).write(to: stats)
        let out = directory.appendingPathComponent("m.safetensors")
        let result = try runGeomap(
            [
                "models", "import", Self.fixtures.appendingPathComponent("small_pretrain.pth").path,
                "--arch", "stefaland", "--stats", stats.path, "--out", out.path,
            ])
        #expect(result.status == 2)
        #expect(
            result.stderr.hasPrefix(
                "geomap: error: \(stats.path): no normalisation statistics for Tmax, Tmin, elevation"
            ))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
