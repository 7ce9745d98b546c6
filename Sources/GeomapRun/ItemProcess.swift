package import Foundation
import OutputFiles

/// Runs one work item as a child `geomap` process and says how it ended.
///
/// The child runs in the configuration's folder (so relative paths in options mean what the
/// configuration says), with its stderr kept in a log file of the run directory; its exit code
/// is geomap's documented one.
package struct ItemProcess: Sendable {
    /// How an attempt ended.
    package enum Ending: Sendable, Equatable {
        case done
        /// Exit 1 (some tiles or basins failed), 2 (bad input), 3 (invalid output), a crash
        /// or an unknown code: the item failed; `errorClass` says which.
        case failed(errorClass: String, message: String)
        /// Exit 74: the machine failed (disk full, I/O error); the same attempt may pass later.
        case transient(message: String)
        /// Exit 75: try again later (a lock held by another writer, data not there yet).
        case tryAgainLater(message: String)
        /// The run was asked to stop while the item ran (SIGTERM/SIGINT, the deadline).
        case interrupted
    }

    package var executable: URL
    package var workingDirectory: URL

    package init(executable: URL, workingDirectory: URL) {
        self.executable = executable
        self.workingDirectory = workingDirectory
    }

    /// Runs `arguments`, writing the child's stderr to `log`. `started` receives the process
    /// (to forward a stop to it).
    package func run(_ arguments: [String], log: URL, started: (Process) -> Void) throws -> Ending {
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw RunFileError(path: log.path, problem: "cannot create the item's log")
        }
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = workingDirectory
        process.standardError = logHandle
        process.standardOutput = logHandle
        process.standardInput = FileHandle.nullDevice
        // The child stops itself (as on SIGTERM) if this run dies without telling it.
        process.environment = ProcessInfo.processInfo.environment.merging(
            [ParentWatch.variable: String(getpid())]
        ) { $1 }
        try process.run()
        started(process)
        process.waitUntilExit()
        let message = Self.lastError(in: log)
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            if signal == SIGTERM || signal == SIGINT { return .interrupted }
            return .failed(errorClass: "crash", message: "killed by signal \(signal); \(message)")
        }
        switch process.terminationStatus {
        case 0: return .done
        case 1: return .failed(errorClass: "partial", message: message)
        case 2: return .failed(errorClass: "bad-input", message: message)
        case 3: return .failed(errorClass: "invalid-output", message: message)
        case 74: return .transient(message: message)
        case 75: return .tryAgainLater(message: message)
        case 130, 143: return .interrupted
        case let code: return .failed(errorClass: "exit-\(code)", message: message)
        }
    }

    /// The child's last `geomap: error:` line, else its last non-empty line (one line).
    static func lastError(in log: URL) -> String {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return "" }
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
        let line =
            lines.last { $0.hasPrefix("geomap: error: ") }.map {
                String($0.dropFirst("geomap: error: ".count))
            } ?? lines.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        return String(line.prefix(500))
    }
}
