import Foundation
import GeoRaster
import TestSupport
import Testing

@Suite("VRT mosaics")
struct VRTMosaicTests {
    /// A 4×4 Float32 raster in `directory`, and a style file beside it.
    func source(in directory: URL) throws -> (raster: String, style: String) {
        let path = directory.appendingPathComponent("a.tif").path
        let writer = try COGWriter(
            path: path, grid: RasterFixtures.utmGrid(width: 4, height: 4),
            bands: [BandSpec(description: "v")], dataType: .float32,
            options: RasterFixtures.options)
        try writer.write(rows: 0..<4, values: (0..<16).map { Float($0) })
        try writer.finish()
        let style = directory.appendingPathComponent("a.qml").path
        try Data("<qgis/>".utf8).write(to: URL(fileURLWithPath: style))
        return (path, style)
    }

    /// Hidden names left in `directory` (temporaries).
    func hidden(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix(".") }
    }

    @Test("a mosaic and its style are written whole, with no temporary left")
    func written() throws {
        let directory = try makeTemporaryDirectory("vrt-mosaic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (raster, style) = try source(in: directory)
        let vrt = directory.appendingPathComponent("m.vrt").path
        try VRTMosaic.build(sources: [raster], to: vrt, style: style)
        #expect(try Raster(opening: vrt).grid.width == 4)
        #expect(
            try String(
                contentsOfFile: directory.appendingPathComponent("m.qml").path, encoding: .utf8)
                == "<qgis/>")
        #expect(try hidden(directory).isEmpty)
    }

    @Test("a style that cannot be renamed into place is an error naming it; no temporary left")
    func styleRenameFails() throws {
        let directory = try makeTemporaryDirectory("vrt-mosaic-style")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (raster, style) = try source(in: directory)
        // A folder where the style goes: rename(2) of a file onto it fails (EISDIR).
        let blocked = directory.appendingPathComponent("m.qml")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        let error = #expect(throws: RasterError.self) {
            try VRTMosaic.build(
                sources: [raster], to: directory.appendingPathComponent("m.vrt").path,
                style: style)
        }
        #expect(
            error.map { "\($0)" }?.hasPrefix(blocked.path + ": cannot rename the style into place")
                == true, "\(String(describing: error))")
        #expect(try hidden(directory).isEmpty)
    }
}
