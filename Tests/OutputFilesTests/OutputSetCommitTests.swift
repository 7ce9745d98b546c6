import Foundation
import OutputFiles
import TestSupport
import Testing

@Suite("output sets: replaced whole or not at all")
struct OutputSetCommitTests {
    @Test("a commit replaces the set, removes the stale .aux.xml and leaves no temporary")
    func commitReplaces() throws {
        let folder = try SetFolder()
        defer { folder.remove() }
        let committed = try folder.commitNew()
        #expect(try folder.contents() == SetFolder.newSet)
        #expect(
            Set(committed.map { URL(fileURLWithPath: $0).lastPathComponent })
                == Set(SetFolder.newSet.keys))
    }

    @Test("a commit into an empty folder creates the set")
    func commitCreates() throws {
        let folder = try SetFolder(old: false)
        defer { folder.remove() }
        try folder.commitNew()
        #expect(try folder.contents() == SetFolder.newSet)
    }

    /// The number of file-system calls of one commit (open + stage + commit).
    static func stepCount(old: Bool) throws -> Int {
        let folder = try SetFolder(old: old)
        defer { folder.remove() }
        let counter = FaultyFileSystem(.count)
        try OutputEnvironment.$fileSystem.withValue(counter) { try folder.commitNew() }
        return counter.calls.count
    }

    @Test("each file-system call failing in turn (EIO): the old set or the new set, exit 74")
    func eachStepFails() throws {
        for old in [true, false] {
            let steps = try Self.stepCount(old: old)
            #expect(steps > 10)
            for step in 1...steps {
                let folder = try SetFolder(old: old)
                defer { folder.remove() }
                let faulty = FaultyFileSystem(.fail(at: step, code: EIO))
                var failure: Error?
                do {
                    try OutputEnvironment.$fileSystem.withValue(faulty) { try folder.commitNew() }
                } catch {
                    failure = error
                }
                let contents = try folder.contents()
                let visible = contents.filter { !$0.key.hasPrefix(".geomap-") }
                if let failure {
                    #expect(
                        visible == (old ? SetFolder.oldSet : [:]),
                        "step \(step) (\(faulty.calls.last ?? "")): \(contents.keys.sorted())")
                    let status = (failure as? ExitStatusProviding)?.exitStatus
                    #expect(status == .ioError, "step \(step): \(failure)")
                    #expect(!"\(failure)".contains("\n"))
                } else {
                    // A failure after the swap (cleaning up) keeps the complete new set.
                    #expect(visible == SetFolder.newSet, "step \(step): \(contents.keys.sorted())")
                }
                // A temporary the failing call kept is this (live) process's, swept after it
                // ends; none belongs to anyone else.
                #expect(
                    try folder.contents().keys.filter { $0.hasPrefix(".geomap-") }
                        .allSatisfy { TemporaryName.processID(in: $0) == getpid() })
            }
        }
    }

    @Test("a kill at each call, then the next run's recovery: the old set or the new set")
    func killAtEachStep() throws {
        let dead = try deadProcessID()
        for old in [true, false] {
            let steps = try Self.stepCount(old: old)
            var outcomes = Set<String>()
            for step in 1...steps {
                let folder = try SetFolder(old: old)
                defer { folder.remove() }
                let faulty = FaultyFileSystem(.kill(at: step))
                OutputEnvironment.$processID.withValue(dead) {
                    OutputEnvironment.$fileSystem.withValue(faulty) {
                        _ = try? folder.commitNew()
                    }
                }
                #expect(faulty.killed)
                // The next run in the folder (a live process) finishes what the dead one left.
                let next = try folder.open()
                next.discard()
                let contents = try folder.contents()
                let label = "step \(step) (\(faulty.calls[step - 1])): \(contents.keys.sorted())"
                if contents == SetFolder.newSet {
                    outcomes.insert("new")
                } else {
                    #expect(contents == (old ? SetFolder.oldSet : [:]), "\(label)")
                    outcomes.insert("old")
                }
            }
            // Kills before the commit record keep the old set; after it, the new set wins.
            #expect(outcomes == ["old", "new"])
        }
    }

    @Test("a failed check removes the new set and exits 3; the old set stays")
    func validationFails() throws {
        let folder = try SetFolder()
        defer { folder.remove() }
        let set = try folder.open()
        for (name, text) in SetFolder.newSet {
            try Data(text.utf8).write(to: URL(fileURLWithPath: set.stagedPath(name)))
        }
        set.validate("r.tif") { path in
            guard FileManager.default.contents(atPath: path) == Data("new r.tif".utf8) else {
                throw FileFailure(text: "\(path): corrupted")
            }
        }
        let corrupt: @Sendable (String) -> Void = { path in
            try? Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        }
        OutputEnvironment.$beforeValidation.withValue(corrupt) {
            #expect(throws: OutputError.self) { try set.commit() }
        }
        #expect(try folder.contents() == SetFolder.oldSet)
        do {
            let again = try folder.open()
            for (name, text) in SetFolder.newSet {
                try Data(text.utf8).write(to: URL(fileURLWithPath: again.stagedPath(name)))
            }
            again.validate("r.tif") { _ in throw FileFailure(text: "bad layout") }
            try again.commit()
            Issue.record("the commit should fail")
        } catch let error as OutputError {
            #expect(error.exitStatus == .invalidOutput)
            #expect("\(error)".hasPrefix(folder.directory.path + "/r.tif: "))
            #expect("\(error)".contains("bad layout"))
        }
    }

    @Test("a 225-character stem: temporary, staging and lock names still fit in 255 bytes")
    func longStem() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stem = String(repeating: "s", count: 225)
        let names = OutputSet.rasterNames("\(stem).probabilities.tif")
        #expect(names.allSatisfy { $0.utf8.count <= 255 })
        #expect(OutputLock.fileName(key: stem + stem).utf8.count <= 255)
        let set = try OutputSet(directory: directory.path, key: stem, names: names, inputs: [])
        for name in names {
            try Data(name.utf8).write(to: URL(fileURLWithPath: set.stagedPath(name)))
        }
        let scratch = TemporaryName.beside(set.stagedPath(names[2]), suffix: "scratch")
        #expect(URL(fileURLWithPath: scratch).lastPathComponent.utf8.count < 60)
        try set.commit()
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                == names.sorted())
    }
}
