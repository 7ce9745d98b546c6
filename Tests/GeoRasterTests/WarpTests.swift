import Foundation
import GeoProjection
import GeoRaster
import TestSupport
import Testing

@Suite("Warping through GDAL")
struct WarpTests {
    /// 8×8 Float32 raster, value = row · 8 + column, 30 m UTM pixels.
    func source(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("source.tif").path
        let writer = try COGWriter(
            path: path, grid: RasterFixtures.utmGrid(width: 8, height: 8),
            bands: [BandSpec(description: "v")], dataType: .float32,
            options: RasterFixtures.options)
        try writer.write(rows: 0..<8, values: (0..<64).map { Float($0) })
        try writer.finish()
        return path
    }

    func coarseGrid() throws -> RasterGrid {
        RasterGrid(
            width: 4, height: 4,
            geoTransform: GeoTransform(
                originX: 456000, originY: 4_960_000, pixelWidth: 60, pixelHeight: 60),
            crs: try CRS("EPSG:32634"))
    }

    @Test("average resampling to a 2× coarser grid gives each 2×2 block's mean")
    func average() throws {
        let raster = try Raster(opening: source(in: makeTemporaryDirectory()))
        let warped = try raster.warped(to: coarseGrid(), resampling: .average)
        let block = try warped.read(window: warped.grid.fullWindow)
        for row in 0..<4 {
            for column in 0..<4 {
                let expected = Float(2 * row * 8 + 2 * column) + 4.5
                #expect(block.values[row * 4 + column] == expected)
            }
        }
        #expect(warped.grid.geoTransform == (try coarseGrid()).geoTransform)
    }

    @Test("nearest, bilinear and mode produce values from the right neighbourhood")
    func otherMethods() throws {
        let raster = try Raster(opening: source(in: makeTemporaryDirectory()))
        for method in [Resampling.nearest, .mode, .bilinear] {
            let block = try raster.warped(to: coarseGrid(), resampling: method).read(
                window: PixelWindow(x: 0, y: 0, width: 4, height: 4))
            for row in 0..<4 {
                for column in 0..<4 {
                    let low = Float(2 * row * 8 + 2 * column)
                    let value = block.values[row * 4 + column]
                    #expect(value >= low && value <= low + 9, "\(method) \(value)")
                }
            }
        }
    }

    @Test("reprojection to EPSG:4326 through a warped VRT lands on the lon/lat bounds")
    func reprojectVRT() throws {
        let directory = try makeTemporaryDirectory()
        let raster = try Raster(opening: source(in: directory))
        let vrt = directory.appendingPathComponent("warped.vrt").path
        let warped = try raster.warpedVRT(
            at: vrt, crs: CRS("EPSG:4326"), resolution: nil, resampling: .bilinear)
        #expect(warped.grid.crs?.epsgCode == 4326)
        let expected = try raster.grid.lonLatBounds()
        let got = warped.grid.bounds
        #expect(abs(got.minX - expected.minX) < 1e-3 && abs(got.maxY - expected.maxY) < 1e-3)
        let block = try warped.read(window: warped.grid.fullWindow)
        #expect(block.validCount > 0)
    }

    @Test("a non-positive resolution is refused")
    func badResolution() throws {
        let directory = try makeTemporaryDirectory()
        let raster = try Raster(opening: source(in: directory))
        #expect(throws: RasterError.self) {
            _ = try raster.warpedVRT(
                at: directory.appendingPathComponent("x.vrt").path, crs: nil, resolution: -3,
                resampling: .nearest)
        }
    }

    /// Resolutions the 8 × 8 source of 30 m pixels (240 m a side) cannot be warped to, and
    /// the reasons given.
    static let outOfReach: [(Double, String)] = [
        (
            1e300,
            "a resolution of 1e+300 (EPSG:32634 units) is coarser than the raster's extent, "
                + "240 × 240: the output would have no pixel"
        ),
        (
            481,
            "a resolution of 481.0 (EPSG:32634 units) is coarser than the raster's extent, "
                + "240 × 240: the output would have no pixel"
        ),
        (
            1e-300,
            "a resolution of 1e-300 (EPSG:32634 units) over the raster's extent, 240 × 240, "
                + "gives 2.4e+302 × 2.4e+302 px, more than GDAL's 2147483647 a side"
        ),
    ]

    @Test(
        "a resolution giving no pixel, or more than GDAL can address, is refused by its size",
        arguments: outOfReach)
    func resolutionOutOfReach(resolution: Double, reason: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try source(in: directory)
        let raster = try Raster(opening: path)
        let vrt = directory.appendingPathComponent("x.vrt").path
        let error = #expect(throws: RasterError.self) {
            _ = try raster.warpedVRT(
                at: vrt, crs: nil, resolution: resolution, resampling: .nearest)
        }
        #expect(error.map { "\($0)" } == path + ": " + reason)
        #expect(!FileManager.default.fileExists(atPath: vrt))
        // A resolution just fine enough for one pixel still warps.
        let one = try raster.warpedVRT(
            at: vrt, crs: nil, resolution: 200, resampling: .average)
        #expect(one.grid.width == 1 && one.grid.height == 1)
    }
}
