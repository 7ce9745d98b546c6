import GeoProjection
import GeoRaster
import Testing

@Suite("Raster grids and windows")
struct GridTests {
    @Test("pixel ↔ world conversions round-trip and pixel centres sit half a pixel in")
    func pixelWorld() throws {
        let grid = try RasterFixtures.utmGrid(width: 100, height: 50)
        let corner = grid.world(column: 0, row: 0)
        #expect(corner.x == 456000 && corner.y == 4_960_000)
        let centre = grid.pixelCentre(column: 2, row: 3)
        #expect(centre.x == 456075 && centre.y == 4_960_000 - 105)
        let back = try #require(grid.pixel(x: centre.x, y: centre.y))
        #expect(back.column == 2.5 && back.row == 3.5)
        #expect(grid.bounds == Bounds(minX: 456000, minY: 4_958_500, maxX: 459000, maxY: 4_960_000))
    }

    @Test("a grid from bounds and resolution covers the bounds")
    func gridFromBounds() {
        let grid = RasterGrid(
            bounds: Bounds(minX: 0, minY: 0, maxX: 100, maxY: 45), resolution: 10, crs: nil)
        #expect(grid.width == 10 && grid.height == 5)
        #expect(grid.geoTransform.coefficients == [0, 10, 0, 45, 0, -10])  // anchored top-left
    }

    @Test("subgrids shift the origin and keep the pixel size")
    func subgrid() throws {
        let grid = try RasterFixtures.utmGrid(width: 100, height: 50)
        let sub = grid.subgrid(PixelWindow(x: 10, y: 5, width: 20, height: 10))
        #expect(sub.world(column: 0, row: 0) == (456300, 4_959_850))
        #expect(sub.width == 20 && sub.geoTransform.pixelWidth == 30)
    }

    @Test("windows tile a raster exactly, clipped at the edges")
    func windows() {
        let windows = rasterWindows(width: 1300, height: 1100, block: 512)
        #expect(windows.count == 9)
        #expect(windows.map(\.count).reduce(0, +) == 1300 * 1100)
        #expect(windows.last == PixelWindow(x: 1024, y: 1024, width: 276, height: 76))
    }

    @Test("lon/lat bounds need a CRS")
    func lonLatBoundsNeedCRS() {
        let grid = RasterGrid(
            width: 2, height: 2, geoTransform: GeoTransform([0, 1, 0, 0, 0, -1]), crs: nil)
        #expect(
            throws: RasterError.missingCRS(path: "x.tif", operation: "longitude/latitude bounds")
        ) {
            _ = try grid.lonLatBounds(path: "x.tif")
        }
    }
}

func rasterWindows(width: Int, height: Int, block: Int) -> [PixelWindow] {
    Raster.windows(width: width, height: height, blockWidth: block, blockHeight: block)
}
