import Foundation
import GeomapCore
import TestSupport
import Testing

@Suite("BigEarthNet 43 → 19 classes and label files")
struct ProbeBigEarthNetTests {
    @Test("the mapping covers the 43 CLC names and reaches all 19 classes")
    func mappingShape() {
        #expect(BigEarthNet.clcNames.count == 43)
        #expect(Set(BigEarthNet.clcNames).count == 43)
        #expect(BigEarthNet.clcTo19.count == 43)
        #expect(BigEarthNet.classNames19.count == 19)
        #expect(Set(BigEarthNet.clcTo19.compactMap { $0 }) == Set(0..<19))
        #expect(BigEarthNet.clcTo19.filter { $0 == nil }.count == 11)
    }

    @Test("tiles from moe-mae.md §6.1 map to the documented 19-class indices")
    func documentedTiles() throws {
        #expect(
            try BigEarthNet.classIndices19(clcNames: ["Mixed forest", "Sea and ocean"])
                == [10, 18])
        #expect(
            try BigEarthNet.classIndices19(clcNames: [
                "Coniferous forest", "Transitional woodland/shrub", "Water bodies",
            ]) == [9, 13, 17])
        #expect(
            try BigEarthNet.classIndices19(clcNames: [
                "Discontinuous urban fabric", "Olive groves",
            ]) == [0, 3])
        #expect(
            try BigEarthNet.classIndices19(clcNames: [
                "Pastures", "Broad-leaved forest", "Coniferous forest", "Mixed forest",
                "Transitional woodland/shrub",
            ]) == [4, 8, 9, 10, 13])
        #expect(try BigEarthNet.classIndices19(clcNames: ["Airports", "Burnt areas"]) == [])
        #expect(throws: ProbeError.self) {
            try BigEarthNet.classIndices19(clcNames: ["Forest"])
        }
    }

    @Test("label-file errors name the file: missing, not JSON, no labels, unknown label")
    func labelFileErrors() throws {
        let folder = try makeTemporaryDirectory("probe-labels")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.json")
        let cases: [(String?, String)] = [
            (nil, "cannot read the label file"),
            ("{not json", "not valid JSON"),
            (#"{"tile_source": "x"}"#, "no 'labels' list"),
            (
                #"{"labels": ["Mixed forest", "Moon dust"]}"#,
                "unknown BigEarthNet label 'Moon dust'"
            ),
        ]
        for (content, message) in cases {
            let url = content == nil ? missing : folder.appendingPathComponent("t.json")
            if let content { try Data(content.utf8).write(to: url) }
            do {
                _ = try BigEarthNet.readLabels(url)
                Issue.record("no error for \(message)")
            } catch let error as ProbeError {
                let text = String(describing: error)
                #expect(text.contains(url.path) && text.contains(message), "\(text)")
            }
        }
    }

    @Test(
        "the 199 real label files read and map; one tile has none",
        .enabled(
            if: TestPaths.bigEarthNetImages != nil,
            Comment(rawValue: TestPaths.sharedAbsentMessage)))
    func realSample() throws {
        let images = try #require(TestPaths.bigEarthNetImages)
        let (rows, unlabelled) = try BigEarthNet.sampleRows(
            dataFolder: images.deletingLastPathComponent())
        #expect(rows.count == 199)
        #expect(unlabelled.map(\.lastPathComponent) == ["S2A_MSIL2A_20171208T093351_82_79.tif"])
        #expect(rows.allSatisfy { !$0.classNames.isEmpty })
        let tile = try #require(
            rows.first {
                $0.image.lastPathComponent == "S2A_MSIL2A_20170613T101031_11_66.tif"
            })
        #expect(tile.classNames == ["Mixed forest", "Marine waters"])
        let counts = Dictionary(grouping: rows.flatMap(\.classNames), by: { $0 })
            .mapValues(\.count)
        #expect(counts["Coniferous forest"] == 75)
        #expect(counts["Mixed forest"] == 71)
    }
}
