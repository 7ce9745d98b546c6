import Foundation
import GeoProjection
import GeoRaster
import GeomapCore
import Models
import TestSupport
import Testing

@Suite("Sample embedder errors and recorded dates")
struct ProbeSampleEmbedderTests {
    /// Writes a `bands`-band Float32 tile of `size`×`size` px on a UTM grid.
    func tile(
        _ folder: URL, _ name: String, bands: Int = 7, size: Int = 40,
        metadata: [String: String] = [:]
    ) throws -> ProbeSample {
        let path = folder.appendingPathComponent(name).path
        let grid = RasterGrid(
            width: size, height: size,
            geoTransform: GeoTransform(
                originX: 513_165, originY: 7_020_855, pixelWidth: 30, pixelHeight: 30),
            crs: try CRS("EPSG:32634"))
        let writer = try COGWriter(
            path: path, grid: grid,
            bands: (0..<bands).map { BandSpec(description: "b\($0 + 1)") },
            dataType: .float32,
            options: COGOptions(producer: "geomap test", metadata: metadata, writeStyle: false))
        let values = (0..<(bands * size * size)).map { Float(7000 + $0 % 997) }
        try writer.write(rows: 0..<size, values: values)
        _ = try writer.finish()
        return ProbeSample(image: URL(fileURLWithPath: path), classes: [0], line: 2)
    }

    /// A 7-band 40×40 ENVI raster (raw Float32 + .hdr) with no CRS and no geotransform.
    func plainTile(_ folder: URL) throws -> ProbeSample {
        let raw = folder.appendingPathComponent("plain.bin")
        let values = (0..<(7 * 40 * 40)).map { Float(7000 + $0 % 997) }
        try values.withUnsafeBytes { try Data($0).write(to: raw) }
        let header = """
            ENVI
            samples = 40
            lines = 40
            bands = 7
            header offset = 0
            file type = ENVI Standard
            data type = 4
            interleave = bsq
            byte order = 0

            """
        try Data(header.utf8).write(to: folder.appendingPathComponent("plain.hdr"))
        return ProbeSample(image: raw, classes: [0], line: 2)
    }

    func embedder(_ folder: URL, metadata: Bool = true) throws -> SampleEmbedder {
        let base = folder.appendingPathComponent("xxs.safetensors")
        try ArchitectureRegistry.importModel(
            checkpoint: TestPaths.fixtures.appendingPathComponent("moe-mae/xxs.upstream.pth"),
            architecture: "moe-mae-xxs", options: ImportOptions(), output: base)
        return SampleEmbedder(
            model: try MoEMAEModel(contentsOf: base), pooling: .cls, useMetadata: metadata)
    }

    @Test("a recorded ISO 8601 acquisition date gives metadata tokens; cls pooling is 108 wide")
    func recordedDate() throws {
        let folder = try makeTemporaryDirectory("probe-embed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try tile(
            folder, "a.tif", metadata: ["ACQUISITIONDATE": "2017-06-13T10:10:32Z"])
        let with = try embedder(folder).embed([sample])
        let without = try embedder(folder, metadata: false).embed([sample])
        #expect(with.rows == 1 && with.columns == 108)
        #expect(with.values != without.values)
    }

    @Test(
        "bad tiles: wrong band count, too small, no CRS, unreadable date — one line each",
        arguments: ["bands", "small", "crs", "date"])
    func errors(kind: String) throws {
        let folder = try makeTemporaryDirectory("probe-embed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let date = ["ACQUISITIONDATE": "2017-06-13T10:10:32Z"]
        let (sample, message): (ProbeSample, String) =
            switch kind {
            case "bands": (try tile(folder, "t.tif", bands: 4, metadata: date), "has 4 bands")
            case "small": (try tile(folder, "t.tif", size: 30, metadata: date), "is 30×30 px")
            case "crs": (try plainTile(folder), "has no CRS")
            default:
                (
                    try tile(folder, "t.tif", metadata: ["ACQUISITIONDATE": "midsummer"]),
                    "unreadable acquisition date 'midsummer'"
                )
            }
        #expect {
            try embedder(folder).embed([sample])
        } throws: { error in
            let text = String(describing: error)
            return text.contains(sample.image.path) && text.contains(message)
                && text.contains("sample list line 2") && !text.contains("\n")
        }
    }
}
