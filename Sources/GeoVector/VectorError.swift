package import GeoGDAL
package import OutputFiles

/// A vector input geomap cannot use, or an OGR failure. One line naming the file and the
/// problem.
package struct VectorError: Error, CustomStringConvertible, Sendable {
    /// The file concerned.
    package let path: String
    /// What is wrong.
    package let message: String
    /// The OS error (`errno`) when the machine failed (exit 74/75), else `nil` (exit 2).
    package let systemCode: Int32?

    package init(path: String, message: String, systemCode: Int32? = nil) {
        self.path = path
        self.message = message
        self.systemCode = systemCode
    }

    /// Wraps a GDAL/OGR failure (its description already names the file and the call).
    package init(_ error: GDALError, path: String) {
        self.path = path
        self.message =
            error.path == nil
            ? error.description
            : String(error.description.dropFirst((error.path ?? "").count + 2))
        self.systemCode = nil
    }

    package var description: String { "\(path): \(message)" }
}

extension VectorError: ExitStatusProviding {
    package var exitStatus: ExitStatus {
        guard let systemCode else { return .badInput }
        return EnvironmentError(operation: "write", path: path, code: systemCode).exitStatus
    }
}
