public import GeoGDAL

/// A vector input geomap cannot use, or an OGR failure. One line naming the file and the
/// problem.
public struct VectorError: Error, CustomStringConvertible, Sendable {
    /// The file concerned.
    public let path: String
    /// What is wrong.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// Wraps a GDAL/OGR failure (its description already names the file and the call).
    public init(_ error: GDALError, path: String) {
        self.path = path
        self.message =
            error.path == nil
            ? error.description
            : String(error.description.dropFirst((error.path ?? "").count + 2))
    }

    public var description: String { "\(path): \(message)" }
}
