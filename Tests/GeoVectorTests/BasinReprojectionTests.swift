import Foundation
import GeoProjection
import GeoVector
import TestSupport
import Testing

@Suite("Basin reprojection")
struct BasinReprojectionTests {
    /// The issue quotes 457068.9 E 4959454.7 N for 44.8125 N 20.4612 E, but those metres belong
    /// to 44.7872 N 20.4573 E; 44.8125 N 20.4612 E is 457396.04 E 4962263.06 N
    /// (`cs2cs EPSG:4326 EPSG:32634` agrees). The test uses the consistent pairs.
    @Test("known vertices: 44.7872 N 20.4573 E → EPSG:32634 457068.90 E 4959454.70 N (1 cm)")
    func knownVertex() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("belgrade.geojson")
        let ring = [(20.4573, 44.7872), (20.6, 44.7872), (20.6, 44.9), (20.4612, 44.8125)]
        try GeoJSON.write(url, [("\"id\":\"bg\"", GeoJSON.polygon([ring]))])
        let set = try BasinReader.read(path: url.path)
        let utm = try set.reprojected(to: try CRS(epsg: 32634), maxSegmentLength: 0.01)
        #expect(utm.crs.epsg == 32634)
        let points = utm.basins[0].geometry.polygons[0].exterior.points
        let corner = try #require(points.first)
        #expect(abs(corner.x - 457_068.90) < 0.01)
        #expect(abs(corner.y - 4_959_454.70) < 0.01)
        let other = try #require(points.first { abs($0.x - 457_396.04) < 0.01 })
        #expect(abs(other.y - 4_962_263.06) < 0.01)
        // Densified before transforming: no edge longer than 0.01° → ≥ 15+12+14+4 nodes.
        #expect(points.count >= 45)
        let back = try utm.reprojected(to: try CRS.wgs84)
        let again = try #require(back.basins[0].geometry.polygons[0].exterior.points.first)
        #expect(abs(again.x - 20.4573) < 1e-9 && abs(again.y - 44.7872) < 1e-9)
    }

    @Test("samples/basins.shp to longitude/latitude: inside the documented extent, holes kept")
    func sampleToWGS84() throws {
        let set = try BasinReader.read(
            path: TestPaths.samples.appendingPathComponent("basins.shp").path)
        let geographic = try set.reprojected(to: try CRS.wgs84, maxSegmentLength: 500)
        #expect(geographic.crs.epsg == 4326)
        for basin in geographic.basins {
            let bounds = try #require(basin.geometry.bounds)
            #expect(bounds.minX > 20.29 && bounds.maxX < 20.96, "\(basin.id)")
            #expect(bounds.minY > 44.68 && bounds.maxY < 45.08, "\(basin.id)")
        }
        #expect(geographic.basins[2].geometry.polygons[0].holes.count == 1)
        #expect(geographic.basins[5].geometry.polygons.count == 2)
    }
}
