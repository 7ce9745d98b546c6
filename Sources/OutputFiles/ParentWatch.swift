import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Ties a work item's `geomap` process to the `geomap run` that started it.
///
/// `geomap run` starts each item as a child process with ``variable`` set to its own PID. When
/// the run dies without forwarding a stop (`kill -9`, the OOM killer, a node losing power to
/// its scheduler), the child is re-parented and would otherwise go on alone, holding its
/// outputs' lock against the next run. The child checks its parent once a second; once the
/// parent is gone it stops exactly as on SIGTERM: the commit in flight (if any) finishes, the
/// temporaries are removed, exit 143. A parent that is gone before the watch starts stops the
/// child at once.
package enum ParentWatch {
    /// The environment variable naming the run's PID in an item's process.
    package static let variable = "GEOMAP_RUN_PID"

    nonisolated(unsafe) private static var timer: DispatchSourceTimer?

    /// Starts the watch when `environment` names a parent run (the SIGINT/SIGTERM handlers of
    /// ``TemporaryRegistry`` must be installed first); does nothing otherwise.
    package static func start(environment: [String: String], interval: Double = 1) {
        guard let value = environment[variable], let parent = pid_t(value), parent > 1,
            timer == nil
        else { return }
        let source = DispatchSource.makeTimerSource(
            queue: DispatchQueue(label: "geomap.parent-watch"))
        source.schedule(deadline: .now(), repeating: interval)
        source.setEventHandler {
            if getppid() != parent {
                source.cancel()
                kill(getpid(), SIGTERM)
            }
        }
        source.resume()
        timer = source
    }
}
