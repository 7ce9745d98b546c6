package import GeoNetCDF
import GeoProjection
package import GeoVector

/// The basins of a basin file as the instances of a CF-1.8 timeSeries NetCDF (its `station`
/// dimension; the zonal statistics' and the basin predictions' files share them).
package enum DSGBasins {
    /// The field of `basins` that names a basin: the first text field (other than the id
    /// field) called `name`, `basin_name`, `gauge_name`, `station_name` or `gauge_nm`, any
    /// case; nil when there is none.
    package static func nameField(of basins: BasinSet) -> String? {
        let candidates = ["name", "basin_name", "gauge_name", "station_name", "gauge_nm"]
        for candidate in candidates {
            if let field = basins.fields.first(where: {
                $0.name.lowercased() == candidate && $0.kind == .string
                    && $0.name != basins.idField
            }) {
                return field.name
            }
        }
        return nil
    }

    /// The basins in WGS 84 as the file holds them (id, name from ``nameField(of:)`` when the
    /// basin has one, else the id; centroid; polygons).
    package static func make(from basins: BasinSet) throws -> [DSGBasin] {
        let lonLat = try basins.reprojected(to: CRS.wgs84, maxSegmentLength: nil)
        let nameField = nameField(of: basins).flatMap { name in
            basins.fields.firstIndex { $0.name == name }
        }
        return lonLat.basins.map { basin in
            let centre = ZonalSink.centroid(basin.geometry)
            var name = basin.id
            if let nameField, case .string(let text) = basin.attributes[nameField], !text.isEmpty {
                name = text
            }
            return DSGBasin(
                id: basin.id, name: name, latitude: centre.y, longitude: centre.x,
                polygons: basin.geometry.polygons.map { polygon in
                    DSGPolygon(
                        exterior: polygon.exterior.points.map { SIMD2($0.x, $0.y) },
                        holes: polygon.holes.map { $0.points.map { SIMD2($0.x, $0.y) } })
                })
        }
    }
}
