import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The outputs of one run in one folder, replaced as a whole or not at all.
///
/// Opening a set checks the output names (``OutputPathCheck``: exit 2 before any work), takes
/// the set's ``OutputLock`` (exit 75 when another process holds it), finishes or removes what
/// dead runs left in the folder (``OutputRecovery``) and creates a staging folder
/// `.geomap-<pid>-<x>.staging` beside the outputs. Writers write into ``stagedPath(_:)``.
/// ``commit()`` then:
///
/// 1. checks every staged file with its validator (a failure removes the new set: exit 3);
/// 2. `fsync`s the new files, hard-links each old output into `old/` (the backup), writes and
///    `fsync`s the `COMMIT` record (``CommitJournal``);
/// 3. renames each new file over its final name with `rename(2)` (an old file is never
///    unlinked first), removes stale old sidecars, `fsync`s the folder;
/// 4. removes the staging folder.
///
/// A failure in step 3 puts the backups back (the record becomes `ROLLBACK`) and removes the
/// new files geomap had moved in, so the complete old set stays; a kill at any point is
/// finished by the next run in the folder from the record. Either way the folder holds the
/// complete old set or the complete new set, never a mix and never nothing.
///
/// Not Sendable in use: open, write and commit from one task.
package final class OutputSet: @unchecked Sendable {
    /// The output folder (as given).
    package let directory: String
    /// The staging folder; new files go to `<staging>/new/<name>`.
    package let staging: String
    /// Output names in `directory`, in commit order.
    package let names: [String]
    private let removeWhenAbsent: Set<String>
    private let fs: any FileSystem
    private var lock: OutputLock?
    private var validators: [String: (String) throws -> Void] = [:]
    private var open = true

    /// - Parameters:
    ///   - directory: the output folder (must exist).
    ///   - key: names the lock, usually the outputs' common stem.
    ///   - names: every file name the run may write (sidecars included).
    ///   - removeWhenAbsent: names whose old file is removed when the run writes no new one
    ///     (sidecars such as `.aux.xml` that would describe the new file wrongly).
    ///   - inputs: every file the run reads; an output that is one of them is refused.
    /// - Throws: ``OutputError`` (exit 2 or 75), ``EnvironmentError`` (exit 74).
    package init(
        directory: String, key: String, names: [String], removeWhenAbsent: Set<String> = [],
        inputs: [String]
    ) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { throw OutputError.noDirectory(path: directory) }
        self.directory = directory
        self.names = names
        self.removeWhenAbsent = removeWhenAbsent
        fs = OutputEnvironment.fileSystem
        for name in names where name.contains(where: { $0.isNewline }) || name.contains("/") {
            throw OutputError.notRegularFile(path: directory + "/" + name, kind: "bad name")
        }
        try OutputPathCheck.check(outputs: names.map { directory + "/" + $0 }, inputs: inputs)
        let lock = try OutputLock(directory: directory, key: key)
        self.lock = lock
        OutputRecovery.sweep(directory, heldLock: lock.path)
        staging = directory + "/" + TemporaryName.make(suffix: "staging")
        TemporaryRegistry.shared.register(staging)
        do {
            try fs.makeDirectory(staging)
            // Which set the folder belongs to: a later run finishes it once that set's lock is
            // free, even if this process's id was reused meanwhile (``OutputRecovery``).
            try fs.write(
                Array((URL(fileURLWithPath: lock.path).lastPathComponent + "\n").utf8),
                to: staging + "/" + OutputRecovery.ownerFile)
            try fs.makeDirectory(staging + "/new")
            try fs.makeDirectory(staging + "/old")
        } catch {
            TemporaryRegistry.shared.unregister(staging)
            try? fs.removeTree(staging)
            throw error
        }
    }

    deinit { discard() }

    /// Where the writer of `name` writes.
    package func stagedPath(_ name: String) -> String { staging + "/new/" + name }

    /// The final path of `name`.
    package func finalPath(_ name: String) -> String { directory + "/" + name }

    /// Checks the staged file `name` with `check` (given the staged path) before committing;
    /// a throw fails the commit with exit 3.
    package func validate(_ name: String, with check: @escaping (String) throws -> Void) {
        validators[name] = check
    }

    /// Runs the writing `body`; on failure removes the staging folder and rethrows the error
    /// classified (a full, failing or read-only disk becomes ``EnvironmentError``).
    package func produce<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            discard()
            try rethrowNamingFinalFiles(
                ErrorClassification.classify(error, writingIn: directory))
        }
    }

    /// Rethrows `error` with staged paths in its message replaced by the final names (so the
    /// one-line message names the output the user asked for), keeping its exit code.
    private func rethrowNamingFinalFiles(_ error: Error) throws -> Never {
        var text = String(describing: error)
        guard text.contains(staging) else { throw error }
        for name in names {
            text = text.replacingOccurrences(of: stagedPath(name), with: finalPath(name))
        }
        text = text.replacingOccurrences(of: staging + "/new", with: directory)
        text = text.replacingOccurrences(of: staging, with: directory)
        let status = (error as? ExitStatusProviding)?.exitStatus ?? .badInput
        throw RenamedError(text: text, exitStatus: status)
    }

    /// Replaces the old outputs with the staged ones (see the type's steps).
    /// - Returns: the final paths of the files committed.
    /// - Throws: ``OutputError/invalid(path:reason:)`` (exit 3), ``EnvironmentError``.
    @discardableResult
    package func commit() throws -> [String] {
        precondition(open, "an output set is committed once")
        try checkStaged()
        let registry = TemporaryRegistry.shared
        registry.commitLock.lock()
        defer { registry.commitLock.unlock() }
        let journal: CommitJournal
        do {
            journal = try prepare()
        } catch {
            discard()
            throw ErrorClassification.classify(error, writingIn: directory)
        }
        do {
            try journal.rollForward(staging: staging, directory: directory, fs: fs)
            try fs.sync(directory)
        } catch {
            let marker = staging + "/" + CommitJournal.commitMarker
            try? fs.rename(marker, to: staging + "/" + CommitJournal.rollbackMarker)
            if (try? journal.rollBack(staging: staging, directory: directory, fs: fs)) != nil {
                try? fs.sync(directory)
                try? fs.removeTree(staging)
            }
            // Else the staging folder stays, for the next run to finish from its record.
            close()
            throw ErrorClassification.classify(error, writingIn: directory)
        }
        try? fs.unlink(staging + "/" + CommitJournal.commitMarker)
        try? fs.removeTree(staging)
        close()
        return journal.entries.filter { $0.action != .delete }.map { finalPath($0.name) }
    }

    /// Removes the staging folder (and everything staged) and releases the lock.
    package func discard() {
        guard open else { return }
        try? fs.removeTree(staging)
        close()
    }

    private func close() {
        open = false
        TemporaryRegistry.shared.unregister(staging)
        lock?.release()
        lock = nil
    }

    private func checkStaged() throws {
        for name in names {
            guard let check = validators[name], exists(stagedPath(name)) else { continue }
            OutputEnvironment.beforeValidation?(stagedPath(name))
            do {
                try check(stagedPath(name))
            } catch {
                discard()
                let reason = String(describing: error).split(whereSeparator: \.isNewline)
                    .joined(separator: " ")
                throw OutputError.invalid(path: finalPath(name), reason: reason)
            }
        }
    }

    /// Steps 1–2: new files synced, backups linked, the record written.
    private func prepare() throws -> CommitJournal {
        var entries: [(action: CommitJournal.Action, name: String)] = []
        for name in names {
            let staged = stagedPath(name)
            let final = finalPath(name)
            let hasOld = exists(final)
            if exists(staged) {
                try fs.sync(staged)
                entries.append((hasOld ? .replace : .create, name))
            } else if hasOld, removeWhenAbsent.contains(name) {
                entries.append((.delete, name))
            } else {
                continue
            }
            if hasOld { try fs.link(final, to: staging + "/old/" + name) }
        }
        try fs.sync(staging + "/new")
        try fs.sync(staging + "/old")
        let journal = CommitJournal(
            lockFile: URL(fileURLWithPath: lock!.path).lastPathComponent, entries: entries)
        let record = staging + "/" + CommitJournal.commitMarker
        try fs.write(Array(journal.text.utf8), to: record + ".tmp")
        try fs.rename(record + ".tmp", to: record)
        try fs.sync(staging)
        return journal
    }
}

extension OutputSet {
    /// A raster output's names: `X.tif`, `X.tif.aux.xml` and `X.qml`.
    package static func rasterNames(_ name: String) -> [String] {
        let url = URL(fileURLWithPath: name)
        let style = url.deletingPathExtension().lastPathComponent + ".qml"
        return [name + ".aux.xml", style, name]
    }
}

/// An error whose message was rewritten (staged paths → final paths), with its exit code.
struct RenamedError: Error, CustomStringConvertible, ExitStatusProviding {
    let text: String
    let exitStatus: ExitStatus
    var description: String { text }
}
