/// Errors of model files, safetensors files and checkpoint import. Each description is one line
/// naming the file and what is wrong (the CLI prints it as `geomap: error: …`, exit 2).
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file concerned (a path), or empty when there is none.
    public let path: String
    /// What is wrong.
    public let message: String

    /// An error about `path`.
    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
