import Foundation
import GeoNetCDF
import TestSupport
import Testing

/// A small per-basin layout: a square basin, a basin with a hole, and a two-part basin.
enum SampleBasins {
    static func layout(days: Int = 10, embedding: Int? = nil) throws -> BasinSeriesLayout {
        let square = DSGPolygon(exterior: [[10, 45], [10.5, 45], [10.5, 45.5], [10, 45.5]])
        // Given clockwise on purpose: the writer makes exteriors anticlockwise.
        let holed = DSGPolygon(
            exterior: [[11, 45], [11, 46], [12, 46], [12, 45], [11, 45]],
            holes: [[[11.4, 45.4], [11.6, 45.4], [11.6, 45.6], [11.4, 45.6]]])
        let partA = DSGPolygon(exterior: [[13, 45], [13.2, 45], [13.2, 45.2]])
        let partB = DSGPolygon(exterior: [[13.5, 45.5], [13.7, 45.5], [13.7, 45.7]])
        let basins = [
            DSGBasin(
                id: "B001", name: "Square creek", latitude: 45.25, longitude: 10.25,
                polygons: [square]),
            DSGBasin(
                id: "B002", name: "Lake basin", latitude: 45.5, longitude: 11.5,
                polygons: [holed]),
            DSGBasin(
                id: "B003-long-id", name: "Two islands", latitude: 45.3, longitude: 13.3,
                polygons: [partA, partB]),
        ]
        let units = try #require(CFTimeUnits("days since 2000-01-01", calendar: .standard))
        var variables = [
            DSGVariable(
                name: "streamflow", units: "mm d-1", longName: "predicted streamflow",
                cellMethods: "time: mean"),
            DSGVariable(
                name: "pr", units: "mm d-1", longName: "basin mean precipitation",
                standardName: "lwe_precipitation_rate", cellMethods: "time: mean"),
        ]
        if let embedding {
            variables.append(
                DSGVariable(
                    name: "embedding", units: "1", longName: "basin embedding",
                    extraDimensions: [DSGDimension(name: "embedding_dim", length: embedding)]))
        }
        return BasinSeriesLayout(
            basins: basins, timeUnits: units, times: (0..<days).map(Double.init),
            timeBounds: (0..<days).map { (Double($0), Double($0 + 1)) },
            variables: variables,
            basinFields: [
                DSGBasinField(
                    name: "area", units: "km2", longName: "basin area",
                    values: [1200.5, 8000, .nan])
            ],
            title: "geomap test basins", source: "geomap tests", history: "created by a test",
            references: "https://cfconventions.org", geomapVersion: "0.1.0-test")
    }
}

@Suite("CF-1.8 per-basin writer")
struct BasinSeriesWriterTests {
    @Test("file read back through netCDF-C: DSG structure, ids, geometry, data, attributes")
    func readBack() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("basins.nc").path
        let layout = try SampleBasins.layout(embedding: 4)
        let writer = try BasinSeriesWriter(path: path, layout: layout)
        #expect(FileManager.default.fileExists(atPath: writer.partialPath))
        #expect(!FileManager.default.fileExists(atPath: path))
        // A time chunk of all basins …
        var chunk: [Float] = []
        for s in 0..<3 { for t in 0..<5 { chunk.append(Float(s * 100 + t)) } }
        chunk[1] = .nan
        try writer.write("streamflow", basins: 0..<3, times: 0..<5, values: chunk)
        // … and one basin's whole series.
        try writer.write("pr", basin: 1, values: (0..<10).map { Float($0) / 2 })
        try writer.write(
            "embedding", basins: 2..<3, times: 0..<10,
            values: (0..<40).map(Float.init))
        let wrong = #expect(throws: NetCDFError.self) {
            try writer.write("pr", basins: 0..<1, times: 0..<2, values: [1])
        }
        #expect(wrong?.description.contains("got 1 values") == true)
        try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: writer.partialPath))

        // Read back with plain netCDF-C calls.
        let file = try NetCDFFile(opening: path)
        #expect(try file.formatName() == "netCDF-4 classic model")
        let globals = try file.globalAttributes()
        func global(_ name: String) -> String? { globals.first { $0.name == name }?.value.text }
        #expect(global("Conventions") == "CF-1.8")
        #expect(global("featureType") == "timeSeries")
        #expect(global("geomap_version") == "0.1.0-test")
        #expect(global("references") == "https://cfconventions.org")
        let dims = Dictionary(
            uniqueKeysWithValues: try file.dimensions().map { ($0.name, $0.length) })
        #expect(dims["station"] == 3)
        #expect(dims["time"] == 10)
        #expect(dims["embedding_dim"] == 4)
        // Nodes: 5 (square, closed) + 5 + 5 (holed) + 4 + 4 (two triangles, closed).
        #expect(dims["node"] == 23)
        #expect(dims["part"] == 5)
        let variables = Dictionary(uniqueKeysWithValues: try file.variables().map { ($0.name, $0) })
        let ids = try file.readStrings(try #require(variables["basin_id"]))
        #expect(ids == ["B001", "B002", "B003-long-id"])
        #expect(variables["basin_id"]?.text("cf_role") == "timeseries_id")
        #expect(try file.readStrings(try #require(variables["basin_name"]))[2] == "Two islands")
        let container = try #require(variables["geometry_container"])
        #expect(container.text("geometry_type") == "polygon")
        #expect(container.text("node_coordinates") == "x y")
        #expect(container.text("interior_ring") == "interior_ring")
        #expect(try file.readDoubles(try #require(variables["node_count"])) == [5, 10, 8])
        #expect(
            try file.readDoubles(try #require(variables["part_node_count"])) == [5, 5, 5, 4, 4])
        #expect(try file.readDoubles(try #require(variables["interior_ring"])) == [0, 0, 1, 0, 0])
        let x = try file.readDoubles(try #require(variables["x"]))
        let y = try file.readDoubles(try #require(variables["y"]))
        // Exterior of basin 2 was clockwise; it is written anticlockwise (positive area).
        func signedArea(_ range: Range<Int>) -> Double {
            var sum = 0.0
            for i in range.dropLast() { sum += x[i] * y[i + 1] - x[i + 1] * y[i] }
            return sum / 2
        }
        #expect(signedArea(5..<10) > 0)
        #expect(signedArea(10..<15) < 0)  // the hole runs clockwise
        #expect(abs(signedArea(5..<10) - 1) < 1e-12)
        let flow = try #require(variables["streamflow"])
        #expect(flow.type == .float)
        #expect(flow.dimensions == ["station", "time"])
        #expect(flow.text("coordinates") == "time lat lon basin_id")
        #expect(flow.text("units") == "mm d-1")
        #expect(flow.number("_FillValue") == -9999)
        #expect(try file.chunkSizes(of: flow) == [3, 10])
        let data = try file.readDoubles(flow, start: [0, 0], count: [3, 10])
        #expect(data[0] == 0)
        #expect(data[1] == -9999)  // NaN written as _FillValue
        #expect(data[2] == 2)
        #expect(data[5] == -9999)  // never written
        #expect(data[24] == 204)
        let pr = try file.readDoubles(
            try #require(variables["pr"]), start: [1, 0], count: [1, 10])
        #expect(pr == (0..<10).map { Double($0) / 2 })
        let embedding = try #require(variables["embedding"])
        #expect(embedding.dimensions == ["station", "embedding_dim", "time"])
        #expect(
            try file.readDoubles(embedding, start: [2, 0, 9], count: [1, 4, 1]) == [9, 19, 29, 39])
        #expect(try file.readDoubles(try #require(variables["area"])) == [1200.5, 8000, -9999])
        // The file also reads through geomap's CF reader: decoded time axis.
        let dataset = try CFDataset(file: file)
        #expect(dataset.featureType == "timeSeries")
        #expect(dataset.timeAxis?.date(at: 9).description == "2000-01-10")
    }

    @Test("non-ASCII ids are written as UTF-8 and declared so (_Encoding)")
    func utf8Identifiers() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("utf8.nc").path
        var layout = try SampleBasins.layout()
        layout.basins[0].id = "Čačak-1"
        let writer = try BasinSeriesWriter(path: path, layout: layout)
        try writer.finish()
        let file = try NetCDFFile(opening: path)
        let ids = try #require(try file.variables().first { $0.name == "basin_id" })
        #expect(ids.text("_Encoding") == "utf-8")
        #expect(try file.readStrings(ids).first == "Čačak-1")
    }

    @Test("a writer dropped before finish() leaves no file behind")
    func abandoned() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("abandoned.nc").path
        var partial = ""
        do {
            let writer = try BasinSeriesWriter(path: path, layout: try SampleBasins.layout())
            partial = writer.partialPath
            try writer.write("pr", basin: 0, values: Array(repeating: 1, count: 10))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: partial))
    }

    @Test("bad layouts are refused: a basin without polygons, duplicate ids")
    func badLayouts() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.nc").path
        var layout = try SampleBasins.layout()
        layout.basins[1].polygons = []
        let empty = #expect(throws: NetCDFError.self) {
            _ = try BasinSeriesWriter(path: path, layout: layout)
        }
        #expect(empty?.description == "\(path): basin 'B002' has no polygon to write")
        layout = try SampleBasins.layout()
        layout.basins[2].id = "B001"
        #expect(throws: NetCDFError.self) { _ = try BasinSeriesWriter(path: path, layout: layout) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// Writes the sample per-basin file to `$GEOMAP_CF_SAMPLE_OUT` when set, for `.ci/run`'s
    /// compliance-checker step (the test always writes and checks it in a temporary folder).
    @Test("sample file for the CF compliance check (kept at $GEOMAP_CF_SAMPLE_OUT when set)")
    func complianceSample() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target =
            ProcessInfo.processInfo.environment["GEOMAP_CF_SAMPLE_OUT"]
            ?? dir.appendingPathComponent("cf-sample.nc").path
        let layout = try SampleBasins.layout(days: 30)
        let writer = try BasinSeriesWriter(path: target, layout: layout)
        for name in ["streamflow", "pr"] {
            let values = (0..<(3 * 30)).map { Float($0 % 17) / 4 }
            try writer.write(name, basins: 0..<3, times: 0..<30, values: values)
        }
        try writer.finish()
        let dataset = try CFDataset(path: target)
        #expect(dataset.timeAxis?.count == 30)
        #expect(dataset.variables.contains { $0.name == "geometry_container" })
    }
}
