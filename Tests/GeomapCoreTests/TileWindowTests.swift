import Foundation
import GeoRaster
import GeomapCore
import TestSupport
import Testing

/// Every (tile offset, weight) that blends into each cell of `plan`, in blending order, by the
/// cell's index in the whole axis.
private func contributions(_ axis: TileAxisPlan) -> [Int: [(Int, Float)]] {
    var result: [Int: [(Int, Float)]] = [:]
    for index in axis.offsets.indices {
        for (cell, weight) in axis.cells(ofTile: index, window: .hann) {
            result[axis.firstCell + cell, default: []].append((axis.offsets[index], weight))
        }
    }
    return result
}

@Suite("windows of the output grid (--window, chunks of geomap run)")
struct TileWindowTests {
    @Test(
        "a window's cells blend from the same tiles, weights and order as in the whole axis",
        arguments: [(300, 20), (300, 40), (123, 13), (401, 7), (80, 40), (41, 1)])
    func axisWindows(length: Int, stride: Int) throws {
        let whole = try TileAxisPlan(length: length, tile: 40, stride: stride)
        let reference = contributions(whole)
        let cells = whole.cellCount
        let windows = [
            0..<1, 0..<cells, cells - 1..<cells, cells / 3..<max(cells / 3 + 1, cells / 2),
        ]
        for (window, alignment) in windows.flatMap({ w in [1, 8].map { (w, $0) } }) {
            let part = whole.window(cells: window, alignment: alignment)
            #expect(part.firstCell == window.lowerBound && part.cellCount == window.count)
            let mine = contributions(part)
            #expect(Set(mine.keys) == Set(window), "\(window) of \(length)/\(stride)")
            for cell in window {
                let (a, b) = (mine[cell] ?? [], reference[cell] ?? [])
                #expect(a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1), "cell \(cell)")
            }
            // The input it reads holds its tiles and its cells' own pixels, inside the raster.
            let pixels = part.pixelRange
            #expect(pixels.lowerBound >= 0 && pixels.upperBound <= length)
            #expect(part.offsets.allSatisfy { pixels.contains($0) && $0 + 40 <= pixels.upperBound })
            #expect(pixels.contains(part.pixels(ofCell: 0).lowerBound))
            #expect(part.pixels(ofCell: part.cellCount - 1).upperBound <= pixels.upperBound)
        }
        #expect(whole.pixelRange == 0..<length)
    }

    @Test(
        "a window outside the output grid is refused naming the file and the grid",
        arguments: [
            PixelWindow(x: 0, y: 0, width: 11, height: 1),
            PixelWindow(x: 10, y: 0, width: 1, height: 1),
            PixelWindow(x: 0, y: 7, width: 1, height: 2),
            PixelWindow(x: -1, y: 0, width: 1, height: 1),
            PixelWindow(x: 0, y: 0, width: 0, height: 1),
            PixelWindow(x: 5, y: 5, width: Int.max, height: Int.max),
        ])
    func outsideGrid(window: PixelWindow) {
        #expect {
            try TilePlan(
                width: 400, height: 300, tile: 40, stride: 40, path: "r.tif", window: window)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("r.tif: --window ") && text.contains("10×8 output grid")
        }
    }

    @Test(
        "windows of region.tif, run one by one, give the whole run's values and georeference",
        arguments: [(20, 6), (40, 4), (13, 9)])
    func windowsEqualWholeRun(step: Int, chunk: Int) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func request(_ stem: String, window: PixelWindow?) -> TilePredictionRequest {
            var request = TilePredictionRequest(inputPath: TileFixtures.region)
            request.stride = step
            request.outputWindow = window
            request.classesPath = directory.appendingPathComponent("\(stem).classes.tif").path
            request.probabilitiesPath =
                directory.appendingPathComponent("\(stem).probabilities.tif").path
            request.embeddingsPath =
                directory.appendingPathComponent("\(stem).embeddings.tif").path
            request.pooling = .mean
            request.floatProbabilities = true
            // A different batching than the whole run's: the pipeline must not depend on it.
            request.batchSize = 5
            return request
        }
        var one = request("whole", window: nil)
        one.batchSize = 256
        let summary = try TilePredictor.run(one, model: EchoTileModel())
        let whole = try summary.outputs.map { path in
            let raster = try Raster(opening: path)
            return (try raster.read(window: raster.grid.fullWindow), raster.grid.geoTransform)
        }
        let (width, height) = (summary.outputWidth, summary.outputHeight)
        var covered = 0
        for y in Swift.stride(from: 0, to: height, by: chunk) {
            for x in Swift.stride(from: 0, to: width, by: chunk) {
                let window = PixelWindow(
                    x: x, y: y, width: min(chunk, width - x), height: min(chunk, height - y))
                let part = try TilePredictor.run(
                    request("w\(x)-\(y)", window: window), model: EchoTileModel())
                #expect(part.outputWidth == window.width && part.outputHeight == window.height)
                #expect(part.tiles < summary.tiles || window.count == width * height)
                for (index, path) in part.outputs.enumerated() {
                    let raster = try Raster(opening: path)
                    let g = whole[index].1
                    let x0: Double = g.originX + Double(x) * g.pixelWidth
                    let y0: Double = g.originY + Double(y) * g.pixelHeight
                    let expected = GeoTransform([x0, g.pixelWidth, 0, y0, 0, g.pixelHeight])
                    #expect(raster.grid.geoTransform == expected)
                    #expect(
                        raster.metadata()["GEOMAP_WINDOW"]
                            == "\(x),\(y),\(window.width),\(window.height)")
                    let block = try raster.read(window: raster.grid.fullWindow)
                    for slot in 0..<raster.bands.count {
                        for row in 0..<window.height {
                            for column in 0..<window.width {
                                let mine = block.value(slot: slot, row: row, column: column)
                                let theirs = whole[index].0.value(
                                    slot: slot, row: y + row, column: x + column)
                                #expect(
                                    mine?.bitPattern == theirs?.bitPattern,
                                    "\(path) band \(slot + 1) (\(row), \(column))")
                            }
                        }
                    }
                }
                covered += window.count
            }
        }
        #expect(covered == width * height)
    }
}
