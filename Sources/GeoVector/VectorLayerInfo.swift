internal import CGDAL
import GeoGDAL

/// An attribute field of a layer.
package struct VectorField: Sendable, Equatable {
    package enum Kind: String, Sendable { case integer, real, string, date, other }
    package var name: String
    package var kind: Kind
    /// OGR's type name (`Integer`, `Integer64`, `Real`, `String`, `Date`, …).
    package var typeName: String

    package init(name: String, kind: Kind, typeName: String) {
        self.name = name
        self.kind = kind
        self.typeName = typeName
    }
}

/// One attribute value.
package enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case real(Double)
    case string(String)
    case null

    package var description: String {
        switch self {
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .string(let value): value
        case .null: ""
        }
    }
}

/// The facts `geomap info` reports about a vector layer.
package struct VectorLayerInfo: Sendable {
    package var name: String
    /// OGR's geometry type name (`Polygon`, `Multi Polygon`, `3D Polygon`, `Unknown (any)`…).
    package var geometryType: String
    /// Whether the declared geometry type is a (multi)polygon or surface.
    package var isPolygonal: Bool
    package var featureCount: Int
    package var fields: [VectorField]
    /// `nil` when the layer has no CRS (a shapefile without .prj).
    package var crs: VectorCRS?
    /// `(minX, minY, maxX, maxY)` in the layer's CRS, `nil` when empty.
    package var extent: (minX: Double, minY: Double, maxX: Double, maxY: Double)?
    /// The field ``BasinReader`` would take ids from by default (the first integer or text
    /// field whose values are all present and unique), `nil` when none qualifies.
    package var idField: String?
}

/// A vector dataset: its GDAL driver and layers.
package struct VectorDatasetInfo: Sendable {
    /// GDAL's short driver name (`ESRI Shapefile`, `GPKG`, `GeoJSON`, `netCDF`, …).
    package var driver: String
    package var layers: [VectorLayerInfo]
}

/// Reading vector metadata through OGR.
package enum VectorSource {
    /// Opens `path` as a vector dataset.
    ///
    /// - Throws: ``VectorError`` when GDAL cannot open it as vector data.
    static func open(_ path: String) throws(VectorError) -> GDALDataset {
        do {
            return try GDALDataset(opening: path, kind: .vector)
        } catch {
            throw VectorError(
                path: path, message: "not a vector dataset GDAL can read (\(error.message))")
        }
    }

    /// Describes every layer of `path`.
    ///
    /// - Throws: ``VectorError`` when the file cannot be opened as vector data.
    package static func layers(of path: String) throws(VectorError) -> [VectorLayerInfo] {
        try describe(path: path).layers
    }

    /// Describes the dataset at `path`: driver, and every layer with its default id field.
    ///
    /// - Throws: ``VectorError`` when the file cannot be opened as vector data.
    package static func describe(path: String) throws(VectorError) -> VectorDatasetInfo {
        let dataset = try open(path)
        var layers: [VectorLayerInfo] = []
        for index in 0..<GDALDatasetGetLayerCount(dataset.handle) {
            guard let layer = GDALDatasetGetLayer(dataset.handle, index) else { continue }
            var info = describe(layer)
            info.idField = defaultIDField(layer, fields: info.fields)
            layers.append(info)
        }
        let driver =
            GDALGetDatasetDriver(dataset.handle)
            .flatMap { GDALGetDriverShortName($0) }.map { String(cString: $0) } ?? "unknown"
        return VectorDatasetInfo(driver: driver, layers: layers)
    }

    /// The first integer or text field whose values are all present and unique.
    static func defaultIDField(_ layer: OGRLayerH, fields: [VectorField]) -> String? {
        let candidates = fields.indices.filter {
            fields[$0].kind == .integer || fields[$0].kind == .string
        }
        guard !candidates.isEmpty else { return nil }
        var seen = candidates.map { _ in Set<String>() }
        var alive = candidates.map { _ in true }
        OGR_L_ResetReading(layer)
        while let feature = OwnedFeature(taking: OGR_L_GetNextFeature(layer)) {
            for (k, index) in candidates.enumerated() where alive[k] {
                let i = Int32(index)
                guard OGR_F_IsFieldSetAndNotNull(feature.handle, i) != 0 else {
                    alive[k] = false
                    continue
                }
                let text = String(cString: OGR_F_GetFieldAsString(feature.handle, i))
                if text.isEmpty || !seen[k].insert(text).inserted { alive[k] = false }
            }
            if !alive.contains(true) { break }
        }
        OGR_L_ResetReading(layer)
        return alive.firstIndex(of: true).map { fields[candidates[$0]].name }
    }

    static func describe(_ layer: OGRLayerH) -> VectorLayerInfo {
        let type = OGR_L_GetGeomType(layer)
        var envelope = OGREnvelope()
        let count = Int(OGR_L_GetFeatureCount(layer, 1))
        let hasExtent = count > 0 && OGR_L_GetExtent(layer, &envelope, 1) == OGRERR_NONE
        return VectorLayerInfo(
            name: String(cString: OGR_L_GetName(layer)),
            geometryType: String(cString: OGRGeometryTypeToName(type)),
            isPolygonal: isPolygonal(type),
            featureCount: count,
            fields: fields(of: layer),
            crs: OGR_L_GetSpatialRef(layer).map(VectorCRS.init),
            extent: hasExtent ? (envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY) : nil,
            idField: nil)
    }

    static func isPolygonal(_ type: OGRwkbGeometryType) -> Bool {
        let flat = OGR_GT_Flatten(type)
        return flat == wkbPolygon || flat == wkbMultiPolygon || flat == wkbCurvePolygon
            || flat == wkbMultiSurface
    }

    static func fields(of layer: OGRLayerH) -> [VectorField] {
        let definition = OGR_L_GetLayerDefn(layer)
        return (0..<OGR_FD_GetFieldCount(definition)).compactMap { i -> VectorField? in
            guard let field = OGR_FD_GetFieldDefn(definition, i) else { return nil }
            let type = OGR_Fld_GetType(field)
            let kind: VectorField.Kind
            switch type {
            case OFTInteger, OFTInteger64: kind = .integer
            case OFTReal: kind = .real
            case OFTString: kind = .string
            case OFTDate, OFTDateTime, OFTTime: kind = .date
            default: kind = .other
            }
            var typeName = String(cString: OGR_GetFieldTypeName(type))
            let subtype = OGR_Fld_GetSubType(field)
            if subtype != OFSTNone {
                typeName += "(\(String(cString: OGR_GetFieldSubTypeName(subtype))))"
            }
            return VectorField(
                name: String(cString: OGR_Fld_GetNameRef(field)), kind: kind, typeName: typeName)
        }
    }
}
