internal import CGDAL

/// A raster band's pixel type, named as GDAL names it (`Byte`, `UInt16`, `Float32`, …).
package enum RasterDataType: String, Sendable, Codable, CaseIterable {
    case byte = "Byte"
    case int8 = "Int8"
    case uint16 = "UInt16"
    case int16 = "Int16"
    case uint32 = "UInt32"
    case int32 = "Int32"
    case uint64 = "UInt64"
    case int64 = "Int64"
    case float32 = "Float32"
    case float64 = "Float64"
    case unknown = "Unknown"

    init(gdal type: GDALDataType) {
        let name = GDALGetDataTypeName(type).map { String(cString: $0) } ?? "Unknown"
        self = RasterDataType(rawValue: name) ?? .unknown
    }

    var gdalType: GDALDataType { GDALGetDataTypeByName(rawValue) }

    /// Bytes of one value (`0` for ``unknown``).
    package var byteCount: Int {
        switch self {
        case .byte, .int8: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .unknown: 0
        }
    }

    /// Whether values are floating point (predictor 3) rather than integers (predictor 2).
    package var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}
