/// A raster-level failure geomap detects itself (GDAL's own failures are ``GeoGDAL/GDALError``).
package enum RasterError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A window reaching past the raster's edge.
    case windowOutside(path: String, window: PixelWindow, width: Int, height: Int)
    /// A band number outside 1…bandCount.
    case bandOutOfRange(path: String, band: Int, bandCount: Int)
    /// The raster has no CRS but the operation needs one.
    case missingCRS(path: String, operation: String)
    /// The raster has no (or a rotated) geotransform where a north-up one is needed.
    case unsupportedGeoTransform(path: String, reason: String)
    /// A buffer whose size does not match the rows/bands it claims to hold.
    case bufferSize(path: String, expected: Int, actual: Int)
    /// Rows written out of order or beyond the raster.
    case rowOrder(path: String, expected: Int, got: Range<Int>)
    /// A writer finished before every row was written.
    case incomplete(path: String, rowsWritten: Int, height: Int)
    /// An invalid argument (band specification, grid, option).
    case invalid(path: String, reason: String)

    package var description: String {
        switch self {
        case .windowOutside(let path, let window, let width, let height):
            return "\(path): window \(window) lies outside the \(width)×\(height) raster"
        case .bandOutOfRange(let path, let band, let count):
            return "\(path): band \(band) does not exist (the raster has \(count) bands)"
        case .missingCRS(let path, let operation):
            return "\(path): the raster has no CRS, which \(operation) requires"
        case .unsupportedGeoTransform(let path, let reason):
            return "\(path): \(reason)"
        case .bufferSize(let path, let expected, let actual):
            return "\(path): buffer holds \(actual) values, expected \(expected)"
        case .rowOrder(let path, let expected, let got):
            return "\(path): rows \(got.lowerBound)..<\(got.upperBound) written out of order "
                + "(next row is \(expected))"
        case .incomplete(let path, let written, let height):
            return "\(path): only \(written) of \(height) rows were written"
        case .invalid(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
