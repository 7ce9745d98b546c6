import Foundation
import GeoProjection
import GeoVector

/// The facts `geomap info` reports for a vector file (shapefile, GeoPackage, GeoJSON, a CF-1.8
/// per-basin NetCDF opened as vector…); encoded as-is for `--json`.
struct VectorInfoReport: Encodable {
    struct CRSReport: Encodable {
        @NullEncoded var epsg: Int?
        var name: String
        var wkt: String

        enum CodingKeys: String, CodingKey { case epsg, name, wkt }
    }

    struct FieldReport: Encodable {
        var name: String
        var type: String
    }

    struct LayerReport: Encodable {
        var name: String
        var geometryType: String
        var featureCount: Int
        var fields: [FieldReport]
        @NullEncoded var crs: CRSReport?
        @NullEncoded var extent: Bounds?
        @NullEncoded var lonLatExtent: Bounds?
        @NullEncoded var idField: String?

        enum CodingKeys: String, CodingKey {
            case name
            case geometryType = "geometry_type"
            case featureCount = "feature_count"
            case fields
            case crs, extent
            case lonLatExtent = "lon_lat_extent"
            case idField = "id_field"
        }
    }

    var kind = "vector"
    var path: String
    var driver: String
    var layers: [LayerReport]

    /// Reads the facts of `path`.
    ///
    /// - Throws: ``VectorError`` when GDAL cannot open it as vector data.
    static func make(path: String) throws -> VectorInfoReport {
        let dataset = try VectorSource.describe(path: path)
        let layers = dataset.layers.map { layer in
            let extent = layer.extent.map {
                Bounds(minX: $0.minX, minY: $0.minY, maxX: $0.maxX, maxY: $0.maxY)
            }
            return LayerReport(
                name: layer.name, geometryType: layer.geometryType,
                featureCount: layer.featureCount,
                fields: layer.fields.map { FieldReport(name: $0.name, type: $0.typeName) },
                crs: layer.crs.map { CRSReport(epsg: $0.epsg, name: $0.name, wkt: $0.wkt) },
                extent: extent,
                lonLatExtent: lonLat(extent, crs: layer.crs), idField: layer.idField)
        }
        return VectorInfoReport(path: path, driver: dataset.driver, layers: layers)
    }

    /// The extent in longitude/latitude (edges densified), or `nil` without CRS or extent.
    private static func lonLat(_ extent: Bounds?, crs: VectorCRS?) -> Bounds? {
        guard let extent, let crs, let source = try? CRS(crs.wkt) else { return nil }
        if crs.epsg == 4326 { return extent }
        guard let transform = try? CoordinateTransform(from: source, to: try CRS.wgs84) else {
            return nil
        }
        return try? transform.transformBounds(extent)
    }

    /// The text or JSON form.
    func render(json: Bool) throws -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
        return text
    }

    /// The compact text form.
    var text: String {
        var lines = [
            "File: \(path)",
            "Kind: vector (\(driver)), \(layers.count) layer\(layers.count == 1 ? "" : "s")",
        ]
        for layer in layers {
            lines.append("Layer: \(layer.name)")
            lines.append("  Geometry: \(layer.geometryType)")
            lines.append("  Features: \(layer.featureCount)")
            if let crs = layer.crs {
                let code = crs.epsg.map { "EPSG:\($0)" } ?? "no EPSG code"
                lines.append("  CRS: \(code) (\(crs.name))")
            } else {
                lines.append("  CRS: none (missing .prj?)")
            }
            if let extent = layer.extent { lines.append("  Extent: \(describe(extent))") }
            if let lonLat = layer.lonLatExtent {
                lines.append("  Extent (lon/lat): \(describe(lonLat))")
            }
            lines.append("  Id field: \(layer.idField ?? "none (no field with unique values)")")
            lines.append("  Fields:")
            lines += layer.fields.map { "    \($0.name): \($0.type)" }
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ bounds: Bounds) -> String {
        "x \(vectorNumber(bounds.minX)) … \(vectorNumber(bounds.maxX)), "
            + "y \(vectorNumber(bounds.minY)) … \(vectorNumber(bounds.maxY))"
    }
}

/// A number as an integer when it is one, else in full.
func vectorNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
}
