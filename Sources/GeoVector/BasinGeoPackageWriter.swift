internal import CGDAL
internal import Foundation
import GeoGDAL
internal import OutputFiles

/// A field of the per-basin summary layer.
package struct SummaryField: Sendable, Equatable {
    package enum Kind: Sendable { case string, real, integer }
    package var name: String
    package var kind: Kind

    package init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// Writes basin polygons with per-basin summary fields to a GeoPackage, so a run can be drawn as
/// a map. The layer is written under a short temporary name beside `path`
/// (`.geomap-<pid>-<x>.partial.gpkg`) and renamed when complete.
package enum BasinGeoPackageWriter {
    /// Writes one MultiPolygon layer.
    ///
    /// - Parameters:
    ///   - path: the `.gpkg` to create (replaced if present).
    ///   - layerName: the layer name, e.g. `basins`.
    ///   - crsWKT: the CRS of the geometries (WKT, or any definition OGR's SetFromUserInput
    ///     reads, e.g. `EPSG:4326`).
    ///   - fields: the summary fields, in order.
    ///   - rows: per basin, its geometry and one value per field (`.null` for missing).
    /// - Throws: ``VectorError`` for a value of the wrong kind or a failed OGR call.
    package static func write(
        path: String, layerName: String, crsWKT: String, fields: [SummaryField],
        rows: [(geometry: MultiPolygon, values: [FieldValue])]
    ) throws(VectorError) {
        try write(
            path: path, layerName: layerName, crsWKT: crsWKT, fields: fields, batches: 1
        ) { _ throws(VectorError) in rows }
    }

    /// Writes one MultiPolygon layer from `batches` batches of rows, asked for one at a time
    /// (`rows(0)`, `rows(1)`, …), so only one batch is in memory: how the groups of a basin
    /// run are joined (`BasinOutputJoin`). An error thrown by `rows` is rethrown as it is.
    package static func write(
        path: String, layerName: String, crsWKT: String, fields: [SummaryField], batches: Int,
        rows: (Int) throws(VectorError) -> [(geometry: MultiPolygon, values: [FieldValue])]
    ) throws(VectorError) {
        GDALRuntime.registerDrivers()
        let partial = TemporaryName.beside(path, suffix: "partial")
        TemporaryRegistry.shared.register(partial)
        defer {
            try? FileManager.default.removeItem(atPath: partial)
            TemporaryRegistry.shared.unregister(partial)
        }
        do {
            try writeLayer(partial, layerName, crsWKT, fields, batches, rows)
        } catch {
            guard error.path == partial else { throw error }
            throw VectorError(path: path, message: error.message)
        }
        if rename(partial, path) != 0 {
            let code = errno
            throw VectorError(
                path: path,
                message: "cannot rename the finished file: \(String(cString: strerror(code)))",
                systemCode: code)
        }
    }

    /// Checks a written GeoPackage before it is committed: OGR opens it and its layer
    /// `layerName` holds `features` features.
    /// - Throws: ``VectorError`` naming what is wrong.
    package static func verify(path: String, layerName: String, features: Int) throws(VectorError) {
        GDALRuntime.registerDrivers()
        let dataset: GDALDataset
        do {
            dataset = try GDALDataset(opening: path, kind: .vector)
        } catch { throw VectorError(error, path: path) }
        guard let layer = GDALDatasetGetLayerByName(dataset.handle, layerName) else {
            throw VectorError(path: path, message: "layer '\(layerName)' is missing")
        }
        let count = OGR_L_GetFeatureCount(layer, 1)
        guard count == features else {
            throw VectorError(
                path: path,
                message: "layer '\(layerName)' has \(count) features, expected \(features)")
        }
    }

    private static func writeLayer(
        _ path: String, _ layerName: String, _ crsWKT: String, _ fields: [SummaryField],
        _ batches: Int,
        _ rows: (Int) throws(VectorError) -> [(geometry: MultiPolygon, values: [FieldValue])]
    ) throws(VectorError) {
        guard let driver = GDALGetDriverByName("GPKG") else {
            throw VectorError(path: path, message: "GDAL has no GPKG driver")
        }
        let dataset: GDALDataset
        do {
            let handle = try withGDALErrors("GDALCreate", path: path) {
                GDALCreate(driver, path, 0, 0, 0, GDT_Unknown, nil)
            }
            dataset = GDALDataset(taking: handle, path: path)
        } catch { throw VectorError(error, path: path) }
        guard let srs = OwnedSpatialReference(taking: OSRNewSpatialReference(nil)) else {
            throw VectorError(path: path, message: "cannot allocate a spatial reference")
        }
        OSRSetAxisMappingStrategy(srs.handle, OAMS_TRADITIONAL_GIS_ORDER)
        guard OSRSetFromUserInput(srs.handle, crsWKT) == OGRERR_NONE else {
            throw VectorError(path: path, message: "the CRS definition is not understood by OGR")
        }
        let handle = dataset.handle
        let srsHandle = srs.handle
        let layer = try gdal(path) { () throws(GDALError) in
            try withGDALErrors("GDALDatasetCreateLayer", path: path) {
                GDALDatasetCreateLayer(handle, layerName, srsHandle, wkbMultiPolygon, nil)
            }
        }
        for field in fields {
            let type: OGRFieldType =
                switch field.kind {
                case .string: OFTString
                case .real: OFTReal
                case .integer: OFTInteger64
                }
            let definition = OGR_Fld_Create(field.name, type)
            defer { OGR_Fld_Destroy(definition) }
            try gdal(path) { () throws(GDALError) in
                try ogrCheck("OGR_L_CreateField", path: path) {
                    OGR_L_CreateField(layer, definition, 1)
                }
            }
        }
        try gdal(path) { () throws(GDALError) in
            try ogrCheck("GDALDatasetStartTransaction", path: path) {
                GDALDatasetStartTransaction(handle, 0)
            }
        }
        for batch in 0..<batches {
            for row in try rows(batch) {
                try writeFeature(layer, row.geometry, row.values, fields, path)
            }
        }
        try gdal(path) { () throws(GDALError) in
            try ogrCheck("GDALDatasetCommitTransaction", path: path) {
                GDALDatasetCommitTransaction(handle)
            }
        }
        do { try dataset.close() } catch { throw VectorError(error, path: path) }
    }

    /// Runs GDAL calls, turning a ``GDALError`` into a ``VectorError`` for `path`.
    private static func gdal<T>(_ path: String, _ body: () throws(GDALError) -> T)
        throws(VectorError) -> T
    {
        do { return try body() } catch { throw VectorError(error, path: path) }
    }

    private static func writeFeature(
        _ layer: OGRLayerH, _ geometry: MultiPolygon, _ values: [FieldValue],
        _ fields: [SummaryField], _ path: String
    ) throws(VectorError) {
        guard values.count == fields.count else {
            throw VectorError(
                path: path, message: "a row has \(values.count) values for \(fields.count) fields")
        }
        guard let feature = OwnedFeature(taking: OGR_F_Create(OGR_L_GetLayerDefn(layer))) else {
            throw VectorError(path: path, message: "cannot allocate a feature")
        }
        for (index, (value, field)) in zip(values, fields).enumerated() {
            let i = Int32(index)
            switch (value, field.kind) {
            case (.null, _): OGR_F_SetFieldNull(feature.handle, i)
            case (.string(let text), .string): OGR_F_SetFieldString(feature.handle, i, text)
            case (.real(let number), .real): OGR_F_SetFieldDouble(feature.handle, i, number)
            case (.integer(let number), .real):
                OGR_F_SetFieldDouble(feature.handle, i, Double(number))
            case (.integer(let number), .integer):
                OGR_F_SetFieldInteger64(feature.handle, i, GIntBig(number))
            default:
                throw VectorError(
                    path: path, message: "value '\(value)' does not fit field '\(field.name)'")
            }
        }
        let multi = OGR_G_CreateGeometry(wkbMultiPolygon)!
        for polygon in geometry.polygons {
            let part = OGR_G_CreateGeometry(wkbPolygon)!
            for ring in [polygon.exterior] + polygon.holes {
                let linear = OGR_G_CreateGeometry(wkbLinearRing)!
                for point in ring.points { OGR_G_AddPoint_2D(linear, point.x, point.y) }
                OGR_G_CloseRings(linear)
                _ = OGR_G_AddGeometryDirectly(part, linear)
            }
            _ = OGR_G_AddGeometryDirectly(multi, part)
        }
        _ = OGR_F_SetGeometryDirectly(feature.handle, multi)
        try gdal(path) { () throws(GDALError) in
            try ogrCheck("OGR_L_CreateFeature", path: path) {
                OGR_L_CreateFeature(layer, feature.handle)
            }
        }
    }
}
