import Foundation
import GeoProjection
import GeoRaster
import TestSupport
import Testing

@Suite("Real BigEarthNet-Landsat tiles")
struct RealTileTests {
    static func tiles() throws -> [URL] {
        guard let directory = TestPaths.bigEarthNetImages else { return [] }
        return try FileManager.default.contentsOfDirectory(
            at: directory, includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "tif" }.sorted { $0.path < $1.path }
    }

    @Test(
        "real tiles: 7 UInt16 bands, UTM WGS 84, round trip through the COG writer unchanged",
        .enabled(if: TestPaths.bigEarthNetImages != nil, "\(TestPaths.sharedAbsentMessage)"))
    func roundTrip() throws {
        let directory = try makeTemporaryDirectory()
        for tile in try Self.tiles().prefix(5) {
            let raster = try Raster(opening: tile.path)
            #expect(raster.bands.count == 7)
            #expect(raster.bands.allSatisfy { $0.dataType == .uint16 })
            let crs = try raster.requireCRS(for: "test")
            let code = try #require(crs.epsgCode)
            #expect((32601...32660).contains(code))
            let lonLat = try raster.grid.lonLatBounds()
            #expect(lonLat.minX < lonLat.maxX && lonLat.minY > 0 && lonLat.maxY < 84)
            let block = try raster.read(window: raster.grid.fullWindow)
            let output = directory.appendingPathComponent(tile.lastPathComponent).path
            let writer = try COGWriter(
                path: output, grid: raster.grid,
                bands: raster.bands.map { BandSpec(description: "b\($0.index)") },
                dataType: .uint16, options: RasterFixtures.options)
            try writer.write(rows: 0..<raster.grid.height, values: block.values)
            try writer.finish()
            let copy = try Raster(opening: output)
            #expect(copy.grid.geoTransform == raster.grid.geoTransform)
            #expect(try copy.requireCRS(for: "test").isSame(as: crs))
            #expect(try copy.read(window: copy.grid.fullWindow).values == block.values)
        }
    }
}
