import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// This process's temporary files and folders, removed when SIGINT or SIGTERM stops the run.
///
/// ``installSignalHandlers()`` sets both signals to `SIG_IGN` and watches them with dispatch
/// sources on a queue of their own: on a signal, the handler waits for a commit in progress
/// to finish (a commit is never cut in half), removes every registered path and exits with
/// 130 (SIGINT) or 143 (SIGTERM) without running `atexit` handlers.
package final class TemporaryRegistry: @unchecked Sendable {
    package static let shared = TemporaryRegistry()

    private let lock = NSLock()
    private var paths: Set<String> = []
    /// Held while an output set is being swapped in (see ``OutputSet``).
    let commitLock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "geomap.signals")
    /// Set by ``handleStops(_:)``: a process that stops gracefully instead of exiting at once.
    private var stopHandler: (@Sendable (Int32) -> Void)?

    /// Makes SIGINT and SIGTERM call `handler` (on the signal queue) instead of removing the
    /// temporaries and exiting: for `geomap run`, which finishes the item in flight, records
    /// the stop and exits 75 itself. Installs the handlers if needed.
    package func handleStops(_ handler: @escaping @Sendable (Int32) -> Void) {
        lock.lock()
        stopHandler = handler
        lock.unlock()
        installSignalHandlers()
    }

    package func register(_ path: String) {
        lock.lock()
        paths.insert(path)
        lock.unlock()
    }

    package func unregister(_ path: String) {
        lock.lock()
        paths.remove(path)
        lock.unlock()
    }

    /// The registered paths (for tests and diagnostics).
    package var registered: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return paths
    }

    /// Removes every registered path (folders with their content).
    package func removeAll() {
        lock.lock()
        let current = paths
        paths = []
        lock.unlock()
        for path in current { try? POSIXFileSystem().removeTree(path) }
    }

    /// Installs the SIGINT/SIGTERM handlers (once; later calls do nothing).
    package func installSignalHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in self.stop(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    /// Whether a SIGINT/SIGTERM stop is under way (``waitIfStopping()``).
    package var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    /// Blocks for good when a stop is under way: the run's other threads keep going while the
    /// signal handler removes the temporaries, and may fail on a file it removed; their error
    /// must not be reported (nor its exit code win) over the stop's 130/143.
    package func waitIfStopping() {
        guard isStopping else { return }
        while true { pause() }
    }

    private var stopping = false

    private func stop(_ signalNumber: Int32) {
        lock.lock()
        let handler = stopHandler
        if handler == nil { stopping = true }
        lock.unlock()
        if let handler { return handler(signalNumber) }
        commitLock.lock()
        // The registry stays locked until the process exits: a thread registering a new
        // temporary waits (it registers before it creates), so nothing is created after the
        // removal; a file created inside a registered folder meanwhile is caught by retrying.
        lock.lock()
        for path in paths { Self.removeRetrying(path) }
        let name = signalNumber == SIGINT ? "SIGINT" : "SIGTERM"
        let line = "geomap: stopped by \(name); this run's temporary files were removed\n"
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
        _exit(128 + signalNumber)
    }

    /// Removes `path` (a folder with its content), again while a writer still running puts
    /// files into it (a removal then fails with ENOTEMPTY); at most about 0.2 s.
    private static func removeRetrying(_ path: String) {
        for _ in 0..<100 {
            try? POSIXFileSystem().removeTree(path)
            var info = stat()
            if lstat(path, &info) != 0 { return }
            usleep(2000)
        }
    }
}
