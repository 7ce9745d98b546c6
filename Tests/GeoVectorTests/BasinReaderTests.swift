import Foundation
import GeoGDAL
import GeoVector
import TestSupport
import Testing

@Suite("Basin polygons through OGR")
struct BasinReaderTests {
    let dir: URL
    init() throws { dir = try makeTemporaryDirectory() }

    var samplePath: String { TestPaths.samples.appendingPathComponent("basins.shp").path }

    @Test(
        "a part of the layer (features at positions I…J): the whole layer's ids, only its geometry, the same basins as a whole read, in shapefile and GeoPackage"
    )
    func partOfLayer() throws {
        let gpkg = dir.appendingPathComponent("basins.gpkg").path
        try runGDALTool("ogr2ogr", ["-f", "GPKG", gpkg, samplePath])
        for path in [samplePath, gpkg] {
            let whole = try BasinReader.read(path: path)
            #expect(try BasinReader.featureCount(path: path) == 7)
            for part in [0..<2, 2..<5, 6..<8, 0..<7] {
                let set = try BasinReader.read(path: path, features: part)
                let expected = Array(whole.basins[part.clamped(to: 0..<7)])
                #expect(set.basins.map(\.id) == expected.map(\.id), "\(path) \(part)")
                #expect(set.basins.map(\.geometry) == expected.map(\.geometry))
                #expect(set.basins.map(\.attributes) == expected.map(\.attributes))
                #expect(set.idField == "basin_id")
                let others = Set(whole.basins.map(\.id)).subtracting(expected.map(\.id))
                #expect(set.elsewhere == others)
            }
            #expect(throws: VectorError.self) {
                _ = try BasinReader.read(path: path, features: 7..<9)
            }
        }
    }

    @Test("samples/basins.shp: ids, CRS, a hole, a multipart basin, areas")
    func sampleShapefile() throws {
        let set = try BasinReader.read(path: samplePath)
        #expect(set.layerName == "basins")
        #expect(set.idField == "basin_id")
        #expect(set.basins.map(\.id) == ["B001", "B002", "B003", "B004", "B005", "B006", "B007"])
        #expect(set.crs.epsg == 32634)
        #expect(set.crs.name == "WGS 84 / UTM zone 34N")
        #expect(set.messages.isEmpty)
        #expect(set.fields.map(\.name) == ["basin_id", "name", "area_km2"])
        let b003 = set.basins[2]
        #expect(b003.geometry.polygons.count == 1)
        #expect(b003.geometry.polygons[0].holes.count == 1)
        let b006 = set.basins[5]
        #expect(b006.geometry.polygons.count == 2)
        #expect(set.value("name", of: set.basins[4]) == .string("Čista Reka"))
        for basin in set.basins {
            guard case .real(let km2)? = set.value("area_km2", of: basin) else {
                Issue.record("no area for \(basin.id)")
                continue
            }
            #expect(abs(basin.geometry.area / 1e6 - km2) < 0.001 * km2, "\(basin.id)")
            // Rings come without the closing duplicate.
            let ring = basin.geometry.polygons[0].exterior.points
            #expect(ring.first != ring.last)
        }
    }

    @Test("GeoJSON: holes and parts, the first unique field becomes the id")
    func geoJSON() throws {
        let url = dir.appendingPathComponent("basins.geojson")
        try GeoJSON.write(
            url,
            [
                (
                    "\"region\":\"north\",\"code\":\"A1\",\"n\":1",
                    GeoJSON.polygon([GeoJSON.square, GeoJSON.hole])
                ),
                (
                    "\"region\":\"north\",\"code\":\"A2\",\"n\":1",
                    GeoJSON.multiPolygon([
                        [GeoJSON.square.map { ($0.0 + 1, $0.1) }],
                        [GeoJSON.square.map { ($0.0 + 2, $0.1) }],
                    ])
                ),
            ])
        let set = try BasinReader.read(path: url.path)
        #expect(set.idField == "code")
        #expect(set.basins.map(\.id) == ["A1", "A2"])
        #expect(set.crs.epsg == 4326)
        let first = set.basins[0].geometry
        #expect(first.polygons[0].exterior.points.count == 4)
        #expect(first.polygons[0].holes[0].points.contains(Point2D(x: 20.1, y: 44.2)))
        #expect(abs(first.area - (0.25 - 0.01)) < 1e-12)
        #expect(set.basins[1].geometry.polygons.count == 2)
        #expect(set.basins[1].geometry.bounds?.maxX == 22.5)

        let chosen = try BasinReader.read(path: url.path, idField: "code")
        #expect(chosen.basins.map(\.id) == ["A1", "A2"])
        let repeated = #expect(throws: VectorError.self) {
            try BasinReader.read(path: url.path, idField: "region")
        }
        #expect(
            repeated?.description
                == "\(url.path): id field 'region' has missing or repeated values "
                + "(1 repeated value, e.g. 'north')")
        // The automatic choice names the field it took and the one it passed over.
        #expect(
            set.messages == [
                "basin ids from field 'code', the first integer or text field of layer "
                    + "'basins' whose values are all present and unique (passed over: 'region' "
                    + "has 1 repeated value, e.g. 'north'); give --id-field to choose"
            ])
        let unknown = #expect(throws: VectorError.self) {
            try BasinReader.read(path: url.path, idField: "gauge")
        }
        #expect(
            unknown?.description.contains("has no field 'gauge' (fields: region, code, n)") == true)
    }

    @Test(
        "a field named like an id with repeated or empty values is refused, not passed over",
        arguments: [
            ("\"gauge_id\":\"G1\"", "\"gauge_id\":\"G1\"", "1 repeated value, e.g. 'G1'"),
            ("\"gauge_id\":\"G1\"", "\"gauge_id\":\"\"", "1 empty value"),
            ("\"ID\":7", "\"ID\":null", "1 empty value"),
        ])
    func conventionalIDField(first: String, second: String, problem: String) throws {
        let url = dir.appendingPathComponent("ids.geojson")
        try GeoJSON.write(
            url,
            [
                (first + ",\"code\":\"A1\"", GeoJSON.polygon([GeoJSON.square])),
                (second + ",\"code\":\"A2\"", GeoJSON.polygon([GeoJSON.square])),
            ])
        let error = #expect(throws: VectorError.self) { try BasinReader.read(path: url.path) }
        #expect(
            error?.description.contains("looks like the basin id field but has \(problem)") == true,
            "\(String(describing: error))")
        #expect(error?.description.hasPrefix(url.path) == true)
        // Choosing the field explicitly is the way out.
        #expect(
            try BasinReader.read(path: url.path, idField: "code").basins.map(\.id) == ["A1", "A2"])
    }

    @Test("a shapefile whose .dbf is cut short is an error naming the file, not fewer basins")
    func truncatedDBF() throws {
        for ext in ["shp", "shx", "prj", "cpg"] {
            try FileManager.default.copyItem(
                at: TestPaths.samples.appendingPathComponent("basins.\(ext)"),
                to: dir.appendingPathComponent("cut.\(ext)"))
        }
        let dbf = try Data(contentsOf: TestPaths.samples.appendingPathComponent("basins.dbf"))
        // The header's own sizes: header length (bytes 8–9) and record length (10–11).
        let header = Int(dbf[8]) | Int(dbf[9]) << 8
        let record = Int(dbf[10]) | Int(dbf[11]) << 8
        let path = dir.appendingPathComponent("cut.shp").path
        for records in [1, 3, 6] {
            try dbf.prefix(header + records * record + record / 2).write(
                to: dir.appendingPathComponent("cut.dbf"))
            let error = #expect(throws: VectorError.self) { try BasinReader.read(path: path) }
            let text = error?.description ?? ""
            #expect(text.hasPrefix(path), "\(text)")
            #expect(
                text.contains("stopped after") || text.contains("declares 7 features"), "\(text)")
        }
    }

    @Test("an invalid bow-tie is repaired, empty and point geometries are skipped, by basin id")
    func invalidAndEmpty() throws {
        let url = dir.appendingPathComponent("mixed.geojson")
        try GeoJSON.write(
            url,
            [
                ("\"id\":\"ok\"", GeoJSON.polygon([GeoJSON.square])),
                ("\"id\":\"bowtie\"", GeoJSON.polygon([GeoJSON.bowTie])),
                ("\"id\":\"nothing\"", "null"),
                ("\"id\":\"gauge\"", "{\"type\":\"Point\",\"coordinates\":[20,44]}"),
            ])
        let set = try BasinReader.read(path: url.path)
        #expect(set.basins.map(\.id) == ["ok", "bowtie"])
        let bowtie = set.basins[1]
        #expect(bowtie.wasRepaired)
        #expect(bowtie.geometry.polygons.count == 2)  // make-valid splits the bow-tie
        #expect(abs(bowtie.geometry.area - 0.02) < 1e-12)
        #expect(
            set.messages == [
                "basin bowtie: invalid geometry repaired with make-valid",
                "basin nothing: empty geometry; skipped",
                "basin gauge: geometry is a Point, not a polygon; skipped",
            ])
    }

    @Test("bad input: a layer without polygons, a shapefile without .prj, not a vector file")
    func badInput() throws {
        let points = dir.appendingPathComponent("points.geojson")
        try GeoJSON.write(
            points,
            [
                ("\"id\":1", "{\"type\":\"Point\",\"coordinates\":[20,44]}"),
                ("\"id\":2", "{\"type\":\"LineString\",\"coordinates\":[[20,44],[21,45]]}"),
            ])
        let noPolygons = #expect(throws: VectorError.self) {
            try BasinReader.read(path: points.path)
        }
        #expect(
            noPolygons?.description
                == "\(points.path): layer 'points' holds no polygons (2 features, "
                + "geometry type Unknown (any))"
        )

        for ext in ["shp", "shx", "dbf"] {
            try FileManager.default.copyItem(
                at: TestPaths.samples.appendingPathComponent("basins.\(ext)"),
                to: dir.appendingPathComponent("noprj.\(ext)"))
        }
        let noPRJ = dir.appendingPathComponent("noprj.shp").path
        let missing = #expect(throws: VectorError.self) { try BasinReader.read(path: noPRJ) }
        #expect(
            missing?.description == "\(noPRJ): layer 'noprj' has no coordinate reference system "
                + "(missing .prj file?); geomap does not guess a CRS")

        let text = dir.appendingPathComponent("notes.txt")
        try "just text".write(to: text, atomically: true, encoding: .utf8)
        let notVector = #expect(throws: VectorError.self) { try BasinReader.read(path: text.path) }
        #expect(
            notVector?.description.hasPrefix("\(text.path): not a vector dataset GDAL can read")
                == true)
    }

    @Test("layer listing for geomap info: geometry type, count, fields with types, CRS, extent")
    func layerInfo() throws {
        let layers = try VectorSource.layers(of: samplePath)
        #expect(layers.count == 1)
        let layer = try #require(layers.first)
        #expect(layer.geometryType == "Polygon")
        #expect(layer.isPolygonal)
        #expect(layer.featureCount == 7)
        #expect(layer.fields.map(\.typeName) == ["String", "String", "Real"])
        #expect(layer.crs?.identifier == "EPSG:32634")
        let extent = try #require(layer.extent)
        #expect(extent.minX == 444600 && extent.maxY == 4_991_350)
    }

    @Test("densified rings keep their vertices and have no edge longer than asked")
    func densify() {
        let ring = LinearRing(points: [
            Point2D(x: 0, y: 0), Point2D(x: 10, y: 0),
            Point2D(x: 10, y: 3),
        ])
        let dense = ring.densified(maxSegmentLength: 1)
        #expect(ring.longestEdge > 10)
        #expect(dense.longestEdge <= 1 + 1e-12)
        #expect(dense.points.count == 10 + 3 + 11)
        #expect(abs(dense.signedArea - ring.signedArea) < 1e-9)
        for point in ring.points { #expect(dense.points.contains(point)) }
    }
}
