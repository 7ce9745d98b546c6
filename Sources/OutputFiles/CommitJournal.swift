import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The record of an output set's swap, written (and `fsync`ed) into the staging folder before
/// the first output is replaced. A staging folder left by a dead process is finished from it:
/// `COMMIT` rolls forward, `ROLLBACK` rolls back, no record means nothing was replaced yet.
///
/// Format (text): `geomap output set 1`, `lock <lock file name>`, then one line per output:
/// `R <name>` replaces an existing file (backed up as `old/<name>`), `N <name>` creates it,
/// `D <name>` removes a stale old file (backed up as `old/<name>`).
struct CommitJournal: Equatable {
    enum Action: Character {
        case replace = "R"
        case create = "N"
        case delete = "D"
    }

    static let commitMarker = "COMMIT"
    static let rollbackMarker = "ROLLBACK"
    static let header = "geomap output set 1"

    var lockFile: String
    var entries: [(action: Action, name: String)]

    static func == (a: CommitJournal, b: CommitJournal) -> Bool {
        a.lockFile == b.lockFile && a.entries.map(\.name) == b.entries.map(\.name)
            && a.entries.map(\.action) == b.entries.map(\.action)
    }

    var text: String {
        ([CommitJournal.header, "lock \(lockFile)"]
            + entries.map { "\($0.action.rawValue) \($0.name)" }).joined(separator: "\n") + "\n"
    }

    init(lockFile: String, entries: [(action: Action, name: String)]) {
        self.lockFile = lockFile
        self.entries = entries
    }

    /// Parses a journal; `nil` when it is not a complete one.
    init?(text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "", lines.first == CommitJournal.header, lines.count >= 3,
            lines[1].hasPrefix("lock ")
        else { return nil }
        lines.removeLast()
        lockFile = String(lines[1].dropFirst(5))
        var entries: [(Action, String)] = []
        for line in lines.dropFirst(2) {
            guard line.count > 2, let action = line.first.flatMap(Action.init(rawValue:)),
                line.dropFirst().first == " "
            else { return nil }
            entries.append((action, String(line.dropFirst(2))))
        }
        self.entries = entries
    }

    /// Moves every output not yet in place into place (idempotent).
    func rollForward(staging: String, directory: String, fs: any FileSystem) throws {
        for (action, name) in entries {
            let final = directory + "/" + name
            let new = staging + "/new/" + name
            let old = staging + "/old/" + name
            switch action {
            case .replace, .create:
                if exists(new) { try fs.rename(new, to: final) }
            case .delete:
                if exists(final), exists(old), sameFile(final, old) { try fs.unlink(final) }
            }
        }
    }

    /// Puts every old file back and removes every new one already in place (idempotent).
    func rollBack(staging: String, directory: String, fs: any FileSystem) throws {
        for (action, name) in entries.reversed() {
            let final = directory + "/" + name
            let new = staging + "/new/" + name
            let old = staging + "/old/" + name
            switch action {
            case .replace:
                if !exists(new), exists(old) { try fs.rename(old, to: final) }
            case .create:
                if !exists(new), exists(final) { try fs.unlink(final) }
            case .delete:
                if !exists(final), exists(old) { try fs.rename(old, to: final) }
            }
        }
    }

    /// The journal and its marker in `staging`, if any.
    static func read(staging: String) -> (journal: CommitJournal, forward: Bool)? {
        for (marker, forward) in [(commitMarker, true), (rollbackMarker, false)] {
            if let data = FileManager.default.contents(atPath: staging + "/" + marker),
                let journal = CommitJournal(text: String(decoding: data, as: UTF8.self))
            {
                return (journal, forward)
            }
        }
        return nil
    }
}

func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

func sameFile(_ a: String, _ b: String) -> Bool {
    var x = stat()
    var y = stat()
    return lstat(a, &x) == 0 && lstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
}
