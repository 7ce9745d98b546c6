import Foundation
import GeoProjection
import GeoRaster
import TestSupport
import Testing

@testable import GeomapCore
@testable import TilePipeline

/// The fill rule of ``TileRowBuffer``: a pixel is fill (and invalid) only when every band holds
/// the fill value as read; NaN, ±Inf and a fill value in some bands only are not fill.
@Suite("Tile row buffer fill rule")
struct TileRowBufferFillTests {
    /// A 3-band Float32 raster of `width × 2` rows: every pixel 7 except the ones `pixels` sets
    /// (per pixel index, per band).
    static func raster(width: Int, pixels: [Int: [Float]], in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("fill.tif").path
        let height = 2
        let grid = RasterGrid(
            width: width, height: height,
            geoTransform: GeoTransform(
                originX: 455_000, originY: 4_968_000, pixelWidth: 30, pixelHeight: 30),
            crs: try CRS("EPSG:32634"))
        let writer = try COGWriter(
            path: path, grid: grid,
            bands: (1...3).map { BandSpec(description: "b\($0)") }, dataType: .float32,
            options: COGOptions(producer: "geomap tests"))
        var values = [Float](repeating: 7, count: 3 * width * height)
        for (pixel, bands) in pixels {
            for (band, value) in bands.enumerated() {
                values[band * width * height + pixel] = value
            }
        }
        try writer.write(rows: 0..<height, values: values)
        try writer.finish()
        return path
    }

    @Test("fill in every band is invalid and fill; in some bands, or NaN, it is not fill")
    func fillRule() throws {
        let directory = try makeTemporaryDirectory("row-buffer-fill")
        defer { try? FileManager.default.removeItem(at: directory) }
        let width = 4
        // Row 0: pixel 0 all fill, 1 fill in two bands, 2 NaN in every band, 3 untouched.
        // Row 1 (pixels 4…7): all fill.
        var pixels: [Int: [Float]] = [0: [0, 0, 0], 1: [0, 0, 5], 2: [.nan, .nan, .nan]]
        for pixel in 4..<8 { pixels[pixel] = [0, 0, 0] }
        let raster = try Raster(
            opening: try Self.raster(width: width, pixels: pixels, in: directory))
        var buffer = TileRowBuffer(width: width, bands: 3, fill: 0)
        var invalid: [[Bool]] = []
        try buffer.advance(
            to: 0..<2, raster: raster, bandNumbers: [1, 2, 3], scales: [nil, nil, nil]
        ) { invalid.append(Array($0)) }
        #expect(invalid[0] == [true, false, true, false])
        #expect(invalid[1] == [true, true, true, true])
        #expect(buffer.fillFlags[0] == [true, false, false, false])
        #expect(buffer.fillFlags[1] == [true, true, true, true])
        // A 1-pixel tile on each pixel of row 0, then on row 1.
        #expect(
            (0..<width).map { buffer.isAllFill(x: $0, y: 0, tile: 1) } == [
                true, false, false, false,
            ])
        #expect((0..<width).allSatisfy { buffer.isAllFill(x: $0, y: 1, tile: 1) })
        #expect(!buffer.isAllFill(x: 0, y: 0, tile: 2))

        var none = TileRowBuffer(width: width, bands: 3)
        var flagged: [[Bool]] = []
        try none.advance(
            to: 0..<2, raster: raster, bandNumbers: [1, 2, 3], scales: [nil, nil, nil]
        ) { flagged.append(Array($0)) }
        #expect(flagged[0] == [false, false, true, false])
        #expect(flagged[1] == [false, false, false, false])
        #expect(!none.isAllFill(x: 0, y: 1, tile: 1))
    }
}
