import Foundation
import GeomapCore
import Testing

@Suite("Tile planning")
struct TilePlanTests {
    @Test("stride = tile: regular offsets, last tile anchored flush to the edge")
    func anchoredLastTile() throws {
        let axis = try TileAxisPlan(length: 300, tile: 40, stride: 40)
        #expect(axis.offsets == [0, 40, 80, 120, 160, 200, 240, 260])
        #expect(axis.cellCount == 8)
        #expect(axis.pixels(ofCell: 7) == 280..<300)  // partial last cell
        #expect(axis.centre(ofCell: 7) == 290)
        let exact = try TileAxisPlan(length: 400, tile: 40, stride: 40)
        #expect(exact.offsets == Array(stride(from: 0, through: 360, by: 40)))
        #expect(exact.cellCount == 10)
    }

    @Test("every pixel lies in a tile and every tile lies inside the raster")
    func fullCoverage() throws {
        for length in [40, 41, 79, 80, 123, 300, 401] {
            for stride in [1, 7, 13, 20, 39, 40] {
                let axis = try TileAxisPlan(length: length, tile: 40, stride: stride)
                var covered = [Bool](repeating: false, count: length)
                for offset in axis.offsets {
                    #expect(offset >= 0 && offset + 40 <= length)
                    for p in offset..<offset + 40 { covered[p] = true }
                }
                #expect(covered.allSatisfy { $0 }, "length \(length) stride \(stride)")
                #expect(axis.offsets == axis.offsets.sorted())
                // Every output cell's centre lies in at least one tile.
                for cell in 0..<axis.cellCount {
                    let hits = axis.offsets.indices.filter { index in
                        axis.cells(ofTile: index, window: .hann).contains { $0.cell == cell }
                    }
                    #expect(!hits.isEmpty, "cell \(cell) of length \(length) stride \(stride)")
                }
            }
        }
    }

    @Test("stride < tile: overlapping tiles, each cell centre in ⌈tile/stride⌉ tiles inside")
    func overlap() throws {
        let axis = try TileAxisPlan(length: 200, tile: 40, stride: 20)
        #expect(axis.offsets == [0, 20, 40, 60, 80, 100, 120, 140, 160])
        #expect(axis.cellCount == 10)
        // Cell 3 (pixels 60..<80, centre 70) lies in tiles at 40 and 60, at 30/40 and 10/40.
        let inTile2 = axis.cells(ofTile: 2, window: .hann).first { $0.cell == 3 }
        let inTile3 = axis.cells(ofTile: 3, window: .hann).first { $0.cell == 3 }
        #expect(inTile2 != nil && inTile3 != nil)
        #expect(abs((inTile2?.weight ?? 0) - (inTile3?.weight ?? 0)) < 1e-6)  // symmetric
    }

    @Test("the output grid has ⌈W/stride⌉ × ⌈H/stride⌉ cells")
    func outputGrid() throws {
        let plan = try TilePlan(width: 400, height: 300, tile: 40, stride: 40)
        #expect(plan.outputWidth == 10 && plan.outputHeight == 8)
        #expect(plan.tileCount == 10 * 8)
        let fine = try TilePlan(width: 400, height: 300, tile: 40, stride: 10)
        #expect(fine.outputWidth == 40 && fine.outputHeight == 30)
    }

    @Test("rasters smaller than a tile and strides outside 1…tile are refused")
    func refusals() {
        #expect(
            throws: TilePredictionError.rasterSmallerThanTile(
                path: "small.tif", width: 30, height: 100, tile: 40)
        ) {
            try TilePlan(width: 30, height: 100, tile: 40, stride: 40, path: "small.tif")
        }
        #expect(throws: TilePredictionError.invalidStride(stride: 0, tile: 40)) {
            try TilePlan(width: 100, height: 100, tile: 40, stride: 0)
        }
        #expect(throws: TilePredictionError.invalidStride(stride: 41, tile: 40)) {
            try TilePlan(width: 100, height: 100, tile: 40, stride: 41)
        }
        let message = TilePredictionError.rasterSmallerThanTile(
            path: "small.tif", width: 30, height: 100, tile: 40
        ).description
        #expect(message.contains("small.tif") && message.contains("30×100"))
    }

    @Test("cells finish once no later tile can contain their centre")
    func finishing() throws {
        let axis = try TileAxisPlan(length: 300, tile: 40, stride: 40)
        #expect(axis.cellsFinished(before: 40) == 1)
        #expect(axis.cellsFinished(before: 260) == 6)  // cell 6 (centre 260) waits for tile 260
        #expect(axis.cellsFinished(before: nil) == 8)
    }
}

@Suite("Blend window")
struct BlendWindowTests {
    @Test("Hann window: 1 at the centre, the floor at the edge, symmetric, never zero")
    func shape() {
        let window = BlendWindow.hann
        #expect(abs(window.weight(at: 0.5) - 1) < 1e-6)
        #expect(abs(window.weight(at: 0) - 0.05) < 1e-6)
        for u in stride(from: 0.0, to: 1.0, by: 0.01) {
            let w = window.weight(at: u)
            #expect(w >= 0.05 && w <= 1)
            #expect(abs(w - window.weight(at: 1 - u)) < 1e-5)
        }
        #expect(window.weight(at: 0.25) < window.weight(at: 0.4))
        #expect(BlendWindow.flat.weight(at: 0.1) == 1)
    }
}

@Suite("Acquisition dates")
struct AcquisitionDateTests {
    @Test("ISO 8601, TIFF and bare-date forms parse as UTC")
    func forms() throws {
        let reference = try AcquisitionDate.parse("2017-06-13T10:10:32Z", source: "--date")
        #expect(reference.timeIntervalSince1970 == 1_497_348_632)
        #expect(try AcquisitionDate.parse("2017:06:13 10:10:32", source: "x") == reference)
        #expect(try AcquisitionDate.parse("2017-06-13 10:10:32", source: "x") == reference)
        #expect(try AcquisitionDate.parse("2017-06-13T12:10:32+02:00", source: "x") == reference)
        #expect(try AcquisitionDate.parse("2017-06-13T10:10:32", source: "x") == reference)
        let day = try AcquisitionDate.parse("2017-06-13", source: "x")
        #expect(day.timeIntervalSince1970 == 1_497_312_000)
    }

    @Test("--date wins over metadata; ACQUISITIONDATE over TIFFTAG_DATETIME; none gives nil")
    func resolution() throws {
        let metadata = [
            "TIFFTAG_DATETIME": "2020:01:01 00:00:00", "ACQUISITIONDATE": "2017-06-13T10:10:31Z",
        ]
        let fromFile = try AcquisitionDate.resolve(option: nil, metadata: metadata, path: "r.tif")
        #expect(fromFile?.timeIntervalSince1970 == 1_497_348_631)
        let fromOption = try AcquisitionDate.resolve(
            option: "2018-01-01T00:00:00Z", metadata: metadata, path: "r.tif")
        #expect(fromOption?.timeIntervalSince1970 == 1_514_764_800)
        #expect(try AcquisitionDate.resolve(option: nil, metadata: [:], path: "r.tif") == nil)
    }

    @Test("TIFFTAG_DATETIME that geomap stamped as its write time is never an acquisition date")
    func geomapWriteTimeIsNoDate() throws {
        let stamped = [
            "TIFFTAG_DATETIME": "2026:12:04 17:04:47", "TIFFTAG_SOFTWARE": "geomap 0.1.0",
            "GEOMAP_PRODUCER": "geomap 0.1.0",
        ]
        #expect(try AcquisitionDate.resolve(option: nil, metadata: stamped, path: "r.tif") == nil)
        var kept = stamped
        kept["TIFFTAG_SOFTWARE"] = "LPGS_16.3.0"
        let date = try AcquisitionDate.resolve(option: nil, metadata: kept, path: "r.tif")
        #expect(date?.timeIntervalSince1970 == 1_796_403_887)
    }

    @Test("an unreadable date is a clear error naming its source")
    func badDate() {
        #expect(throws: TilePredictionError.badDate(text: "13/06/2017", source: "--date")) {
            try AcquisitionDate.parse("13/06/2017", source: "--date")
        }
        let message = TilePredictionError.badDate(text: "x", source: "--date").description
        #expect(message.contains("--date") && message.contains("ISO 8601"))
    }
}
