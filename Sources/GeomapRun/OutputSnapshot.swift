import Foundation

/// The regular files of a folder with their inode and modification time, to find what an item
/// wrote: files that are new or replaced after it ran (geomap replaces a file by renaming a new
/// one over it, so a rewritten output always has a new inode).
struct OutputSnapshot {
    struct Stamp: Equatable {
        var inode: UInt64
        var modified: Int64
    }

    var files: [String: Stamp]

    /// Takes the snapshot of the files of `folder` whose names start with `prefix` (all when
    /// `nil`; empty when the folder does not exist yet); hidden files, which are geomap's
    /// temporaries and locks, are left out. Only those files are looked at, so a folder of
    /// thousands of chunks' outputs costs one listing per item, not thousands of `stat`s.
    init(_ folder: String, prefix: String? = nil) {
        files = [:]
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            return
        }
        for name in names
        where !name.hasPrefix(".") && (prefix.map { name.hasPrefix($0) } ?? true) {
            var info = stat()
            guard stat("\(folder)/\(name)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG
            else { continue }
            let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            files[name] = Stamp(inode: UInt64(info.st_ino), modified: modified)
        }
    }

    /// Names (sorted) that are new or changed in `after`.
    func written(after: OutputSnapshot) -> [String] {
        after.files.filter { name, stamp in files[name] != stamp }.keys.sorted()
    }
}
