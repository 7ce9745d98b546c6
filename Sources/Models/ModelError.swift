/// Errors of model files, safetensors files and checkpoint import. Each description is one line
/// naming the file and what is wrong (the CLI prints it as `geomap: error: …`, exit 2).
package struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file concerned (a path), or empty when there is none.
    package let path: String
    /// What is wrong.
    package let message: String

    /// An error about `path`.
    package init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    package var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
