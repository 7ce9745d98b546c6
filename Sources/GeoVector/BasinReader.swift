internal import CGDAL
import GeoGDAL

/// One basin: its id, attributes and polygon geometry.
package struct Basin: Sendable {
    /// The basin id (the id field's value as text, or the feature id).
    package var id: String
    /// OGR's feature id.
    package var featureID: Int
    /// Attribute values, parallel to ``BasinSet/fields``.
    package var attributes: [FieldValue]
    /// The polygons, in the CRS of the set (x = easting/longitude). Never empty.
    package var geometry: MultiPolygon
    /// Whether the geometry was invalid and repaired with OGR's make-valid.
    package var wasRepaired: Bool

    package init(
        id: String, featureID: Int, attributes: [FieldValue], geometry: MultiPolygon,
        wasRepaired: Bool = false
    ) {
        self.id = id
        self.featureID = featureID
        self.attributes = attributes
        self.geometry = geometry
        self.wasRepaired = wasRepaired
    }
}

/// The basins of one polygon layer.
package struct BasinSet: Sendable {
    package var path: String
    package var layerName: String
    /// The field the ids come from, or `nil` when they are OGR feature ids.
    package var idField: String?
    package var fields: [VectorField]
    package var crs: VectorCRS
    package var basins: [Basin]
    /// One line per basin that was repaired or skipped (and why), for the user.
    package var messages: [String]
    /// When the set is a part of its layer (``BasinReader/read(path:layer:idField:features:)``
    /// with `features`): the ids of the layer's features outside it; else empty.
    package var elsewhere: Set<String> = []

    package init(
        path: String, layerName: String, idField: String?, fields: [VectorField],
        crs: VectorCRS, basins: [Basin], messages: [String]
    ) {
        self.path = path
        self.layerName = layerName
        self.idField = idField
        self.fields = fields
        self.crs = crs
        self.basins = basins
        self.messages = messages
    }

    /// A basin's value of field `name`, or `nil` when there is no such field.
    package func value(_ name: String, of basin: Basin) -> FieldValue? {
        fields.firstIndex { $0.name == name }.map { basin.attributes[$0] }
    }
}

/// Reads basin polygons through OGR (shapefile, GeoPackage, GeoJSON, any OGR vector format).
package enum BasinReader {
    /// Reads the polygons of a layer with their attributes and CRS.
    ///
    /// - Parameters:
    ///   - path: the vector file.
    ///   - layer: the layer name; default: the first layer holding polygons.
    ///   - idField: the field holding basin ids; default: the first integer or string field
    ///     whose values are all present and unique (else OGR feature ids, with a message).
    /// - Returns: the basins; invalid geometries are repaired with make-valid when GDAL can,
    ///   otherwise skipped, and empty or non-polygon geometries skipped — each with a message.
    ///   - features: only the features at these positions of the layer's order (OGR's
    ///     reading order: a shapefile's record order, a GeoPackage's fid order), as a group of
    ///     basins is read (`--group`); `nil`: every feature. The id field is still chosen, and
    ///     its values checked, over the whole layer, so a part has the ids the whole has.
    /// - Throws: ``VectorError`` for an unreadable file, an unknown layer or id field, ids that
    ///   are not unique, a layer (or part) without any polygon, or a layer without CRS (missing
    ///   `.prj`).
    package static func read(
        path: String, layer: String? = nil, idField: String? = nil, features: Range<Int>? = nil
    ) throws(VectorError) -> BasinSet {
        let dataset = try VectorSource.open(path)
        let handle = try pickLayer(dataset.handle, name: layer, path: path)
        let info = VectorSource.describe(handle)
        guard let crs = info.crs else {
            throw VectorError(
                path: path,
                message: "layer '\(info.name)' has no coordinate reference system (missing .prj "
                    + "file?); geomap does not guess a CRS")
        }
        let fields = info.fields
        let raw = try readFeatures(
            handle, fields: fields, path: path, layer: info.name, geometries: features)
        let polygonCount = raw.filter {
            if case .polygons = $0.geometry { return true }
            if case .repaired = $0.geometry { return true }
            return false
        }.count
        guard polygonCount > 0 else {
            if let features {
                let part = features.clamped(to: 0..<raw.count)
                throw VectorError(
                    path: path,
                    message: part.isEmpty
                        ? "layer '\(info.name)' holds \(raw.count) features, none at position "
                            + "\(features.lowerBound) or after"
                        : "features \(part.lowerBound)…\(part.upperBound - 1) of layer "
                            + "'\(info.name)' hold no polygons")
            }
            throw VectorError(
                path: path,
                message: "layer '\(info.name)' holds no polygons (\(raw.count) features, "
                    + "geometry type \(info.geometryType))")
        }
        var messages: [String] = []
        let (idIndex, idName, idMessage) = try chooseIDField(
            fields, values: raw.map(\.values), requested: idField, path: path, layer: info.name)
        if let idMessage { messages.append(idMessage) }
        var basins: [Basin] = []
        var elsewhere = Set<String>()
        for feature in raw {
            let id = idIndex.map { feature.values[$0].description } ?? String(feature.fid)
            guard let geometry = feature.geometry else {
                elsewhere.insert(id)
                continue
            }
            switch geometry {
            case .polygons(let geometry):
                basins.append(
                    Basin(
                        id: id, featureID: feature.fid, attributes: feature.values,
                        geometry: geometry))
            case .repaired(let geometry):
                messages.append("basin \(id): invalid geometry repaired with make-valid")
                basins.append(
                    Basin(
                        id: id, featureID: feature.fid, attributes: feature.values,
                        geometry: geometry, wasRepaired: true))
            case .invalid:
                messages.append(
                    "basin \(id): invalid geometry that make-valid cannot repair; "
                        + "skipped")
            case .empty:
                messages.append("basin \(id): empty geometry; skipped")
            case .notPolygon(let type):
                messages.append("basin \(id): geometry is a \(type), not a polygon; skipped")
            }
        }
        var set = BasinSet(
            path: path, layerName: info.name, idField: idName, fields: fields,
            crs: crs, basins: basins, messages: messages)
        set.elsewhere = elsewhere
        return set
    }

    /// Every feature of `layer`, with the polygons of those at positions `geometries` (all
    /// when `nil`; the others' geometry is `nil`); a read that stops early (an OGR error
    /// during the loop, or fewer features than the layer declares, as with a truncated
    /// `.dbf`) is an error. With `geometries`, the attributes of every feature are read with
    /// OGR ignoring geometries (a shapefile's `.shp` is not read), then the part's features
    /// again from their position (`OGR_L_SetNextByIndex`) with their geometry.
    private static func readFeatures(
        _ layer: OGRLayerH, fields: [VectorField], path: String, layer name: String,
        geometries: Range<Int>?
    ) throws(VectorError) -> [(fid: Int, values: [FieldValue], geometry: GeometryResult?)] {
        var raw: [(fid: Int, values: [FieldValue], geometry: GeometryResult?)] = []
        do {
            _ = try withGDALErrors("OGR_L_GetNextFeature", path: path) { () -> Bool? in
                if geometries != nil { ignoreGeometry(layer, true) }
                OGR_L_ResetReading(layer)
                while let feature = OwnedFeature(taking: OGR_L_GetNextFeature(layer)) {
                    let values = (0..<Int32(fields.count)).map {
                        readField(feature.handle, $0, fields)
                    }
                    let geometry = geometries == nil ? polygonsOfFeature(feature.handle) : nil
                    raw.append((Int(OGR_F_GetFID(feature.handle)), values, geometry))
                }
                guard let part = geometries?.clamped(to: 0..<raw.count), !part.isEmpty else {
                    return true
                }
                ignoreGeometry(layer, false)
                OGR_L_ResetReading(layer)
                // Straight to the part's first feature when the driver can (shapefile,
                // GeoPackage); else (or if it lands elsewhere) read up to it.
                var position = 0
                var jumped = OGR_L_SetNextByIndex(layer, GIntBig(part.lowerBound)) == OGRERR_NONE
                if jumped {
                    position = part.lowerBound
                } else {
                    OGR_L_ResetReading(layer)
                }
                while position < part.upperBound,
                    let feature = OwnedFeature(taking: OGR_L_GetNextFeature(layer))
                {
                    if jumped {
                        jumped = false
                        if Int(OGR_F_GetFID(feature.handle)) != raw[position].fid {
                            OGR_L_ResetReading(layer)
                            position = 0
                            continue
                        }
                    }
                    if position >= part.lowerBound {
                        raw[position].geometry = polygonsOfFeature(feature.handle)
                    }
                    position += 1
                }
                return true
            }
        } catch {
            throw VectorError(
                path: path,
                message: "reading layer '\(name)' stopped after \(raw.count) feature"
                    + (raw.count == 1 ? "" : "s") + ": "
                    + error.message)
        }
        // The count the format declares (shapefile, GeoPackage: cheap); -1 when unknown.
        let declared = Int(OGR_L_GetFeatureCount(layer, 0))
        if declared >= 0, declared != raw.count {
            throw VectorError(
                path: path,
                message: "layer '\(name)' declares \(declared) features but \(raw.count) could be "
                    + "read (a truncated or damaged file, e.g. the .dbf of a shapefile)")
        }
        return raw
    }

    /// The number of features of the layer ``read(path:layer:idField:features:)`` reads: the
    /// count the format declares (a shapefile's or GeoPackage's header: no feature is read,
    /// so a million polygons count in milliseconds), else counted by OGR.
    /// - Throws: ``VectorError`` for an unreadable file or an unknown layer.
    package static func featureCount(path: String, layer: String? = nil) throws(VectorError)
        -> Int
    {
        let dataset = try VectorSource.open(path)
        return try withExtendedLifetime(dataset) { () throws(VectorError) -> Int in
            let handle = try pickLayer(dataset.handle, name: layer, path: path)
            return max(0, Int(OGR_L_GetFeatureCount(handle, 1)))
        }
    }

    /// Makes OGR skip (or read again) the geometries of `layer`'s features.
    private static func ignoreGeometry(_ layer: OGRLayerH, _ ignore: Bool) {
        guard ignore else {
            _ = OGR_L_SetIgnoredFields(layer, nil)
            return
        }
        "OGR_GEOMETRY".withCString { name in
            var list: [UnsafePointer<CChar>?] = [name, nil]
            _ = list.withUnsafeMutableBufferPointer {
                OGR_L_SetIgnoredFields(layer, $0.baseAddress)
            }
        }
    }

    private static func pickLayer(_ dataset: GDALDatasetH, name: String?, path: String)
        throws(VectorError) -> OGRLayerH
    {
        let count = GDALDatasetGetLayerCount(dataset)
        let layers = (0..<count).compactMap { GDALDatasetGetLayer(dataset, $0) }
        if let name {
            guard let layer = layers.first(where: { String(cString: OGR_L_GetName($0)) == name })
            else {
                let names = layers.map { String(cString: OGR_L_GetName($0)) }
                throw VectorError(
                    path: path,
                    message: "no layer '\(name)' (layers: \(names.joined(separator: ", ")))")
            }
            return layer
        }
        guard let first = layers.first else {
            throw VectorError(path: path, message: "holds no vector layer")
        }
        return layers.first { VectorSource.isPolygonal(OGR_L_GetGeomType($0)) } ?? first
    }

    private static func readField(
        _ feature: OGRFeatureH, _ index: Int32,
        _ fields: [VectorField]
    ) -> FieldValue {
        guard OGR_F_IsFieldSetAndNotNull(feature, index) != 0 else { return .null }
        switch fields[Int(index)].kind {
        case .integer: return .integer(Int64(OGR_F_GetFieldAsInteger64(feature, index)))
        case .real: return .real(OGR_F_GetFieldAsDouble(feature, index))
        default:
            return .string(String(cString: OGR_F_GetFieldAsString(feature, index)))
        }
    }

    /// Field names that say "I am the basin id": when such a field has missing or repeated
    /// values, auto-detection refuses instead of moving on to another field.
    static let conventionalIDNames: Set<String> = [
        "id", "basin_id", "basin", "gauge_id", "gauge", "station_id", "station", "hru_id",
        "catchment_id", "hybas_id", "comid", "fid",
    ]

    /// What disqualifies field `index` as the id field ("2 repeated values, e.g. 'A'", "1 empty
    /// value"), or `nil` when every value is present and unique.
    static func idProblem(_ index: Int, values: [[FieldValue]]) -> String? {
        var seen = Set<String>()
        var (empty, repeated) = (0, 0)
        var example: String?
        for row in values {
            let text = row[index].description
            if row[index] == .null || text.isEmpty {
                empty += 1
            } else if !seen.insert(text).inserted {
                repeated += 1
                if example == nil { example = text }
            }
        }
        var parts: [String] = []
        if repeated > 0 {
            parts.append(
                "\(repeated) repeated value\(repeated == 1 ? "" : "s"), e.g. '\(example ?? "")'")
        }
        if empty > 0 { parts.append("\(empty) empty value\(empty == 1 ? "" : "s")") }
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }

    /// The id field: `requested`, else the first integer or text field whose values are all
    /// present and unique. Fields passed over are named in the returned message (never a
    /// silent switch); a passed-over field with a conventional id name
    /// (``conventionalIDNames``) is an error.
    private static func chooseIDField(
        _ fields: [VectorField], values: [[FieldValue]], requested: String?, path: String,
        layer: String
    ) throws(VectorError) -> (index: Int?, name: String?, message: String?) {
        if let requested {
            guard let index = fields.firstIndex(where: { $0.name == requested }) else {
                throw VectorError(
                    path: path,
                    message: "layer '\(layer)' has no field '\(requested)' (fields: "
                        + fields.map(\.name).joined(separator: ", ") + ")")
            }
            if let problem = idProblem(index, values: values) {
                throw VectorError(
                    path: path,
                    message: "id field '\(requested)' has missing or repeated values (\(problem))")
            }
            return (index, requested, nil)
        }
        var skipped: [String] = []
        for (index, field) in fields.enumerated()
        where field.kind == .integer || field.kind == .string {
            guard let problem = idProblem(index, values: values) else {
                let message =
                    skipped.isEmpty
                    ? nil
                    : "basin ids from field '\(field.name)', the first integer or text field of "
                        + "layer '\(layer)' whose values are all present and unique (passed "
                        + "over: \(skipped.joined(separator: "; "))); give --id-field to choose"
                return (index, field.name, message)
            }
            if conventionalIDNames.contains(field.name.lowercased()) {
                throw VectorError(
                    path: path,
                    message: "field '\(field.name)' looks like the basin id field but has "
                        + "\(problem); fix the file or choose the id field with --id-field")
            }
            skipped.append("'\(field.name)' has \(problem)")
        }
        let passed = skipped.isEmpty ? "" : " (\(skipped.joined(separator: "; ")))"
        return (
            nil, nil,
            "no integer or text field of layer '\(layer)' has unique values\(passed); basin ids "
                + "are feature ids"
        )
    }
}

/// What a feature's geometry gave.
enum GeometryResult {
    case polygons(MultiPolygon)
    case repaired(MultiPolygon)
    case invalid
    case empty
    case notPolygon(String)
}

/// The polygons of a feature's geometry, repairing invalid ones when GEOS can.
func polygonsOfFeature(_ feature: OGRFeatureH) -> GeometryResult {
    guard let geometry = OGR_F_GetGeometryRef(feature), OGR_G_IsEmpty(geometry) == 0 else {
        return .empty
    }
    let type = OGR_G_GetGeometryType(geometry)
    guard VectorSource.isPolygonal(type) || OGR_GT_Flatten(type) == wkbGeometryCollection else {
        return .notPolygon(String(cString: OGRGeometryTypeToName(type)))
    }
    if OGR_G_IsValid(geometry) != 0 {
        let polygons = extractPolygons(geometry)
        return polygons.isEmpty ? .empty : .polygons(MultiPolygon(polygons: polygons))
    }
    // Make-valid needs GEOS; silence its complaints and judge the result instead.
    CPLPushErrorHandler(CPLQuietErrorHandler)
    defer { CPLPopErrorHandler() }
    guard let fixed = OwnedGeometry(taking: OGR_G_MakeValid(geometry)),
        OGR_G_IsValid(fixed.handle) != 0
    else { return .invalid }
    let polygons = extractPolygons(fixed.handle)
    return polygons.isEmpty ? .invalid : .repaired(MultiPolygon(polygons: polygons))
}

/// All polygons inside a geometry (polygons, multipolygons, curved surfaces, collections),
/// rings without their closing duplicate point, degenerate rings dropped.
func extractPolygons(_ geometry: OGRGeometryH) -> [Polygon] {
    let type = OGR_GT_Flatten(OGR_G_GetGeometryType(geometry))
    switch type {
    case wkbPolygon:
        let count = OGR_G_GetGeometryCount(geometry)
        guard count > 0, let outer = OGR_G_GetGeometryRef(geometry, 0) else { return [] }
        let exterior = ring(outer)
        guard exterior.points.count >= 3 else { return [] }
        let holes = (1..<max(count, 1)).compactMap { OGR_G_GetGeometryRef(geometry, $0) }
            .map(ring).filter { $0.points.count >= 3 }
        return [Polygon(exterior: exterior, holes: holes)]
    case wkbMultiPolygon, wkbGeometryCollection, wkbMultiSurface:
        return (0..<OGR_G_GetGeometryCount(geometry)).flatMap { index -> [Polygon] in
            guard let part = OGR_G_GetGeometryRef(geometry, index) else { return [] }
            return extractPolygons(part)
        }
    case wkbCurvePolygon:
        guard let linear = OwnedGeometry(taking: OGR_G_GetLinearGeometry(geometry, 0, nil))
        else { return [] }
        return extractPolygons(linear.handle)
    default:
        return []
    }
}

private func ring(_ geometry: OGRGeometryH) -> LinearRing {
    let count = Int(OGR_G_GetPointCount(geometry))
    var xs = [Double](repeating: 0, count: count)
    var ys = [Double](repeating: 0, count: count)
    let stride = Int32(MemoryLayout<Double>.stride)
    _ = OGR_G_GetPoints(geometry, &xs, stride, &ys, stride, nil, 0)
    var points = zip(xs, ys).map { Point2D(x: $0, y: $1) }
    if points.count > 1, points.first == points.last { points.removeLast() }
    return LinearRing(points: points)
}
