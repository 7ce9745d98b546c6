import Foundation

/// A request to stop a run (SIGTERM, SIGINT, the deadline), shared between the signal handlers
/// and the run loop: the loop takes no new item once it is set, and the item in flight is
/// asked to stop (its child gets SIGTERM and removes its own temporaries).
package final class RunStop: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: String?
    private var child: Process?

    package init() {}

    /// Why the run should stop, or `nil`.
    package var requested: String? { lock.withLock { reason } }

    /// Asks the run to stop; forwards SIGTERM to the item in flight.
    package func request(_ why: String) {
        let running: Process? = lock.withLock {
            if reason == nil { reason = why }
            return child
        }
        if let running, running.isRunning { running.terminate() }
    }

    /// The item process now running (`nil` between items).
    func running(_ process: Process?) {
        let stopNow: Bool = lock.withLock {
            child = process
            return reason != nil
        }
        if stopNow, let process, process.isRunning { process.terminate() }
    }
}
