import Foundation
import GeomapRun
import TestSupport
import Testing

@Suite("tile job inputs: paths, globs, folders")
struct TileJobInputsTests {
    /// `scenes/{a,b}.tif`, `scenes/.hidden.tif`, `scenes/notes.txt`, `extra/c.vrt`, `empty/`.
    private func tree() throws -> URL {
        let root = try makeTemporaryDirectory()
        for folder in ["scenes", "extra", "empty"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for file in [
            "scenes/a.tif", "scenes/b.tif", "scenes/.hidden.tif", "scenes/notes.txt",
            "extra/c.vrt",
        ] {
            try Data("x".utf8).write(to: root.appendingPathComponent(file))
        }
        return root
    }

    private func expand(_ entries: [String], in root: URL) throws -> [String] {
        try TileJobInputs.expand(
            entries, folder: root, file: "nightly.yaml", line: 4, keyPath: "jobs[0].inputs"
        ).map { String($0.dropFirst(root.standardizedFileURL.path.count + 1)) }
    }

    @Test("globs, folders and files expand into one sorted list without repeats")
    func expands() throws {
        let root = try tree()
        #expect(try expand(["scenes/*.tif"], in: root) == ["scenes/a.tif", "scenes/b.tif"])
        #expect(try expand(["scenes"], in: root) == ["scenes/a.tif", "scenes/b.tif"])
        #expect(
            try expand(["extra/c.vrt", "scenes", "scenes/b.tif"], in: root) == [
                "extra/c.vrt", "scenes/a.tif", "scenes/b.tif",
            ])
        let absolute = root.appendingPathComponent("extra/c.vrt").path
        #expect(try expand([absolute], in: URL(fileURLWithPath: "/")).count == 1)
    }

    @Test(
        "an entry that yields no raster is an error naming the entry",
        arguments: [
            ("scenes/*.jp2", "nightly.yaml:4: jobs[0].inputs: 'scenes/*.jp2' matches no file"),
            ("empty", "nightly.yaml:4: jobs[0].inputs: the folder 'empty' holds no raster"),
            ("missing.tif", "nightly.yaml:4: jobs[0].inputs: 'missing.tif' does not exist"),
            ("pipe.tif", "nightly.yaml:4: jobs[0].inputs: 'pipe.tif' is not a regular file"),
        ])
    func refuses(_ entry: String, _ expected: String) throws {
        let root = try tree()
        #expect(mkfifo(root.appendingPathComponent("pipe.tif").path, 0o600) == 0)
        #expect {
            try expand([entry], in: root)
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }
}
