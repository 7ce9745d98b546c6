import Foundation
import GeoNetCDF
import GeoProjection
import GeoVector
import TestSupport
import Testing

@Suite("Per-basin NetCDF through GDAL's vector driver")
struct PerBasinNetCDFTests {
    @Test("samples/basins.shp written as CF-1.8 DSG comes back from OGR as polygons with ids")
    func dsgAsPolygons() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let basins = try BasinReader.read(
            path: TestPaths.samples.appendingPathComponent("basins.shp").path
        )
        .reprojected(to: try CRS.wgs84)
        func nodes(_ ring: LinearRing) -> [SIMD2<Double>] { ring.points.map { [$0.x, $0.y] } }
        let dsgBasins = basins.basins.map { basin in
            let bounds = basin.geometry.bounds!
            return DSGBasin(
                id: basin.id, name: basins.value("name", of: basin)?.description ?? "",
                latitude: (bounds.minY + bounds.maxY) / 2,
                longitude: (bounds.minX + bounds.maxX) / 2,
                polygons: basin.geometry.polygons.map {
                    DSGPolygon(exterior: nodes($0.exterior), holes: $0.holes.map(nodes))
                })
        }
        let units = try #require(CFTimeUnits("days since 2016-01-01", calendar: .standard))
        let path = dir.appendingPathComponent("basins.nc").path
        let writer = try BasinSeriesWriter(
            path: path,
            layout: BasinSeriesLayout(
                basins: dsgBasins, timeUnits: units, times: [0, 1, 2],
                variables: [DSGVariable(name: "q", units: "mm d-1", longName: "streamflow")],
                basinFields: [
                    DSGBasinField(
                        name: "area", units: "km2", longName: "basin area",
                        values: basins.basins.map { basins.value("area_km2", of: $0)?.description }
                            .map { Double($0 ?? "") ?? .nan })
                ],
                title: "t", source: "s", history: "h", references: "r", geomapVersion: "test"))
        try writer.write(
            "q", basins: 0..<dsgBasins.count, times: 0..<3,
            values: Array(repeating: 1.5, count: dsgBasins.count * 3))
        try writer.finish()

        let back = try BasinReader.read(path: path)
        #expect(back.layerName == "geometry_container")
        #expect(back.idField == "basin_code")
        #expect(back.basins.map(\.id) == basins.basins.map(\.id))
        #expect(back.crs.epsg == 4326)
        #expect(back.value("basin_name", of: back.basins[4]) == .string("Čista Reka"))
        #expect(back.basins[2].geometry.polygons[0].holes.count == 1)
        #expect(back.basins[5].geometry.polygons.count == 2)
        for (a, b) in zip(basins.basins, back.basins) {
            #expect(abs(a.geometry.area - b.geometry.area) < 1e-12, "\(a.id)")
        }
    }
}
