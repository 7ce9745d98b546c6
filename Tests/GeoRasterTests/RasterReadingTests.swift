import Foundation
import GeoGDAL
import GeoProjection
import GeoRaster
import TestSupport
import Testing

@Suite("Raster reading")
struct RasterReadingTests {
    @Test("scale and offset are applied to valid pixels; nodata stays invalid")
    func scaleOffset() throws {
        let directory = try makeTemporaryDirectory()
        let source = directory.appendingPathComponent("dn.tif").path
        let writer = try COGWriter(
            path: source, grid: RasterFixtures.utmGrid(width: 16, height: 4),
            bands: [BandSpec(description: "SR_B4")], dataType: .uint16,
            options: RasterFixtures.options)
        try writer.write(rows: 0..<4, values: (0..<64).map { Float($0 * 1000) })
        try writer.finish()
        let scaled = directory.appendingPathComponent("scaled.tif").path
        try RasterFixtures.gdal(
            "gdal_translate",
            [
                "-a_scale", "0.0000275", "-a_offset", "-0.2", "-a_nodata", "0",
                source, scaled,
            ])
        let raster = try Raster(opening: scaled)
        #expect(raster.bands[0].scale == 0.0000275 && raster.bands[0].offset == -0.2)
        let block = try raster.read(window: raster.grid.fullWindow)
        #expect(block.valid[0] == false)
        for index in 1..<64 {
            let expected = Float(index * 1000) * Float(0.0000275) + Float(-0.2)
            #expect(abs(block.values[index] - expected) < 1e-6)
            #expect(block.valid[index])
        }
    }

    @Test("the GDAL mask band marks pixels invalid")
    func maskBand() throws {
        let directory = try makeTemporaryDirectory()
        let source = directory.appendingPathComponent("values.tif").path
        let writer = try COGWriter(
            path: source, grid: RasterFixtures.utmGrid(width: 10, height: 10),
            bands: [BandSpec(description: "v"), BandSpec(description: "m")], dataType: .byte,
            options: RasterFixtures.options)
        let data: [Float] = (0..<100).map { (index: Int) -> Float in Float(index + 1) }
        let mask: [Float] = (0..<100).map { (index: Int) -> Float in index % 3 == 0 ? 0 : 255 }
        let values = data + mask
        try writer.write(rows: 0..<10, values: values)
        try writer.finish()
        let masked = directory.appendingPathComponent("masked.tif").path
        try RasterFixtures.gdal("gdal_translate", ["-b", "1", "-mask", "2", source, masked])
        let raster = try Raster(opening: masked)
        #expect(raster.bands.count == 1 && raster.bands[0].hasMaskBand)
        let block = try raster.read(window: raster.grid.fullWindow)
        for index in 0..<100 {
            #expect(block.valid[index] == (index % 3 != 0))
            #expect(block.values[index] == Float(index + 1))
        }
    }

    @Test("block windows follow the file's tiles, and strips are grouped into full rows")
    func blockWindows() throws {
        let directory = try makeTemporaryDirectory()
        let tiled = directory.appendingPathComponent("tiled.tif").path
        try RasterFixtures.writeContinuous(to: tiled, width: 1300, height: 1100, bands: 1)
        let raster = try Raster(opening: tiled)
        let windows = raster.blockWindows()
        #expect(windows.count == 9)
        #expect(windows.allSatisfy { $0.x % 512 == 0 && $0.y % 512 == 0 })
        var sum = 0.0
        for window in windows {
            let block = try raster.read(window: window)
            sum += Double(block.validCount)
        }
        var holes = 0
        for row in 0..<1100 {
            for column in 0..<1300 where RasterFixtures.isHole(row: row, column: column) {
                holes += 1
            }
        }
        #expect(Int(sum) == 1300 * 1100 - holes)
        let striped = directory.appendingPathComponent("striped.tif").path
        try RasterFixtures.gdal("gdal_translate", ["-co", "TILED=NO", tiled, striped])
        let strips = try Raster(opening: striped).blockWindows(targetPixels: 1300 * 100)
        #expect(strips.allSatisfy { $0.width == 1300 && $0.x == 0 })
        #expect(strips.map(\.height).reduce(0, +) == 1100)
        #expect(strips.count < 1100 / 50)
    }

    @Test("the block cache size is settable")
    func cacheSize() {
        GDALRuntime.configure(cacheMiB: 48)
        #expect(GDALRuntime.cacheBytes == 48 * 1024 * 1024)
        GDALRuntime.configure(cacheMiB: 64)
    }

    @Test("one row of blocks: tiles across the width × every band, strips of the file")
    func blockRowBytes() throws {
        let directory = try makeTemporaryDirectory()
        let tiled = directory.appendingPathComponent("tiled.tif").path
        try RasterFixtures.writeContinuous(to: tiled, width: 1300, height: 1100, bands: 3)
        // 3 tiles of 512 × 512 across, 3 Float32 bands.
        #expect(try Raster(opening: tiled).blockRowBytes == 3 * 512 * 512 * 4 * 3)
        let striped = directory.appendingPathComponent("striped.tif").path
        try RasterFixtures.gdal(
            "gdal_translate",
            [
                "-co", "TILED=NO", "-co", "BLOCKYSIZE=8", "-ot", "UInt16", tiled,
                striped,
            ])
        #expect(try Raster(opening: striped).blockRowBytes == 1300 * 8 * 2 * 3)
    }

    @Test("a window outside the raster and a missing band are clear errors")
    func badWindows() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("small.tif").path
        try RasterFixtures.writeContinuous(to: path, width: 20, height: 10, bands: 1)
        let raster = try Raster(opening: path)
        let window = PixelWindow(x: 15, y: 0, width: 10, height: 5)
        #expect(
            throws: RasterError.windowOutside(path: path, window: window, width: 20, height: 10)
        ) {
            _ = try raster.read(window: window)
        }
        let error = RasterError.windowOutside(path: path, window: window, width: 20, height: 10)
        #expect(error.description.hasPrefix(path) && error.description.contains("outside"))
        #expect(throws: RasterError.bandOutOfRange(path: path, band: 2, bandCount: 1)) {
            _ = try raster.read(window: PixelWindow(x: 0, y: 0, width: 1, height: 1), bands: [2])
        }
    }

    @Test("a raster without a CRS opens, but operations needing one fail naming the file")
    func missingCRS() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("nocrs.tif").path
        try RasterFixtures.gdal("gdal_create", ["-outsize", "8", "8", "-bands", "1", path])
        let raster = try Raster(opening: path)
        #expect(raster.grid.crs == nil)
        #expect(throws: RasterError.missingCRS(path: path, operation: "reprojection")) {
            _ = try raster.requireCRS(for: "reprojection")
        }
        #expect(throws: RasterError.missingCRS(path: path, operation: "warping")) {
            _ = try raster.warped(
                to: RasterFixtures.utmGrid(width: 4, height: 4), resampling: .nearest)
        }
    }

    @Test("truncated, empty and text files fail to open with GDAL's reason and the path")
    func badFiles() throws {
        let directory = try makeTemporaryDirectory()
        let good = directory.appendingPathComponent("good.tif").path
        try RasterFixtures.writeContinuous(to: good, width: 600, height: 600, bands: 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = directory.appendingPathComponent("truncated.tif")
        try data.prefix(300).write(to: truncated)
        let empty = directory.appendingPathComponent("empty.tif")
        try Data().write(to: empty)
        let text = directory.appendingPathComponent("notes.txt")
        try Data("hello\n".utf8).write(to: text)
        for url in [truncated, empty, text] {
            #expect {
                _ = try Raster(opening: url.path)
            } throws: { error in
                String(describing: error).contains(url.path)
            }
        }
    }
}
