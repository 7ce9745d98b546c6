package import GeomapCore

/// A configuration that cannot be run, named by file, line and key path:
/// `nightly.yaml:7: jobs[1].stride: expected one value, found a mapping`. Exit code 2.
package struct RunConfigError: Error, CustomStringConvertible, ExitStatusProviding {
    package var file: String
    /// 1-based; `nil` when the problem is the file itself.
    package var line: Int?
    /// `jobs[1].stride`; empty for the whole document.
    package var keyPath: String
    package var problem: String

    package init(file: String, line: Int?, keyPath: String, problem: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.problem = problem
    }

    package var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return keyPath.isEmpty ? "\(place): \(problem)" : "\(place): \(keyPath): \(problem)"
    }

    package var exitStatus: ExitStatus { .badInput }
}
