import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file-system calls an output commit makes, so tests can fail any one of them (or stop
/// dead at one, as a kill would) and check what is left. ``POSIXFileSystem`` is the real one.
///
/// Every call that changes the file system goes through this seam; each throws
/// ``EnvironmentError`` naming the operation, the path and the OS error.
package protocol FileSystem: Sendable {
    /// `rename(2)`: replaces `destination` atomically.
    func rename(_ source: String, to destination: String) throws
    /// `link(2)`: a second name for `source`'s file.
    func link(_ source: String, to destination: String) throws
    /// `unlink(2)`.
    func unlink(_ path: String) throws
    /// Creates `path` (which must not exist), writes `bytes`, `fsync`s and closes it.
    func write(_ bytes: [UInt8], to path: String) throws
    /// `fsync(2)` of a file or a directory.
    func sync(_ path: String) throws
    /// `mkdir(2)` with mode 0700.
    func makeDirectory(_ path: String) throws
    /// `rmdir(2)`.
    func removeDirectory(_ path: String) throws
}

extension FileSystem {
    /// Removes `path` and, for a directory, everything below it (symbolic links are removed,
    /// never followed). A missing path is no error.
    package func removeTree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                try removeTree(path + "/" + name)
            }
            try removeDirectory(path)
        } else {
            try unlink(path)
        }
    }
}

/// The real file system (POSIX calls).
package struct POSIXFileSystem: FileSystem {
    package init() {}

    package func rename(_ source: String, to destination: String) throws {
        try check("rename", destination) { SystemCall.rename(source, destination) }
    }

    package func link(_ source: String, to destination: String) throws {
        try check("link", destination) { SystemCall.link(source, destination) }
    }

    package func unlink(_ path: String) throws {
        try check("remove", path) { SystemCall.unlink(path) }
    }

    package func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EnvironmentError(operation: "create", path: path) }
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                SystemCall.write(fd, buffer.baseAddress! + done, bytes.count - done)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let error = EnvironmentError(operation: "write", path: path)
                close(fd)
                throw error
            }
            done += count
        }
        guard fsync(fd) == 0 else {
            let error = EnvironmentError(operation: "fsync", path: path)
            close(fd)
            throw error
        }
        try check("close", path) { close(fd) }
    }

    package func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EnvironmentError(operation: "open", path: path) }
        defer { close(fd) }
        try check("fsync", path) { fsync(fd) }
    }

    package func makeDirectory(_ path: String) throws {
        try check("create the directory", path) { mkdir(path, 0o700) }
    }

    package func removeDirectory(_ path: String) throws {
        try check("remove the directory", path) { rmdir(path) }
    }

    private func check(_ operation: String, _ path: String, _ call: () -> Int32) throws {
        if call() != 0 { throw EnvironmentError(operation: operation, path: path) }
    }
}
