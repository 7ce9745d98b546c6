internal import CGDAL

/// A raster band's pixel type, named as GDAL names it (`Byte`, `UInt16`, `Float32`, …).
public enum RasterDataType: String, Sendable, Codable, CaseIterable {
    case byte = "Byte", int8 = "Int8", uint16 = "UInt16", int16 = "Int16", uint32 = "UInt32"
    case int32 = "Int32", uint64 = "UInt64", int64 = "Int64", float32 = "Float32"
    case float64 = "Float64", unknown = "Unknown"

    init(gdal type: GDALDataType) {
        let name = GDALGetDataTypeName(type).map { String(cString: $0) } ?? "Unknown"
        self = RasterDataType(rawValue: name) ?? .unknown
    }

    var gdalType: GDALDataType { GDALGetDataTypeByName(rawValue) }

    /// Whether values are floating point (predictor 3) rather than integers (predictor 2).
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}
