import Foundation
import GeoVector
import TestSupport
import Testing

@Suite("Per-basin GeoPackage")
struct BasinGeoPackageTests {
    @Test("polygons and summary fields round-trip through OGR; no partial file is left")
    func roundTrip() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try BasinReader.read(
            path: TestPaths.samples.appendingPathComponent("basins.shp").path)
        let path = dir.appendingPathComponent("run.gpkg").path
        let fields = [
            SummaryField("basin_id", .string), SummaryField("mean_flow", .real),
            SummaryField("valid_days", .integer),
        ]
        let rows = source.basins.enumerated().map { index, basin in
            (
                geometry: basin.geometry,
                values: [
                    FieldValue.string(basin.id),
                    index == 3 ? .null : .real(Double(index) + 0.5),
                    .integer(Int64(365 - index)),
                ]
            )
        }
        try BasinGeoPackageWriter.write(
            path: path, layerName: "basins", crsWKT: source.crs.wkt,
            fields: fields, rows: rows)
        #expect(
            try FileManager.default.contentsOfDirectory(
                atPath: (path as NSString).deletingLastPathComponent
            )
            .allSatisfy { !$0.hasPrefix(".geomap-") })
        let back = try BasinReader.read(path: path)
        #expect(back.layerName == "basins")
        #expect(back.idField == "basin_id")
        #expect(back.crs.epsg == 32634)
        #expect(back.basins.map(\.id) == source.basins.map(\.id))
        #expect(back.fields.map(\.typeName) == ["String", "Real", "Integer64"])
        #expect(back.value("mean_flow", of: back.basins[3]) == .null)
        #expect(back.value("mean_flow", of: back.basins[2]) == .real(2.5))
        #expect(back.value("valid_days", of: back.basins[6]) == .integer(359))
        for (a, b) in zip(source.basins, back.basins) {
            #expect(a.geometry == b.geometry, "\(a.id)")
        }
    }

    @Test("a value of the wrong kind is refused and leaves no file")
    func wrongKind() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.gpkg").path
        let square = MultiPolygon(polygons: [
            Polygon(
                exterior: LinearRing(points: [
                    Point2D(x: 0, y: 0), Point2D(x: 1, y: 0), Point2D(x: 1, y: 1),
                ]))
        ])
        let error = #expect(throws: VectorError.self) {
            try BasinGeoPackageWriter.write(
                path: path, layerName: "basins", crsWKT: "EPSG:4326",
                fields: [SummaryField("n", .integer)],
                rows: [(geometry: square, values: [.string("x")])])
        }
        #expect(error?.description == "\(path): value 'x' does not fit field 'n'")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(
            try FileManager.default.contentsOfDirectory(
                atPath: (path as NSString).deletingLastPathComponent
            )
            .allSatisfy { !$0.hasPrefix(".geomap-") })
    }
}
