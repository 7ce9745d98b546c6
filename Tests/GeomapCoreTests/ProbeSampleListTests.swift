import Foundation
import GeomapCore
import TestSupport
import Testing

@Suite("Sample lists for geomap probe fit")
struct ProbeSampleListTests {
    /// A folder with images a.tif, b.tif (empty files) and the CSV `text`.
    func folder(csv text: String?) throws -> (folder: URL, csv: URL) {
        let folder = try makeTemporaryDirectory("probe-samples")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("img"), withIntermediateDirectories: true)
        for name in ["a.tif", "b.tif"] {
            try Data().write(to: folder.appendingPathComponent("img/\(name)"))
        }
        let csv = folder.appendingPathComponent("S.csv")
        if let text { try Data(text.utf8).write(to: csv) }
        return (folder, csv)
    }

    @Test("multi-label list: classes from the head, all-zero rows allowed, targets built")
    func multiLabel() throws {
        let (dir, csv) = try folder(
            csv: """
                image,classes\r
                img/a.tif,"Transitional woodland, shrub; Inland waters"\r
                img/b.tif,\r
                \r
                """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = try ProbeSampleList.read(
            csv, task: .multiLabel, classNames: BigEarthNet.classNames19)
        #expect(list.samples.count == 2)
        #expect(list.samples[0].image.path == dir.appendingPathComponent("img/a.tif").path)
        #expect(list.samples[0].classes == [13, 17])
        #expect(list.samples[1].classes == [])
        #expect(list.samples[1].line == 3)
        let targets = try list.targets()
        #expect(targets.positiveCounts[13] == 1 && targets.positiveCounts.reduce(0, +) == 2)
    }

    @Test("multi-class list without a class list takes the sorted names of the file")
    func multiClass() throws {
        let (dir, csv) = try folder(csv: "path,label\nimg/b.tif,water\nimg/a.tif,forest\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = try ProbeSampleList.read(csv, task: .multiClass)
        #expect(list.classNames == ["forest", "water"])
        #expect(list.samples.map(\.classes) == [[1], [0]])
    }

    @Test("written lists read back, with relative paths and quoting")
    func roundTrip() throws {
        let (dir, _) = try folder(csv: nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("lists/out.csv")
        try FileManager.default.createDirectory(
            at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ProbeSampleList.write(
            [
                (
                    dir.appendingPathComponent("img/a.tif"),
                    ["Beaches, dunes, sands", "Urban fabric"]
                ),
                (dir.appendingPathComponent("img/b.tif"), []),
            ], to: out)
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.contains("../img/a.tif,\"Beaches, dunes, sands;Urban fabric\""))
        let list = try ProbeSampleList.read(
            out, task: .multiLabel, classNames: BigEarthNet.classNames19)
        #expect(list.samples.map(\.classes) == [[0, 14], []])
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: out.deletingLastPathComponent().path)
        #expect(leftovers == ["out.csv"])
    }

    /// Each bad list gives a one-line error naming the file (and line) and the problem.
    @Test(
        "bad lists give one-line errors",
        arguments: [
            (nil, "no such file"),
            ("image,classes\n", "has no samples"),
            ("", "has no samples"),
            ("image\nimg/a.tif\n", "the header must have 2 columns"),
            ("image,classes\nimg/a.tif,forest,extra\n", "line 2: expected 2 columns"),
            (
                "image,classes\nimg/a.tif,Forest of Arden\n",
                "line 2: unknown class name 'Forest of Arden'"
            ),
            ("image,classes\nimg/nope.tif,Urban fabric\n", "line 2: image not found"),
            ("image,classes\n,Urban fabric\n", "line 2: the image path is empty"),
            ("image,classes\nimg/a.tif,\"Urban fabric\n", "line 2: a quoted field is not closed"),
            ("image,classes\nimg/a.tif,\"Urban fabric\"x\n", "line 2: text after a closing quote"),
        ] as [(String?, String)])
    func errors(content: String?, message: String) throws {
        let (dir, csv) = try folder(csv: content)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try ProbeSampleList.read(
                csv, task: .multiLabel, classNames: BigEarthNet.classNames19)
            Issue.record("no error for: \(message)")
        } catch let error as ProbeError {
            let text = String(describing: error)
            #expect(text.hasPrefix(csv.path), "\(text)")
            #expect(text.contains(message), "\(text)")
            #expect(!text.contains("\n"))
        }
    }

    @Test("a multi-class sample needs exactly one class")
    func multiClassCount() throws {
        let (dir, csv) = try folder(csv: "image,classes\nimg/a.tif,a;b\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect {
            try ProbeSampleList.read(csv, task: .multiClass)
        } throws: { error in
            String(describing: error).contains("line 2: a multi-class sample needs exactly one")
        }
    }

    @Test("a folder is not a sample list")
    func folderIsNotAList() throws {
        let (dir, _) = try folder(csv: nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect {
            try ProbeSampleList.read(dir, task: .multiLabel)
        } throws: { error in
            String(describing: error).contains("is a folder")
        }
    }
}
