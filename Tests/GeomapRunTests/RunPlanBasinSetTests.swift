import Foundation
import TestSupport
import Testing

@testable import GeomapRun

@Suite("run plan: the files of a per-basin folder or pattern are an item's inputs")
struct RunPlanBasinSetTests {
    @Test("--forcings FOLDER and --observed 'PATTERN' name their files; --out's folder does not")
    func basinSets() throws {
        let root = try makeTemporaryDirectory("plan-sets")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for folder in ["caravan/more", "usgs/01", "out"] {
            try fm.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for file in [
            "caravan/camels_a.nc", "caravan/more/camels_b.nc", "caravan/notes.md",
            "usgs/01/a_streamflow_qc.txt", "out/basins.nc",
        ] {
            try Data("x".utf8).write(to: root.appendingPathComponent(file))
        }
        let files = RunPlan.inputFiles(
            ["--forcings", "caravan", "--observed", "usgs/*/*_streamflow_qc.txt", "--out", "out"],
            folder: root)
        let expected = [
            "caravan/camels_a.nc", "caravan/more/camels_b.nc", "usgs/01/a_streamflow_qc.txt",
        ].map { root.appendingPathComponent($0).standardizedFileURL.path }
        #expect(files == expected.sorted(), "\(files)")
    }
}
