import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The checks every output name passes before any work: only regular files (or nothing) at
/// output names, no output that is one of the inputs, names that fit the file system.
package enum OutputPathCheck {
    /// - Parameters:
    ///   - outputs: final output paths (sidecars included).
    ///   - inputs: every file the run reads (missing ones are skipped).
    /// - Throws: ``OutputError`` (exit 2) naming the output and, for a clash, the input.
    package static func check(outputs: [String], inputs: [String]) throws {
        let inputIDs = inputs.compactMap { path in identity(path).map { ($0, path) } }
        let inputNames = inputs.compactMap { path in resolvedName(path).map { ($0, path) } }
        for output in outputs {
            let name = URL(fileURLWithPath: output).lastPathComponent
            if name.utf8.count > 255 { throw OutputError.nameTooLong(path: output) }
            var info = stat()
            if lstat(output, &info) == 0 {
                let type = info.st_mode & S_IFMT
                guard type == S_IFREG else {
                    throw OutputError.notRegularFile(path: output, kind: kindName(type))
                }
                if let id = identity(output), let input = inputIDs.first(where: { $0.0 == id }) {
                    throw OutputError.sameAsInput(output: output, input: input.1)
                }
            } else if let resolved = resolvedName(output),
                let input = inputNames.first(where: { $0.0 == resolved })
            {
                throw OutputError.sameAsInput(output: output, input: input.1)
            }
        }
    }

    /// Device and inode of the file `path` names (symbolic links followed).
    static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// `path` with its folder resolved (symbolic links, `..`), for names that do not exist
    /// yet; an existing file is resolved whole.
    static func resolvedName(_ path: String) -> String? {
        if let full = realpath(path, nil) {
            defer { free(full) }
            return String(cString: full)
        }
        let url = URL(fileURLWithPath: path)
        guard let folder = realpath(url.deletingLastPathComponent().path, nil) else { return nil }
        defer { free(folder) }
        return String(cString: folder) + "/" + url.lastPathComponent
    }

    static func kindName(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: "directory"
        case S_IFIFO: "FIFO"
        case S_IFLNK: "symbolic link"
        case S_IFSOCK: "socket"
        case S_IFCHR, S_IFBLK: "device"
        default: "special file"
        }
    }
}
