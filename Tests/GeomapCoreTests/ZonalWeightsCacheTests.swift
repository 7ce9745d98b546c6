import Foundation
import GeoProjection
import GeoVector
import Models
import TestSupport
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

@Suite("Weights cache")
struct ZonalWeightsCacheTests {
    let basins = [
        ZonalBasin(id: "01013500", geometry: multi(rectangle(0.5, 0.5, 1.5, 1.5))),
        ZonalBasin(
            id: "ü-basin",
            geometry: multi(starRing(centre: Point2D(x: 4, y: 4), radius: 3, n: 20, seed: 9))),
    ]
    let grid = unitGrid(rows: 8, cols: 8)

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        var empty = SHA256Digest()
        #expect(
            SHA256Digest.hex(empty.finalize())
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256Digest()
        abc.update(Array("abc".utf8))
        #expect(
            SHA256Digest.hex(abc.finalize())
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256Digest()
        long.update(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(
            SHA256Digest.hex(long.finalize())
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // 1000 bytes fed in uneven pieces (partial blocks, whole blocks, leftovers).
        var pieces = SHA256Digest()
        for size in [1, 63, 64, 130, 7, 735] {
            pieces.update([UInt8](repeating: 0x61, count: size))
        }
        #expect(
            SHA256Digest.hex(pieces.finalize())
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test("a miss computes and stores, a hit returns identical weights")
    func missThenHit() throws {
        let directory = try makeTemporaryDirectory("weights-cache")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = WeightsCache(directory: directory)
        var warnings: [String] = []
        let first = cache.weights(
            basins: basins, grid: grid, crs: "EPSG:32633", areaWeighted: false
        ) { warnings.append($0) }
        #expect(first.outcome == .miss)
        let second = cache.weights(
            basins: basins, grid: grid, crs: "EPSG:32633", areaWeighted: false
        ) { warnings.append($0) }
        #expect(second.outcome == .hit)
        #expect(second.weights == first.weights)
        #expect(warnings.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.count == 1 && files[0].hasSuffix(".gmw"))
    }

    @Test("the key changes with the grid, the CRS, a coordinate, an id and the options")
    func keyDependsOnInputs() {
        let base = WeightsCache.key(basins: basins, grid: grid, crs: "A", areaWeighted: false)
        var moved = basins
        moved[0].geometry.polygons[0].exterior.points[0].x += 1e-9
        var renamed = basins
        renamed[1].id = "other"
        var shifted = grid
        shifted.originX += 0.5
        let keys = [
            WeightsCache.key(basins: basins, grid: grid, crs: "B", areaWeighted: false),
            WeightsCache.key(basins: basins, grid: grid, crs: "A", areaWeighted: true),
            WeightsCache.key(basins: moved, grid: grid, crs: "A", areaWeighted: false),
            WeightsCache.key(basins: renamed, grid: grid, crs: "A", areaWeighted: false),
            WeightsCache.key(basins: basins, grid: shifted, crs: "A", areaWeighted: false),
        ]
        #expect(base.count == 64)
        #expect(Set(keys + [base]).count == 6)
    }

    @Test("a corrupt, truncated or foreign cache file is reported and recomputed")
    func corruption() throws {
        let directory = try makeTemporaryDirectory("weights-cache")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = WeightsCache(directory: directory)
        let key = WeightsCache.key(basins: basins, grid: grid, crs: "X", areaWeighted: false)
        let file = cache.url(forKey: key)
        let good = cache.weights(basins: basins, grid: grid, crs: "X", areaWeighted: false) {
            _ in
        }.weights
        let original = try Data(contentsOf: file)
        var flipped = original
        flipped[flipped.count / 2] ^= 0x40
        let damages: [(Data, String)] = [
            (flipped, "checksum"), (original.prefix(original.count - 9), "checksum"),
            (Data("not a cache".utf8), "truncated"), (Data(), "truncated"),
        ]
        for (damage, reason) in damages {
            try damage.write(to: file)
            var warnings: [String] = []
            let result = cache.weights(
                basins: basins, grid: grid, crs: "X", areaWeighted: false
            ) { warnings.append($0) }
            #expect(result.outcome == .recomputedCorrupt)
            #expect(result.weights == good)
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains(reason) == true, "\(warnings)")
            #expect(warnings.first?.contains(file.path) == true)
            // The rewritten file is valid again.
            #expect(try cache.load(file, key: key) == good)
        }
        // A valid file stored under the wrong key is refused.
        let otherKey = String(repeating: "ab", count: 32)
        try original.write(to: cache.url(forKey: otherKey))
        #expect(throws: WeightsCacheError.self) {
            try cache.load(cache.url(forKey: otherKey), key: otherKey)
        }
    }

    /// Byte offsets of the UInt64 fields of a cache file holding `basins` (see WeightsCache).
    static func fieldOffsets(_ basins: [ZonalBasin]) -> [(String, Int)] {
        let ids = 110 + basins.reduce(0) { $0 + 4 + $1.id.utf8.count }
        return [
            ("basin count", 44), ("non-zero count", 52), ("rows", 92), ("cols", 100),
            ("first offset", ids), ("last offset", ids + 8 * basins.count),
        ]
    }

    @Test(
        "a cache file with a valid checksum but absurd counts is recomputed and replaced",
        arguments: [UInt64.max, 1 << 63, 1 << 40, 1 << 32])
    func absurdCounts(count: UInt64) throws {
        let directory = try makeTemporaryDirectory("weights-cache")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = WeightsCache(directory: directory)
        let key = WeightsCache.key(basins: basins, grid: grid, crs: "X", areaWeighted: false)
        let file = cache.url(forKey: key)
        let good = cache.weights(basins: basins, grid: grid, crs: "X", areaWeighted: false) {
            _ in
        }.weights
        let original = [UInt8](try Data(contentsOf: file))
        for (field, offset) in Self.fieldOffsets(basins) {
            var forged = Array(original.dropLast(32))
            withUnsafeBytes(of: count.littleEndian) {
                forged.replaceSubrange(offset..<offset + 8, with: $0)
            }
            var hasher = SHA256Digest()
            hasher.update(forged)
            try Data(forged + hasher.finalize()).write(to: file)
            var warnings: [String] = []
            let result = cache.weights(
                basins: basins, grid: grid, crs: "X", areaWeighted: false
            ) { warnings.append($0) }
            #expect(result.outcome == .recomputedCorrupt, "\(field)")
            #expect(result.weights == good, "\(field)")
            #expect(warnings.count == 1 && warnings[0].contains(file.path), "\(field): \(warnings)")
            // The damaged entry was replaced by a valid one.
            #expect(try cache.load(file, key: key) == good, "\(field)")
        }
    }

    @Test(
        "the default directory follows an absolute XDG_CACHE_HOME, then an absolute HOME",
        arguments: [
            (["XDG_CACHE_HOME": "/x", "HOME": "/h"], "/x/geomap/weights"),
            (["HOME": "/h"], "/h/.cache/geomap/weights"),
            (["XDG_CACHE_HOME": "rel/cache", "HOME": "/h"], "/h/.cache/geomap/weights"),
            (["XDG_CACHE_HOME": "", "HOME": "/h"], "/h/.cache/geomap/weights"),
            (["XDG_CACHE_HOME": "rel", "HOME": ""], nil),
            (["HOME": ""], nil), (["HOME": "relative/home"], nil), ([:], nil),
        ] as [([String: String], String?)])
    func defaultDirectory(environment: [String: String], expected: String?) {
        #expect(WeightsCache.defaultDirectory(environment: environment)?.path == expected)
    }
}

@Suite("Grid size limit")
struct GridSizeLimitTests {
    @Test(
        "a grid with more cells than Int32 cell numbers hold is refused before any weight",
        arguments: [(200_000, 200_000), (46_341, 46_341), (1, Int(Int32.max) + 1)])
    func tooManyCells(rows: Int, cols: Int) throws {
        let basins = [ZonalBasin(id: "a", geometry: multi(rectangle(0.5, 0.5, 3.5, 3.5)))]
        let error = #expect(throws: ZonalError.self) {
            try CoverageWeights(cacheDirectory: nil).weights(
                basins, grid: unitGrid(rows: rows, cols: cols), crs: try CRS("EPSG:32633"),
                gridSource: "huge.nc", log: { _ in })
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("huge.nc") && text.contains("more than the 2147483647"), "\(text)")
    }
}
