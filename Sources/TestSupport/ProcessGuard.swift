package import Foundation

/// Waits for `process` to end, at most `limit` seconds: a guard so that a regression that
/// hangs (a spin, a dead-lock) fails its test instead of hanging the suite. It asserts no
/// timing: pick a limit many times the normal duration. A process still running at the limit
/// is killed (SIGKILL).
/// - Returns: `false` when the process had to be killed.
package func waitUntilExit(_ process: Process, atMost limit: TimeInterval) -> Bool {
    let deadline = Date().addingTimeInterval(limit)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    guard process.isRunning else { return true }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return false
}

/// Runs `executable` like ``runProgram(_:_:environment:in:)``, killed after `limit` seconds
/// (see ``waitUntilExit(_:atMost:)``).
/// - Returns: the result, and whether the program ended by itself within the limit.
package func runProgram(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
    atMost limit: TimeInterval
) throws -> (result: CommandResult, ended: Bool) {
    let (process, outPipe, errPipe) = configuredProcess(
        executable, arguments, environment: environment)
    try process.run()
    let out = PipeReader(outPipe)
    let err = PipeReader(errPipe)
    let ended = waitUntilExit(process, atMost: limit)
    return (
        CommandResult(
            status: process.terminationStatus, stdout: out.text(), stderr: err.text()), ended
    )
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread { [self] in
            let bytes = handle.readDataToEndOfFile()
            lock.lock()
            data = bytes
            lock.unlock()
        }.start()
    }

    /// Everything read, once the pipe's writers have all closed it.
    func text() -> String {
        while true {
            lock.lock()
            if let data {
                lock.unlock()
                return String(decoding: data, as: UTF8.self)
            }
            lock.unlock()
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

/// A running `sleep` process, for tests that need the id of a live process that is not
/// geomap (e.g. a dead writer's id, reused). End it with ``stopStranger(_:)``.
package func startStranger() throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sleep")
    process.arguments = ["600"]
    try process.run()
    return process
}

/// Ends a process from ``startStranger()`` and waits for it. SIGKILL, not `terminate()`: a
/// child started from a Swift Testing thread inherits that thread's signal mask, SIGTERM
/// included (Foundation's `Process` does not reset it), so SIGTERM would stay pending and the
/// wait would never end.
package func stopStranger(_ process: Process) {
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
}
