import Foundation
import OutputFiles
import TestSupport
import Testing

@Suite("output names, locks, stale temporaries, error lines")
struct OutputSafetyTests {
    @Test("an output that is a directory, FIFO or symbolic link is refused (exit 2), untouched")
    func notRegularFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keep = directory.appendingPathComponent("a.tif/keep")
        try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: keep.appendingPathComponent("f"))
        #expect(mkfifo(directory.appendingPathComponent("b.tif").path, 0o644) == 0)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("c.tif").path,
            withDestinationPath: "/etc/hostname")
        for (name, kind) in [("a.tif", "directory"), ("b.tif", "FIFO"), ("c.tif", "symbolic link")]
        {
            let error = #expect(throws: OutputError.self) {
                _ = try OutputSet(directory: directory.path, key: "x", names: [name], inputs: [])
            }
            #expect(error?.exitStatus == .badInput)
            #expect(
                error?.description.contains("taken by a \(kind)") == true,
                "\(String(describing: error))")
        }
        #expect(
            FileManager.default.contents(atPath: keep.appendingPathComponent("f").path)
                == Data("precious".utf8))
    }

    @Test("an output that is an input (same path, hard link, symbolic link, via a linked folder)")
    func sameAsInput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.nc").path
        try Data("forcing".utf8).write(to: URL(fileURLWithPath: input))
        let sub = directory.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        #expect(link(input, sub.appendingPathComponent("hard.nc").path) == 0)
        try FileManager.default.createSymbolicLink(
            atPath: sub.appendingPathComponent("soft.nc").path, withDestinationPath: input)
        let linkedFolder = directory.appendingPathComponent("alias")
        try FileManager.default.createSymbolicLink(
            atPath: linkedFolder.path, withDestinationPath: directory.path)
        let cases: [(String, String)] = [
            (directory.path, "in.nc"), (sub.path, "hard.nc"), (linkedFolder.path, "in.nc"),
        ]
        for (folder, name) in cases {
            let error = #expect(throws: OutputError.self) {
                _ = try OutputSet(directory: folder, key: "x", names: [name], inputs: [input])
            }
            #expect(error?.exitStatus == .badInput)
            #expect(error?.description.contains("is the input \(input)") == true)
        }
        // The symbolic link itself is refused as a non-regular output name.
        #expect(throws: OutputError.self) {
            _ = try OutputSet(directory: sub.path, key: "x", names: ["soft.nc"], inputs: [input])
        }
        #expect(FileManager.default.contents(atPath: input) == Data("forcing".utf8))
    }

    @Test("a second writer of the same set exits 75 naming the holder; the first one commits")
    func secondWriter() throws {
        let folder = try SetFolder()
        defer { folder.remove() }
        let first = try folder.open()
        let error = #expect(throws: OutputError.self) { _ = try folder.open() }
        #expect(error?.exitStatus == .tryAgainLater)
        #expect(error?.description.contains("geomap process \(getpid())") == true)
        for (name, text) in SetFolder.newSet {
            try Data(text.utf8).write(to: URL(fileURLWithPath: first.stagedPath(name)))
        }
        try first.commit()
        #expect(try folder.contents() == SetFolder.newSet)
        // Released: the next writer gets the lock, and the lock file is gone afterwards.
        try folder.open().discard()
        #expect(try folder.contents() == SetFolder.newSet)
    }

    @Test("stale temporaries of dead processes are removed; live ones and user files stay")
    func staleTemporaries() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dead = try deadProcessID()
        let staleFile = ".geomap-\(dead)-0123abcd.scratch.tif"
        let staleStaging = ".geomap-\(dead)-89abcdef.staging"
        let live = ".geomap-\(getpid())-01234567.partial.nc"
        for name in [staleFile, live, ".hidden", "result.tif"] {
            try Data(name.utf8).write(to: directory.appendingPathComponent(name))
        }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent(staleStaging + "/new"),
            withIntermediateDirectories: true)
        try Data("x".utf8).write(to: directory.appendingPathComponent(staleStaging + "/new/r.tif"))
        let removed = OutputRecovery.sweep(directory.path)
        #expect(Set(removed) == [staleFile, staleStaging])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                == [live, ".hidden", "result.tif"].sorted())
    }

    @Test("temporary names carry this process's id and stay short")
    func temporaryNames() {
        let name = TemporaryName.make(suffix: "partial.nc")
        #expect(TemporaryName.processID(in: name) == getpid())
        #expect(name.utf8.count < 40)
        #expect(TemporaryName.processID(in: ".geomap-predict-1a2b3c4d") == nil)
        #expect(TemporaryName.processID(in: "region.tif") == nil)
    }

    @Test("Foundation file errors become one line with exit 74 (environment) or 2")
    func classification() {
        let full = CocoaError(
            .fileWriteUnknown,
            userInfo: [
                NSFilePathErrorKey: "/data/out.csv",
                NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)),
            ])
        let classified = ErrorClassification.classify(full)
        #expect((classified as? ExitStatusProviding)?.exitStatus == .ioError)
        #expect("\(classified)" == "cannot write /data/out.csv: No space left on device")
        let missing = CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/x/in.csv"])
        let bad = ErrorClassification.classify(missing)
        #expect(!(bad is ExitStatusProviding))
        #expect("\(bad)" == "cannot read /x/in.csv: No such file or directory")
        let readOnly = EnvironmentError(operation: "rename", path: "/ro/a.tif", code: EROFS)
        #expect(readOnly.exitStatus == .ioError)
        #expect("\(readOnly)" == "cannot rename /ro/a.tif: Read-only file system")
        #expect(
            EnvironmentError(operation: "lock", path: "l", code: EAGAIN).exitStatus
                == .tryAgainLater)
    }
}
