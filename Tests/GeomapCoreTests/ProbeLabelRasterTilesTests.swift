import Foundation
import GeoRaster
import GeomapCore
import TestSupport
import Testing

/// Tile labels of `samples/region.labels.tif`, checked against counts made here directly
/// from the whole label raster and the input's validity.
@Suite("Probe label-raster tiles")
struct ProbeLabelRasterTilesTests {
    static let region = TestPaths.samples.appendingPathComponent("region.tif").path
    static let labels = TestPaths.samples.appendingPathComponent("region.labels.tif").path

    /// Per tile origin: (class id → pixel count, invalid label pixels, invalid input pixels).
    static func independentCounts(stride: Int) throws
        -> [(x: Int, y: Int, counts: [Int: Int], badLabels: Int, badInput: Int)]
    {
        let labelRaster = try Raster(opening: labels)
        let input = try Raster(opening: region)
        let (width, height) = (labelRaster.grid.width, labelRaster.grid.height)
        let all = PixelWindow(x: 0, y: 0, width: width, height: height)
        let ids = try labelRaster.read(window: all, applyScale: false).values.map { Int($0) }
        let image = try input.read(window: all, applyScale: false)
        let plane = width * height
        var result: [(x: Int, y: Int, counts: [Int: Int], badLabels: Int, badInput: Int)] = []
        // Windows every `stride` px, plus one flush with the far edge when the stride misses it.
        func offsets(_ length: Int) -> [Int] {
            var values = Array(Swift.stride(from: 0, through: length - 40, by: stride))
            if values.last != length - 40 { values.append(length - 40) }
            return values
        }
        for y in offsets(height) {
            for x in offsets(width) {
                var counts: [Int: Int] = [:]
                var (badLabels, badInput) = (0, 0)
                for row in y..<y + 40 {
                    for column in x..<x + 40 {
                        let p = row * width + column
                        if ids[p] == 0 { badLabels += 1 } else { counts[ids[p], default: 0] += 1 }
                        let bands = 0..<input.bands.count
                        if bands.contains(where: { !image.valid[$0 * plane + p] }) {
                            badInput += 1
                        }
                    }
                }
                result.append((x, y, counts, badLabels, badInput))
            }
        }
        return result
    }

    @Test("multi-class tile labels are the majority class of the tile's labelled pixels")
    func majority() throws {
        let tiles = try LabelRasterTiles(
            inputPath: Self.region, labelsPath: Self.labels, tile: 40, stride: 40,
            task: .multiClass, minShare: 0.1)
        #expect(tiles.classNames == ["water", "forest", "crops", "grassland", "urban", "bare"])
        #expect(tiles.classIDs == [1, 2, 3, 4, 5, 6])
        let expected = try Self.independentCounts(stride: 40)
        let kept = expected.filter { $0.badLabels <= 800 && $0.badInput <= 800 }
        #expect(expected.count == 80)  // 10 × 8 windows of 40 px in 400 × 300 (last at y 260)
        #expect(tiles.tiles.count == kept.count)
        #expect(tiles.skipped == expected.count - kept.count)
        for (tile, truth) in zip(tiles.tiles, kept) {
            #expect(tile.x == truth.x && tile.y == truth.y)
            let top = truth.counts.values.max()!
            let winner = truth.counts.filter { $0.value == top }.keys.min()!
            #expect(tile.classes == [winner - 1], "tile at \(tile.x), \(tile.y)")
        }
        // The labels are not all one class.
        #expect(Set(tiles.tiles.map { $0.classes[0] }).count >= 3)
        let targets = try tiles.targets()
        #expect(targets.rows == kept.count && targets.classCount == 6)
    }

    @Test("multi-label tile labels are the classes covering at least --min-share, stride 20")
    func shares() throws {
        let tiles = try LabelRasterTiles(
            inputPath: Self.region, labelsPath: Self.labels, tile: 40, stride: 20,
            task: .multiLabel, minShare: 0.25)
        let kept = try Self.independentCounts(stride: 20)
            .filter { $0.badLabels <= 800 && $0.badInput <= 800 }
        #expect(tiles.tiles.count == kept.count)
        for (tile, truth) in zip(tiles.tiles, kept) {
            let total = Double(truth.counts.values.reduce(0, +))
            let wanted = truth.counts.filter { Double($0.value) >= 0.25 * total }
                .keys.sorted().map { $0 - 1 }
            #expect(tile.classes == wanted, "tile at \(tile.x), \(tile.y)")
        }
        #expect(tiles.tiles.contains { $0.classes.count > 1 })
    }

    @Test("a --classes list names ids 1, 2, …; an id beyond it is refused naming the file")
    func classFile() throws {
        let named = try LabelRasterTiles(
            inputPath: Self.region, labelsPath: Self.labels, tile: 40, stride: 40,
            task: .multiClass, minShare: 0.1,
            classFile: ["w", "f", "c", "g", "u", "b", "extra"])
        #expect(named.classNames == ["w", "f", "c", "g", "u", "b", "extra"])
        #expect(throws: ProbeError.self) {
            try LabelRasterTiles(
                inputPath: Self.region, labelsPath: Self.labels, tile: 40, stride: 40,
                task: .multiClass, minShare: 0.1, classFile: ["w", "f"])
        }
    }
}
