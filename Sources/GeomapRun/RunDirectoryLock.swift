public import Foundation
public import GeomapCore

/// The lock of a run directory: `flock(2)` on `<run-dir>/run.lock`, held for the whole run and
/// released by the kernel when the process ends however it ends (no stale lock to clear by
/// hand). The holder's PID is written in the file so a second run can name it.
public final class RunDirectoryLock {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, or throws ``RunLockedError`` (exit 75) naming the holder.
    public init(directory: URL) throws {
        path = directory.appendingPathComponent("run.lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunFileError(
                path: path, problem: "cannot open the lock: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &buffer, 31, 0)
            let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw RunLockedError(directory: directory.path, holder: holder)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, text, text.count, 0)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Another run holds the run directory. Exit 75: try again when it has finished.
public struct RunLockedError: Error, CustomStringConvertible, ExitStatusProviding {
    public var directory: String
    public var holder: String

    public var description: String {
        let who = holder.isEmpty ? "another geomap run" : "geomap run PID \(holder)"
        return "\(directory): \(who) holds this run directory; try again when it has finished"
    }

    public var exitStatus: ExitStatus { .tryAgainLater }
}
