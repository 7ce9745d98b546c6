import Foundation
import OutputFiles

/// A ``OutputFiles/FileSystem`` that fails one call, or stops dead at it as a killed process
/// would (that call and every later one do nothing and throw), counting the calls that change
/// the file system.
package final class FaultyFileSystem: FileSystem, @unchecked Sendable {
    package enum Mode: Sendable {
        /// Call number `n` (1-based) fails with `errno` `code`; the others work.
        case fail(at: Int, code: Int32)
        /// Call number `n` and every later one throw without doing anything.
        case kill(at: Int)
        /// Every call works (counts only).
        case count
    }

    private let base = POSIXFileSystem()
    private let lock = NSLock()
    private let mode: Mode
    /// Calls made so far, with their operation names.
    package private(set) var calls: [String] = []

    package init(_ mode: Mode) {
        self.mode = mode
    }

    /// Whether the simulated kill has happened.
    package var killed: Bool {
        lock.lock()
        defer { lock.unlock() }
        if case .kill(let n) = mode { return calls.count >= n }
        return false
    }

    private func step(_ operation: String, _ path: String) throws {
        lock.lock()
        defer { lock.unlock() }
        calls.append("\(operation) \(path)")
        switch mode {
        case .fail(let n, let code) where calls.count == n:
            throw EnvironmentError(operation: operation, path: path, code: code)
        case .kill(let n) where calls.count >= n:
            throw EnvironmentError(operation: "(killed) \(operation)", path: path, code: EINTR)
        default: break
        }
    }

    package func rename(_ source: String, to destination: String) throws {
        try step("rename", destination)
        try base.rename(source, to: destination)
    }

    package func link(_ source: String, to destination: String) throws {
        try step("link", destination)
        try base.link(source, to: destination)
    }

    package func unlink(_ path: String) throws {
        try step("unlink", path)
        try base.unlink(path)
    }

    package func write(_ bytes: [UInt8], to path: String) throws {
        try step("write", path)
        try base.write(bytes, to: path)
    }

    package func sync(_ path: String) throws {
        try step("fsync", path)
        try base.sync(path)
    }

    package func makeDirectory(_ path: String) throws {
        try step("mkdir", path)
        try base.makeDirectory(path)
    }

    package func removeDirectory(_ path: String) throws {
        try step("rmdir", path)
        try base.removeDirectory(path)
    }
}

/// The process id of a process that has ended (a child run to completion), for tests that
/// play a run killed earlier.
package func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}
