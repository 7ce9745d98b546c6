import Foundation
import OutputFiles
import TestSupport
import Testing

/// A killed writer's process id may name another, running process by the time the next run
/// looks (ids wrap around, quickly on a busy machine): the staging folder must still be
/// finished (the tile kill step of tools/ci/fault_injection.sh once showed a mix under load),
/// but only once no process holds its set's lock.
@Suite("recovery after a kill when the writer's process id was reused")
struct ReusedProcessIDTests {
    @Test(
        "a swap killed at each step under a reused id: left while its set is locked, then finished")
    func reusedProcessID() throws {
        // A running process that is not geomap: its id plays the dead writer's, reused.
        let stranger = try startStranger()
        defer { stopStranger(stranger) }
        let reused = stranger.processIdentifier
        let steps = try OutputSetCommitTests.stepCount(old: true)
        var outcomes = Set<String>()
        for step in 1...steps {
            let folder = try SetFolder()
            defer { folder.remove() }
            let faulty = FaultyFileSystem(.kill(at: step))
            OutputEnvironment.$processID.withValue(reused) {
                OutputEnvironment.$fileSystem.withValue(faulty) { _ = try? folder.commitNew() }
            }
            let label = "step \(step) (\(faulty.calls[step - 1]))"
            let left = try folder.contents().keys.filter { $0.hasPrefix(".geomap-\(reused)-") }
            // Another writer holds the set's lock: a run writing another set in the folder
            // leaves the folder alone (its writer may be that process).
            do {
                let holder = try OutputLock(directory: folder.directory.path, key: "r")
                let other = try OutputLock(directory: folder.directory.path, key: "other")
                OutputRecovery.sweep(folder.directory.path, heldLock: other.path)
                #expect(
                    try folder.contents().keys.filter { $0.hasPrefix(".geomap-\(reused)-") }
                        == left, "\(label)")
                other.release()
                holder.release()
            }
            // The lock free, the next run in the folder finishes it.
            let next = try folder.open()
            next.discard()
            var contents = try folder.contents()
            // Killed before the folder's LOCK file was written, or while the folder was being
            // removed after the swap: the set is unknown, so the folder stays until that process
            // ends; it holds no record, so the visible set is complete (old or new).
            for name in contents.keys where name.hasPrefix(".geomap-\(reused)-") {
                let lock = folder.directory.appendingPathComponent(name + "/LOCK").path
                #expect(!FileManager.default.fileExists(atPath: lock), "\(label): \(name)")
                contents[name] = nil
            }
            if contents == SetFolder.newSet {
                outcomes.insert("new")
            } else {
                #expect(contents == SetFolder.oldSet, "\(label): \(contents.keys.sorted())")
                outcomes.insert("old")
            }
        }
        #expect(outcomes == ["old", "new"])
    }

    @Test("a staging folder of a running process whose set is unknown is left alone")
    func unknownSet() throws {
        let folder = try SetFolder()
        defer { folder.remove() }
        let stranger = try startStranger()
        defer { stopStranger(stranger) }
        let name = ".geomap-\(stranger.processIdentifier)-0000abcd.staging"
        let staging = folder.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: staging.appendingPathComponent("new"), withIntermediateDirectories: true)
        OutputRecovery.sweep(folder.directory.path)
        #expect(FileManager.default.fileExists(atPath: staging.path))
        #expect(try folder.contents().keys.filter { !$0.hasPrefix(".geomap-") }.count == 4)
    }
}
