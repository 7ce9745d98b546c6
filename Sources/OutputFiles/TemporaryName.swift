import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Names of geomap's temporary files and folders: `.geomap-<pid>-<8 hex>[.<suffix>]`.
///
/// The process id in the name lets a later run tell a temporary of a dead process (removed by
/// ``StaleTemporaries``) from one in use; the random part keeps two runs, or two writers of
/// one run, apart. The name never contains the output's own name, so it stays short (under
/// 40 bytes plus the suffix) whatever the output is called.
package enum TemporaryName {
    /// The prefix every temporary name starts with.
    package static let prefix = ".geomap-"

    /// A fresh name (not a path) for this process.
    package static func make(suffix: String? = nil) -> String {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let padded = String(repeating: "0", count: 8 - random.count) + random
        let base = "\(prefix)\(OutputEnvironment.processID)-\(padded)"
        return suffix.map { "\(base).\($0)" } ?? base
    }

    /// A fresh temporary path in `path`'s folder, keeping `path`'s extension (GDAL picks the
    /// format of some files by it).
    package static func beside(_ path: String, suffix: String? = nil) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let tail = [suffix, ext.isEmpty ? nil : ext].compactMap { $0 }.joined(separator: ".")
        return url.deletingLastPathComponent().path + "/" + make(suffix: tail.isEmpty ? nil : tail)
    }

    /// The process id recorded in a temporary `name`, or `nil` when it is no geomap temporary.
    package static func processID(in name: String) -> Int32? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
        guard !digits.isEmpty, name.dropFirst(prefix.count + digits.count).first == "-" else {
            return nil
        }
        return Int32(digits)
    }
}

/// Whether a process is running (on this machine).
enum ProcessLiveness {
    /// `false` only when no process `pid` exists (`kill(pid, 0)` fails with `ESRCH`).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno != ESRCH
    }
}

/// Per-task settings of the output machinery: the file system (tests fail or stop its calls)
/// and the process id written into temporary names (tests play a run that was killed).
package enum OutputEnvironment {
    @TaskLocal package static var fileSystem: any FileSystem = POSIXFileSystem()
    @TaskLocal package static var processID: Int32 = getpid()
    /// Called with each staged file just before it is checked (tests corrupt it there).
    @TaskLocal package static var beforeValidation: (@Sendable (String) -> Void)?
}
