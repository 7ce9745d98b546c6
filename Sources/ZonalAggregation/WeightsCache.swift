package import Foundation
import Models
import OutputFiles

/// An on-disk cache of ``ZonalWeights``, so a nightly run computes each (grid, basin set,
/// options) once.
///
/// Files live in `directory/<key>.gmw`, `key` being the SHA-256 of the grid definition, the
/// grid's CRS text, every basin id and polygon coordinate (bit patterns) and the options.
/// The format (little-endian) is: magic `GEOMAPWT`, format version (UInt32), key (32 bytes),
/// basin count and non-zero count (UInt64), the grid (4 × Float64, rows and cols UInt64,
/// geographic and area-weighted flags UInt8), basin ids (UInt32 byte length + UTF-8 each),
/// offsets (UInt64 × basins + 1), cells (Int32 × nnz), coverage (Float64 × nnz), covered
/// shares (Float64 × basins), then the SHA-256 of everything before it. A file that fails any
/// check (size, checksum, magic, version, key, ranges) is never used: it is reported as corrupt
/// and the weights are recomputed and the file rewritten.
package struct WeightsCache: Sendable {
    package static let formatVersion: UInt32 = 1
    static let magic = Array("GEOMAPWT".utf8)

    package let directory: URL

    package init(directory: URL) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/geomap/weights`, else `$HOME/.cache/geomap/weights`, or `nil` when
    /// neither gives a usable place. As the XDG Base Directory specification says, a relative
    /// `XDG_CACHE_HOME` is ignored; an empty or relative `HOME` is ignored too (never a
    /// `.cache` in the working directory), and then there is no default cache.
    package static func defaultDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("geomap/weights")
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/geomap/weights")
    }

    /// How the weights were obtained.
    package enum Outcome: String, Sendable {
        case hit, miss
        case recomputedCorrupt = "recomputed (corrupt cache)"
    }

    /// The cache key (64 hex digits) of `basins` on `grid` in the CRS described by `crs`.
    package static func key(
        basins: [ZonalBasin], grid: RegularGrid, crs: String, areaWeighted: Bool
    ) -> String {
        var hasher = SHA256Digest()
        hasher.update("geomap-weights-v\(formatVersion)")
        for value in [grid.originX, grid.originY, grid.cellWidth, grid.cellHeight] {
            hasher.update(value)
        }
        hasher.update(UInt64(grid.rows))
        hasher.update(UInt64(grid.cols))
        hasher.update(grid.isGeographic ? "geographic" : "projected")
        if grid.wrapsLongitude { hasher.update("wraps-longitude") }
        hasher.update(crs)
        hasher.update(areaWeighted ? "area-weighted" : "coverage")
        hasher.update(UInt64(basins.count))
        for basin in basins {
            hasher.update(basin.id)
            hasher.update(UInt64(basin.geometry.polygons.count))
            for polygon in basin.geometry.polygons {
                hasher.update(UInt64(polygon.holes.count))
                for ring in [polygon.exterior] + polygon.holes {
                    hasher.update(UInt64(ring.points.count))
                    for point in ring.points {
                        hasher.update(point.x)
                        hasher.update(point.y)
                    }
                }
            }
        }
        return SHA256Digest.hex(hasher.finalize())
    }

    package func url(forKey key: String) -> URL {
        directory.appendingPathComponent("\(key).gmw")
    }

    /// The cached weights of `basins` on `grid`, or freshly computed (and stored) ones.
    /// - Parameter warn: receives one line when a cache file is corrupt or cannot be written.
    package func weights(
        basins: [ZonalBasin], grid: RegularGrid, crs: String, areaWeighted: Bool,
        warn: (String) -> Void
    ) -> (weights: ZonalWeights, outcome: Outcome) {
        let key = Self.key(basins: basins, grid: grid, crs: crs, areaWeighted: areaWeighted)
        let file = url(forKey: key)
        var outcome = Outcome.miss
        if FileManager.default.fileExists(atPath: file.path) {
            do {
                let weights = try load(file, key: key)
                if weights.basinIDs == basins.map(\.id), weights.grid == grid,
                    weights.areaWeighted == areaWeighted
                {
                    return (weights, .hit)
                }
                throw WeightsCacheError(file: file, reason: "holds other basins or another grid")
            } catch {
                warn("\(error); recomputing the weights")
                outcome = .recomputedCorrupt
            }
        }
        let weights = ZonalWeights(basins: basins, grid: grid, areaWeighted: areaWeighted)
        do {
            try store(weights, key: key)
        } catch {
            warn("cannot write the weights cache \(file.path): \(error)")
        }
        return (weights, outcome)
    }

    /// Writes `weights` under `key` (to a temporary name, then renamed).
    package func store(_ weights: ZonalWeights, key: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var out = Self.magic
        func put(_ value: UInt64) {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        func put(_ value: Double) { put(value.bitPattern) }
        withUnsafeBytes(of: Self.formatVersion.littleEndian) { out.append(contentsOf: $0) }
        out += Self.keyBytes(key)
        put(UInt64(weights.basinCount))
        put(UInt64(weights.nonZeroCount))
        let grid = weights.grid
        for value in [grid.originX, grid.originY, grid.cellWidth, grid.cellHeight] { put(value) }
        put(UInt64(grid.rows))
        put(UInt64(grid.cols))
        out.append(grid.isGeographic ? 1 : 0)
        out.append(weights.areaWeighted ? 1 : 0)
        for id in weights.basinIDs {
            withUnsafeBytes(of: UInt32(id.utf8.count).littleEndian) { out.append(contentsOf: $0) }
            out += Array(id.utf8)
        }
        for offset in weights.offsets { put(UInt64(offset)) }
        for cell in weights.cells {
            withUnsafeBytes(of: cell.littleEndian) { out.append(contentsOf: $0) }
        }
        for value in weights.coverage { put(value) }
        for value in weights.coveredShare { put(value) }
        var hasher = SHA256Digest()
        hasher.update(out)
        out += hasher.finalize()
        let file = url(forKey: key)
        // `.geomap-<pid>-<x>.tmp`: removed here later if this process dies before the rename.
        OutputRecovery.sweep(directory.path)
        let temporary = directory.appendingPathComponent(TemporaryName.make(suffix: "tmp"))
        TemporaryRegistry.shared.register(temporary.path)
        defer {
            try? FileManager.default.removeItem(at: temporary)
            TemporaryRegistry.shared.unregister(temporary.path)
        }
        try POSIXFileSystem().write(out, to: temporary.path)
        try POSIXFileSystem().rename(temporary.path, to: file.path)
    }

    /// Reads and checks a cache file written by ``store(_:key:)``.
    package func load(_ file: URL, key: String) throws -> ZonalWeights {
        do {
            return try decode(file, key: key)
        } catch let error as WeightsCacheError {
            throw error
        } catch let error as ByteReader.Truncated {
            throw WeightsCacheError(file: file, reason: error.description)
        }
    }

    private func decode(_ file: URL, key: String) throws -> ZonalWeights {
        let bytes = [UInt8](try Data(contentsOf: file))
        func corrupt(_ reason: String) -> WeightsCacheError {
            WeightsCacheError(file: file, reason: reason)
        }
        guard bytes.count >= 8 + 4 + 32 + 16 + 32 + 18 + 8 + 32 else {
            throw corrupt("is truncated")
        }
        var hasher = SHA256Digest()
        hasher.update(bytes[..<(bytes.count - 32)])
        guard hasher.finalize() == Array(bytes[(bytes.count - 32)...]) else {
            throw corrupt("fails its checksum")
        }
        var reader = ByteReader(bytes: bytes, end: bytes.count - 32)
        guard try reader.bytes(8) == Self.magic else { throw corrupt("is not a weights file") }
        let version = UInt32(truncatingIfNeeded: try reader.integer(4))
        guard version == Self.formatVersion else {
            throw corrupt("has format version \(version), expected \(Self.formatVersion)")
        }
        guard try reader.bytes(32) == Self.keyBytes(key) else { throw corrupt("has another key") }
        // Every count is checked against the bytes left before it is used: a file with a
        // valid checksum but absurd counts (up to 2^64 − 1) is corrupt, never a trap.
        // Each basin takes at least 4 (id length) + 8 (offset) + 8 (share) bytes, each
        // non-zero 4 (cell) + 8 (coverage).
        let basinCount = try reader.count(atMost: reader.remaining / 20)
        let nnz = try reader.count(atMost: reader.remaining / 12)
        guard let basinCount, let nnz else { throw corrupt("has impossible sizes") }
        let values = try (0..<4).map { _ in Double(bitPattern: try reader.integer(8)) }
        let rows = try reader.count(atMost: 1 << 31)
        let cols = try reader.count(atMost: 1 << 31)
        let flags = try reader.bytes(2)
        guard let rows, let cols, values.allSatisfy(\.isFinite), values[2] != 0, values[3] != 0
        else { throw corrupt("has an invalid grid") }
        let grid = RegularGrid(
            originX: values[0], originY: values[1], cellWidth: values[2],
            cellHeight: values[3], rows: rows, cols: cols, isGeographic: flags[0] == 1)
        guard basinCount * 16 + nnz * 12 <= reader.remaining else {
            throw corrupt("has impossible sizes")
        }
        var ids: [String] = []
        for _ in 0..<basinCount {
            let count = Int(try reader.integer(4))
            guard let id = String(bytes: try reader.bytes(count), encoding: .utf8) else {
                throw corrupt("has a basin id that is not UTF-8")
            }
            ids.append(id)
        }
        var offsets: [Int] = []
        offsets.reserveCapacity(basinCount + 1)
        for _ in 0...basinCount {
            guard let offset = try reader.count(atMost: nnz) else {
                throw corrupt("has invalid offsets")
            }
            offsets.append(offset)
        }
        guard offsets.first == 0, offsets.last == nnz,
            zip(offsets, offsets.dropFirst())
                .allSatisfy({ $0 <= $1 })
        else { throw corrupt("has invalid offsets") }
        let cells = try reader.array(of: Int32.self, count: nnz)
        let coverage = try reader.array(of: Double.self, count: nnz)
        let shares = try (0..<basinCount).map { _ in Double(bitPattern: try reader.integer(8)) }
        guard reader.position == reader.end else { throw corrupt("has trailing bytes") }
        guard cells.allSatisfy({ $0 >= 0 && Int($0) < grid.cellCount }),
            coverage.allSatisfy({ $0 > 0 && $0 <= 1 }),
            shares.allSatisfy({ $0 >= 0 && $0 <= 1 })
        else { throw corrupt("has values out of range") }
        return ZonalWeights(
            grid: grid, basinIDs: ids, offsets: offsets, cells: cells, coverage: coverage,
            coveredShare: shares, areaWeighted: flags[1] == 1)
    }

    static func keyBytes(_ key: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = key.startIndex
        while index < key.endIndex {
            let next = key.index(index, offsetBy: 2, limitedBy: key.endIndex) ?? key.endIndex
            result.append(UInt8(key[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result + [UInt8](repeating: 0, count: max(0, 32 - result.count))
    }
}

/// A weights cache file that cannot be trusted.
package struct WeightsCacheError: Error, CustomStringConvertible {
    package let file: URL
    package let reason: String
    package var description: String { "weights cache \(file.path) \(reason)" }
}

/// Sequential little-endian reads with bounds checks.
private struct ByteReader {
    let bytes: [UInt8]
    let end: Int
    var position = 0

    init(bytes: [UInt8], end: Int) {
        self.bytes = bytes
        self.end = end
    }

    /// Bytes not read yet.
    var remaining: Int { end - position }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw Truncated() }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// A UInt64 count, or `nil` when it exceeds `limit` (never converted unchecked).
    mutating func count(atMost limit: Int) throws -> Int? {
        let value = try integer(8)
        return value <= UInt64(max(0, limit)) ? Int(value) : nil
    }

    mutating func integer(_ size: Int) throws -> UInt64 {
        guard size <= remaining else { throw Truncated() }
        var value: UInt64 = 0
        for i in 0..<size { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += size
        return value
    }

    /// `count` little-endian values of a fixed-width type, copied in one go.
    mutating func array<T: FixedWidthIntegerOrDouble>(of type: T.Type, count: Int) throws -> [T] {
        let size = MemoryLayout<T>.size
        guard count >= 0, count <= remaining / size else { throw Truncated() }
        var result = [T](repeating: .zero, count: count)
        bytes.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                target.copyMemory(
                    from: UnsafeRawBufferPointer(
                        rebasing: source[position..<(position + count * size)]))
            }
        }
        position += count * size
        return result.map { $0.fromLittleEndian }
    }

    struct Truncated: Error, CustomStringConvertible {
        var description: String { "ends early" }
    }
}

/// The element types the cache stores in bulk.
private protocol FixedWidthIntegerOrDouble {
    static var zero: Self { get }
    var fromLittleEndian: Self { get }
}

extension Int32: FixedWidthIntegerOrDouble {
    var fromLittleEndian: Int32 { Int32(littleEndian: self) }
}

extension Double: FixedWidthIntegerOrDouble {
    var fromLittleEndian: Double { Double(bitPattern: UInt64(littleEndian: bitPattern)) }
}
