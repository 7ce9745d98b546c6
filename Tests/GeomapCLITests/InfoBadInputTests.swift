import Foundation
import TestSupport
import Testing

@Suite("geomap info on bad input")
struct InfoBadInputTests {
    /// Runs `geomap info path` and checks: exit 2, one stderr line naming the file, no stdout.
    func expectBadInput(_ path: String, mentioning words: [String] = []) throws {
        let result = try runGeomap(["info", path])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("geomap: error: ") && line.contains(path))
        for word in words { #expect(line.contains(word), "\(line)") }
        #expect(result.stdout.isEmpty)
    }

    @Test("a missing path")
    func missing() throws {
        try expectBadInput("/nonexistent/geomap/none.tif", mentioning: ["no such file"])
    }

    @Test("a text file")
    func textFile() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("notes.txt")
        try Data("just some text\n".utf8).write(to: url)
        try expectBadInput(url.path, mentioning: ["not recognized"])
    }

    @Test("an empty file")
    func emptyFile() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("empty.tif")
        try Data().write(to: url)
        try expectBadInput(url.path, mentioning: ["empty"])
    }

    @Test("truncated GeoTIFFs: cut in the header and cut in the tiles", arguments: [300, 3000])
    func truncated(bytes: Int) throws {
        let source = TestPaths.samples.appendingPathComponent("region.tif")
        let data = try Data(contentsOf: source)
        let url = try makeTemporaryDirectory().appendingPathComponent("truncated.tif")
        try data.prefix(bytes).write(to: url)
        try expectBadInput(url.path)
    }
}
