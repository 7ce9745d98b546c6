import Foundation
import GeoGDAL
import GeoProjection
import GeoRaster
import TestSupport
import Testing

@Suite("COG writer")
struct COGWriterTests {
    @Test("streamed Float32 rows round-trip: values, masks, geotransform, CRS, descriptions")
    func continuousRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("continuous.tif").path
        let output = try RasterFixtures.writeContinuous(to: path, width: 1300, height: 1100)
        #expect(output.stylePath == nil)
        let raster = try Raster(opening: path)
        #expect(raster.grid.width == 1300 && raster.grid.height == 1100)
        let expected = try RasterFixtures.utmGrid(width: 1, height: 1).geoTransform
        #expect(raster.grid.geoTransform == expected)
        #expect(try raster.requireCRS(for: "test").isSame(as: CRS("EPSG:32634")))
        #expect(raster.bands.map(\.description) == ["band_1", "band_2", "band_3"])
        #expect(raster.bands.allSatisfy { $0.noData == -9999 && $0.dataType == .float32 })
        let window = PixelWindow(x: 500, y: 400, width: 300, height: 200)
        let block = try raster.read(window: window, bands: [3, 1])
        for (slot, band) in [(0, 2), (1, 0)] {
            for row in 0..<window.height {
                for column in 0..<window.width {
                    let (r, c) = (row + window.y, column + window.x)
                    let got = block.value(slot: slot, row: row, column: column)
                    if RasterFixtures.isHole(row: r, column: c) {
                        #expect(got == nil)
                    } else {
                        #expect(got == RasterFixtures.value(band: band, row: r, column: c))
                    }
                }
            }
        }
        #expect(block.validCount < block.values.count && block.validCount > 0)
    }

    @Test("COG structure: 512 tiles, overviews, IFDs before tile data, LAYOUT=COG, predictor")
    func cogStructure() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("structure.tif").path
        try RasterFixtures.writeContinuous(to: path, width: 1300, height: 1100, bands: 1)
        let raster = try Raster(opening: path)
        #expect(raster.bands[0].blockWidth == 512 && raster.bands[0].blockHeight == 512)
        #expect(try raster.overviewCount(band: 1) >= 1)
        let structure = raster.metadata(domain: "IMAGE_STRUCTURE")
        #expect(structure["LAYOUT"] == "COG")
        #expect(structure["COMPRESSION"] == "DEFLATE")
        #expect(structure["PREDICTOR"] == "3")
        #expect(raster.metadata()["TIFFTAG_SOFTWARE"] == "geomap test")
        #expect(raster.metadata()["GEOMAP_MODEL"] == "unit-test-model")
        #expect(raster.metadata()["GEOMAP_CREATED"] != nil)
        #expect(raster.metadata()["TIFFTAG_DATETIME"] == nil, "the write time is no date tag")
        #expect(raster.recordedDate == nil, "a written file records no acquisition date")
        let layout = try TIFFLayout(path: path)
        #expect(layout.ifdOffsets.count == 1 + (try raster.overviewCount(band: 1)))
        // GDAL's COG layout: all IFDs first, in order, then tile data, overviews' tiles
        // (smallest first) before the full-resolution tiles.
        #expect(layout.ifdOffsets == layout.ifdOffsets.sorted())
        let firstTile = layout.tileOffsets.flatMap { $0 }.filter { $0 > 0 }.min()!
        #expect(layout.ifdOffsets.allSatisfy { $0 < firstTile })
        #expect(layout.tileWidths.allSatisfy { $0 == 512 })
        let fullStart = layout.tileOffsets[0].filter { $0 > 0 }.min()!
        let overviewEnd = layout.tileOffsets.dropFirst().flatMap { $0 }.max()!
        #expect(overviewEnd < fullStart)
    }

    @Test("integer COG with ZSTD uses the horizontal predictor")
    func zstdInteger() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("zstd.tif").path
        var options = RasterFixtures.options
        options.compression = .zstd
        let writer = try COGWriter(
            path: path, grid: RasterFixtures.utmGrid(width: 64, height: 32),
            bands: [BandSpec(description: "dn")], dataType: .uint16, options: options)
        try writer.write(rows: 0..<32, values: (0..<(64 * 32)).map { Float($0) })
        try writer.finish()
        let raster = try Raster(opening: path)
        let structure = raster.metadata(domain: "IMAGE_STRUCTURE")
        #expect(structure["COMPRESSION"] == "ZSTD" && structure["PREDICTOR"] == "2")
        let block = try raster.read(window: raster.grid.fullWindow)
        #expect(block.values == (0..<(64 * 32)).map { Float($0) })
        #expect(raster.bands[0].dataType == .uint16)
    }

    @Test("class COG: colour table, class names, RAT in .aux.xml, nodata, paletted .qml")
    func classRaster() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("classes.tif").path
        let output = try RasterFixtures.writeClasses(to: path, width: 700, height: 600)
        let raster = try Raster(opening: path)
        let band = raster.bands[0]
        #expect(band.noData == 0 && band.description == "land_cover")
        #expect(band.colorInterpretation == "Palette")
        #expect(band.categoryNames == ["", "Water", "Forest", "Crops & grass"])
        let colors = try raster.colorTable(band: 1)
        #expect(colors[1] == RGBA(65, 155, 223) && colors[3] == RGBA(228, 150, 53))
        let table = try #require(try raster.attributeTable(band: 1))
        #expect(table.column("Value") == ["1", "2", "3"])
        #expect(table.column("Class_Name") == ["Water", "Forest", "Crops & grass"])
        #expect(table.column("Red") == ["65", "57", "228"])
        let aux = try String(contentsOfFile: try #require(output.auxPath), encoding: .utf8)
        #expect(aux.contains("Class_Name") && aux.contains("Crops &amp; grass"))
        let style = try String(contentsOfFile: try #require(output.stylePath), encoding: .utf8)
        #expect(output.stylePath == directory.appendingPathComponent("classes.qml").path)
        #expect(style.contains("type=\"paletted\""))
        #expect(style.contains("value=\"1\" color=\"#419bdf\" alpha=\"255\" label=\"Water\""))
        // NEAREST overviews keep class labels (no averaged in-between values).
        let overview = try raster.readOverview(band: 1, level: 0)
        #expect(Set(overview.values).isSubset(of: [0, 1, 2, 3]))
        let block = try raster.read(window: PixelWindow(x: 0, y: 0, width: 64, height: 64))
        #expect(block.value(slot: 0, row: 0, column: 0) == nil)  // class 0 = nodata
        #expect(block.value(slot: 0, row: 16, column: 0) == 1)
    }

    @Test("probability COG gets a 0–1 pseudocolour .qml and AVERAGE overviews")
    func probabilityRaster() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("probability.tif").path
        let writer = try COGWriter(
            path: path, grid: RasterFixtures.utmGrid(width: 600, height: 600),
            bands: [BandSpec(description: "p_water", kind: .probability(maximum: 1), noData: -1)],
            dataType: .float32, options: RasterFixtures.options)
        let values: [Float] = (0..<(600 * 600)).map { (index: Int) -> Float in
            Float((index / 600 + index % 600) % 2)
        }
        try writer.write(rows: 0..<600, values: values)
        let output = try writer.finish()
        let style = try String(contentsOfFile: try #require(output.stylePath), encoding: .utf8)
        #expect(style.contains("singlebandpseudocolor") && style.contains("maximumValue=\"1.0\""))
        let overview = try Raster(opening: path).readOverview(band: 1, level: 0)
        #expect(overview.values.contains { $0 > 0.3 && $0 < 0.7 })  // averaged checkerboard
    }

    @Test("band scale/offset are stored: a 0–254 byte probability reads back as 0–1")
    func scaledBand() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("scaled.tif").path
        let spec = BandSpec(
            description: "p_forest", kind: .probability(maximum: 1), noData: 255,
            scale: 1.0 / 254, offset: 0)
        let writer = try COGWriter(
            path: path, grid: RasterFixtures.utmGrid(width: 300, height: 200), bands: [spec],
            dataType: .byte, options: RasterFixtures.options)
        let values: [Float] = (0..<(300 * 200)).map { $0 % 300 == 0 ? .nan : Float($0 % 255) }
        try writer.write(rows: 0..<200, values: values)
        try writer.finish()
        let raster = try Raster(opening: path)
        #expect(abs(raster.bands[0].scale - 1.0 / 254) < 1e-12)
        #expect(raster.bands[0].offset == 0 && raster.bands[0].noData == 255)
        let block = try raster.read(window: PixelWindow(x: 0, y: 0, width: 300, height: 1))
        #expect(block.value(slot: 0, row: 0, column: 0) == nil)
        #expect(abs((block.value(slot: 0, row: 0, column: 254) ?? 0) - 1) < 1e-6)
        #expect(abs((block.value(slot: 0, row: 0, column: 127) ?? 0) - 0.5) < 1e-6)
    }

    @Test("unfinished or incomplete writers leave no file under the final name, no temporaries")
    func noPartialOutput() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("partial.tif").path
        do {
            let writer = try COGWriter(
                path: path, grid: RasterFixtures.utmGrid(width: 64, height: 64),
                bands: [BandSpec(description: "x")], dataType: .float32,
                options: RasterFixtures.options)
            try writer.write(rows: 0..<32, values: [Float](repeating: 1, count: 64 * 32))
            #expect(throws: RasterError.incomplete(path: path, rowsWritten: 32, height: 64)) {
                try writer.finish()
            }
            #expect(throws: RasterError.rowOrder(path: path, expected: 32, got: 40..<48)) {
                try writer.write(rows: 40..<48, values: [Float](repeating: 1, count: 64 * 8))
            }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test("bad writer specifications are refused with clear errors")
    func badSpecifications() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("bad.tif").path
        var grid = try RasterFixtures.utmGrid(width: 8, height: 8)
        grid.crs = nil
        #expect(throws: RasterError.missingCRS(path: path, operation: "writing a COG")) {
            _ = try COGWriter(
                path: path, grid: grid, bands: [BandSpec(description: "x")],
                dataType: .float32, options: RasterFixtures.options)
        }
        let classes = BandSpec(description: "c", kind: .classes(RasterFixtures.classes))
        #expect(throws: RasterError.self) {
            _ = try COGWriter(
                path: path, grid: try RasterFixtures.utmGrid(width: 8, height: 8),
                bands: [classes], dataType: .float32, options: RasterFixtures.options)
        }
        let writer = try COGWriter(
            path: path, grid: try RasterFixtures.utmGrid(width: 8, height: 8),
            bands: [BandSpec(description: "x")], dataType: .float32,
            options: RasterFixtures.options)
        #expect(throws: RasterError.bufferSize(path: path, expected: 16, actual: 3)) {
            try writer.write(rows: 0..<2, values: [1, 2, 3])
        }
    }
}
