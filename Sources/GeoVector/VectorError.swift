public import GeoGDAL
public import OutputFiles

/// A vector input geomap cannot use, or an OGR failure. One line naming the file and the
/// problem.
public struct VectorError: Error, CustomStringConvertible, Sendable {
    /// The file concerned.
    public let path: String
    /// What is wrong.
    public let message: String
    /// The OS error (`errno`) when the machine failed (exit 74/75), else `nil` (exit 2).
    public let systemCode: Int32?

    public init(path: String, message: String, systemCode: Int32? = nil) {
        self.path = path
        self.message = message
        self.systemCode = systemCode
    }

    /// Wraps a GDAL/OGR failure (its description already names the file and the call).
    public init(_ error: GDALError, path: String) {
        self.path = path
        self.message =
            error.path == nil
            ? error.description
            : String(error.description.dropFirst((error.path ?? "").count + 2))
        self.systemCode = nil
    }

    public var description: String { "\(path): \(message)" }
}

extension VectorError: ExitStatusProviding {
    public var exitStatus: ExitStatus {
        guard let systemCode else { return .badInput }
        return EnvironmentError(operation: "write", path: path, code: systemCode).exitStatus
    }
}
