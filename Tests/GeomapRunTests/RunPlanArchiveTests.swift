import Foundation
import TestSupport
import Testing

@testable import GeomapRun

@Suite("run plan: predict-basins jobs archive by default")
struct RunPlanArchiveTests {
    @Test("predict-basins gets --archive; archive: false leaves it out; other kinds never")
    func archiveDefault() throws {
        let root = try makeTemporaryDirectory("run-plan-archive")
        defer { try? FileManager.default.removeItem(at: root) }
        let samples = TestPaths.samples.path
        let text = """
            version: 1
            jobs:
              - name: nightly
                kind: predict-basins
                basins: \(samples)/basins.shp
                forcings: \(samples)/forcings.nc
                out: out/a
              - name: plain
                kind: predict-basins
                basins: \(samples)/basins.shp
                forcings: \(samples)/forcings.nc
                archive: false
                out: out/b
              - name: vectors
                kind: embed-basins
                basins: \(samples)/basins.shp
                forcings: \(samples)/forcings.nc
                out: out/e.nc
            """
        let file = root.appendingPathComponent("nightly.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let plan = try RunPlan.make(try RunConfigLoader.load(file))
        let arguments = Dictionary(uniqueKeysWithValues: plan.items.map { ($0.job, $0.arguments) })
        #expect(arguments["nightly"]?.filter { $0 == "--archive" }.count == 1)
        #expect(arguments["plain"]?.contains("--archive") == false)
        #expect(arguments["vectors"]?.contains("--archive") == false)
    }
}
