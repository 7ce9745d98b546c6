import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cleans what dead geomap processes left in a folder: temporaries named by
/// ``TemporaryName`` whose process is gone are removed, and their staging folders
/// (`.geomap-<pid>-<x>.staging`) are finished first: with a `COMMIT` record the new output set
/// is moved into place (the run had validated it and begun the swap), with `ROLLBACK` the old
/// set is put back, without a record the folder is simply removed (nothing had been replaced).
///
/// A staging folder whose process id belongs to a running process is still finished when no
/// process holds its output set's lock (named in its `LOCK` file or its record): a writer
/// holds that lock for as long as its staging folder exists, so the id was reused by another
/// process after the writer died (ids wrap around, every 32768 processes by default, fast on a
/// busy machine). Without this, such a folder stayed, and a swap cut by a kill stayed a mix.
package enum OutputRecovery {
    /// The file in a staging folder naming its output set's lock file.
    static let ownerFile = "LOCK"

    /// Recovers and sweeps `directory`.
    /// - Parameters:
    ///   - heldLock: the lock file (path) this process already holds, if any; a staging folder
    ///     of another output set is only finished under that set's lock (skipped when busy).
    /// - Returns: the names removed or finished (for tests and notes).
    @discardableResult
    package static func sweep(_ directory: String, heldLock: String? = nil) -> [String] {
        let fs = OutputEnvironment.fileSystem
        var done: [String] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() {
            guard let pid = TemporaryName.processID(in: name) else { continue }
            let path = directory + "/" + name
            if name.hasSuffix(".staging") {
                guard
                    !ProcessLiveness.isAlive(pid)
                        || (pid != OutputEnvironment.processID
                            && isAbandoned(path, directory: directory, heldLock: heldLock))
                else { continue }
                if finish(path, directory: directory, heldLock: heldLock, fs: fs) {
                    done.append(name)
                }
            } else if !ProcessLiveness.isAlive(pid), (try? fs.removeTree(path)) != nil {
                done.append(name)
            }
        }
        return done
    }

    /// Whether nobody holds the lock of the output set the staging folder `path` belongs to
    /// (its writer is gone whatever its process id now names). `false` when the set is not
    /// known (no `LOCK` file, no record) or its lock is held.
    static func isAbandoned(_ path: String, directory: String, heldLock: String?) -> Bool {
        var lockName: String?
        if let data = FileManager.default.contents(atPath: path + "/" + ownerFile) {
            let text = String(decoding: data, as: UTF8.self)
            if text.hasSuffix("\n"), !text.dropLast().contains("/"), text.count > 1 {
                lockName = String(text.dropLast())
            }
        }
        if lockName == nil { lockName = CommitJournal.read(staging: path)?.journal.lockFile }
        guard let lockName, !lockName.contains("/"), !lockName.isEmpty else { return false }
        let lockPath = directory + "/" + lockName
        // This process holds it: the folder's writer cannot be running.
        if lockPath == heldLock { return true }
        guard let lock = try? OutputLock(path: lockPath) else { return false }
        lock.release()
        return true
    }

    /// Claims a dead process's staging folder (renaming it to this process's name, so two
    /// recovering runs never both act on it) and finishes it.
    static func finish(_ path: String, directory: String, heldLock: String?, fs: any FileSystem)
        -> Bool
    {
        let claimed = directory + "/" + TemporaryName.make(suffix: "staging")
        guard (try? fs.rename(path, to: claimed)) != nil else { return false }
        guard let (journal, forward) = CommitJournal.read(staging: claimed) else {
            return (try? fs.removeTree(claimed)) != nil
        }
        let lockPath = directory + "/" + journal.lockFile
        var lock: OutputLock?
        if lockPath != heldLock {
            // Busy: the folder stays claimed by this process and is finished after it ends.
            guard let taken = try? OutputLock(path: lockPath) else { return false }
            lock = taken
        }
        defer { lock?.release() }
        do {
            if forward {
                try journal.rollForward(staging: claimed, directory: directory, fs: fs)
            } else {
                try journal.rollBack(staging: claimed, directory: directory, fs: fs)
            }
            try fs.sync(directory)
            try fs.unlink(
                claimed + "/"
                    + (forward
                        ? CommitJournal.commitMarker
                        : CommitJournal.rollbackMarker))
            try fs.removeTree(claimed)
            return true
        } catch {
            return false
        }
    }
}
