import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock(2)` on `.<key>.geomap.lock` in an output folder: one writer per output
/// set at a time. The holder's process id is written inside so a second writer can name it.
///
/// The holder removes the lock file when it releases the lock (or is stopped by SIGINT or
/// SIGTERM: the file is one of its registered temporaries); a process that locked a file
/// which was removed meanwhile notices (its file is no longer the one at the path) and tries
/// again. A killed holder leaves the file, but not the lock: `flock` locks end with the
/// process.
package final class OutputLock: @unchecked Sendable {
    package let path: String
    private var fd: Int32

    /// Takes the lock without waiting.
    /// - Throws: ``OutputError/locked(lockFile:holder:)`` (exit 75) when another process holds
    ///   it; ``EnvironmentError`` when the lock file cannot be opened.
    package convenience init(directory: String, key: String) throws {
        try self.init(path: directory + "/" + OutputLock.fileName(key: key))
    }

    /// Takes the lock of the lock file `path` without waiting.
    package init(path: String) throws {
        self.path = path
        fd = -1
        // The holder removes the file when it ends: a lock taken on a file that was removed
        // (or replaced) meanwhile is no lock, so try again on the new file.
        for _ in 0..<100 {
            let candidate = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard candidate >= 0 else {
                throw EnvironmentError(operation: "open the lock file", path: path)
            }
            guard flock(candidate, LOCK_EX | LOCK_NB) == 0 else {
                let code = errno
                var buffer = [UInt8](repeating: 0, count: 32)
                let count = pread(candidate, &buffer, buffer.count, 0)
                close(candidate)
                guard code == EWOULDBLOCK else {
                    throw EnvironmentError(operation: "lock", path: path, code: code)
                }
                let text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                throw OutputError.locked(
                    lockFile: path,
                    holder: Int(text).map { "geomap process \($0)" } ?? "another geomap process")
            }
            var held = stat()
            var named = stat()
            if fstat(candidate, &held) == 0, stat(path, &named) == 0,
                held.st_dev == named.st_dev, held.st_ino == named.st_ino
            {
                fd = candidate
                break
            }
            close(candidate)
        }
        guard fd >= 0 else {
            throw EnvironmentError(operation: "lock", path: path, code: EAGAIN)
        }
        let text = Array("\(OutputEnvironment.processID)\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        // SIGINT/SIGTERM remove it with the run's temporaries.
        TemporaryRegistry.shared.register(path)
    }

    deinit { release() }

    /// Removes the lock file and releases the lock (also done when the value ends).
    package func release() {
        guard fd >= 0 else { return }
        TemporaryRegistry.shared.unregister(path)
        _ = SystemCall.unlink(path)
        close(fd)
        fd = -1
    }

    /// `.<key>.geomap.lock`, with a long key cut and completed by a hash so the name fits in
    /// 255 bytes.
    package static func fileName(key: String) -> String {
        ".\(ShortName.fitting(key, reserve: 14)).geomap.lock"
    }
}

/// Names cut to fit the 255-byte limit of a file name.
package enum ShortName {
    /// `name` when it and `reserve` more bytes fit in 255 bytes; otherwise its first bytes
    /// (cut at a character boundary), `-` and a 16-hex-digit hash of the whole name.
    package static func fitting(_ name: String, reserve: Int) -> String {
        let limit = 255 - reserve
        guard name.utf8.count > limit else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        let suffix = "-" + String(repeating: "0", count: 16 - digits.count) + digits
        var head = ""
        for character in name {
            guard head.utf8.count + character.utf8.count + suffix.utf8.count <= limit else {
                break
            }
            head.append(character)
        }
        return head + suffix
    }
}
