public import Foundation
public import OutputFiles

/// A ``OutputFiles/FileSystem`` that fails one call, or stops dead at it as a killed process
/// would (that call and every later one do nothing and throw), counting the calls that change
/// the file system.
public final class FaultyFileSystem: FileSystem, @unchecked Sendable {
    public enum Mode: Sendable {
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
    public private(set) var calls: [String] = []

    public init(_ mode: Mode) {
        self.mode = mode
    }

    /// Whether the simulated kill has happened.
    public var killed: Bool {
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

    public func rename(_ source: String, to destination: String) throws {
        try step("rename", destination)
        try base.rename(source, to: destination)
    }

    public func link(_ source: String, to destination: String) throws {
        try step("link", destination)
        try base.link(source, to: destination)
    }

    public func unlink(_ path: String) throws {
        try step("unlink", path)
        try base.unlink(path)
    }

    public func write(_ bytes: [UInt8], to path: String) throws {
        try step("write", path)
        try base.write(bytes, to: path)
    }

    public func sync(_ path: String) throws {
        try step("fsync", path)
        try base.sync(path)
    }

    public func makeDirectory(_ path: String) throws {
        try step("mkdir", path)
        try base.makeDirectory(path)
    }

    public func removeDirectory(_ path: String) throws {
        try step("rmdir", path)
        try base.removeDirectory(path)
    }
}

/// The process id of a process that has ended (a child run to completion), for tests that
/// play a run killed earlier.
public func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}
