/// A minimal, defensive reader of zip archives as `torch.save` writes them (stored entries,
/// optionally zip64; deflated entries are inflated by ``Inflate``). Written here rather than
/// taken from a package: it is ~200 lines, reads straight from the memory mapping without
/// copying stored entries, and every size and offset is checked against the file, which is what
/// a reader of untrusted checkpoints needs.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
        /// Where the entry's (compressed) data starts, after its local header.
        var dataOffset = 0
    }

    let bytes: UnsafeRawBufferPointer
    let path: String
    let entries: [Entry]

    /// At most this many entries (a bound against hostile central directories).
    static let maximumEntries = 1_000_000

    init(bytes: UnsafeRawBufferPointer, path: String) throws {
        self.bytes = bytes
        self.path = path
        let reader = ByteReader(bytes, path: path, what: "zip archive")
        // End of central directory: 22 bytes + comment (≤ 65535), searched from the end.
        guard bytes.count >= 22 else {
            throw ModelError(path, "truncated zip archive (\(bytes.count) bytes)")
        }
        var eocd = -1
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while position >= lowest {
            if try reader.u32(at: position) == 0x0605_4B50 {
                eocd = position
                break
            }
            position -= 1
        }
        guard eocd >= 0 else {
            throw ModelError(
                path, "truncated or corrupt zip archive: no end-of-central-directory record")
        }
        var entryCount = Int(try reader.u16(at: eocd + 10))
        var directorySize = Int(try reader.u32(at: eocd + 12))
        var directoryOffset = Int(try reader.u32(at: eocd + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // zip64: locator 20 bytes before the EOCD points at the zip64 EOCD record.
            let locator = eocd - 20
            guard locator >= 0, try reader.u32(at: locator) == 0x0706_4B50 else {
                throw ModelError(path, "corrupt zip archive: zip64 locator missing")
            }
            let record = try reader.int64(at: locator + 8)
            guard try reader.u32(at: record) == 0x0606_4B50 else {
                throw ModelError(
                    path, "corrupt zip archive: zip64 end-of-central-directory record missing")
            }
            entryCount = try reader.int64(at: record + 32)
            directorySize = try reader.int64(at: record + 40)
            directoryOffset = try reader.int64(at: record + 48)
        }
        guard entryCount <= Self.maximumEntries, directoryOffset <= bytes.count,
            directorySize <= bytes.count - directoryOffset, entryCount <= directorySize / 46 + 1
        else {
            throw ModelError(
                path,
                "corrupt zip archive: central directory (\(entryCount) entries at \(directoryOffset), \(directorySize) bytes) does not fit the file (\(bytes.count) bytes)"
            )
        }
        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var cursor = directoryOffset
        for _ in 0..<entryCount {
            guard try reader.u32(at: cursor) == 0x0201_4B50 else {
                throw ModelError(
                    path, "corrupt zip archive: bad central directory entry at byte \(cursor)")
            }
            let flags = try reader.u16(at: cursor + 8)
            let method = try reader.u16(at: cursor + 10)
            var compressed = Int(try reader.u32(at: cursor + 20))
            var uncompressed = Int(try reader.u32(at: cursor + 24))
            let nameLength = Int(try reader.u16(at: cursor + 28))
            let extraLength = Int(try reader.u16(at: cursor + 30))
            let commentLength = Int(try reader.u16(at: cursor + 32))
            var localOffset = Int(try reader.u32(at: cursor + 42))
            let nameBytes = try reader.slice(at: cursor + 46, count: nameLength)
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard flags & 0x0001 == 0 else {
                throw ModelError(path, "zip entry \(name) is encrypted")
            }
            // zip64 extended information (header id 1): the fields that were 0xFFFFFFFF, in order.
            var extra = cursor + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try reader.u16(at: extra)
                let size = Int(try reader.u16(at: extra + 2))
                guard extra + 4 + size <= extraEnd else { break }
                if id == 1 {
                    var field = extra + 4
                    let fieldEnd = field + size
                    if uncompressed == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                        uncompressed = try reader.int64(at: field)
                        field += 8
                    }
                    if compressed == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                        compressed = try reader.int64(at: field)
                        field += 8
                    }
                    if localOffset == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                        localOffset = try reader.int64(at: field)
                    }
                }
                extra += 4 + size
            }
            entries.append(
                Entry(
                    name: name, method: method, compressedSize: compressed,
                    uncompressedSize: uncompressed, localHeaderOffset: localOffset))
            cursor += 46 + nameLength + extraLength + commentLength
            guard cursor <= directoryOffset + directorySize else {
                throw ModelError(path, "corrupt zip archive: central directory entries overrun it")
            }
        }
        // Each local header must agree with the central directory, and no two entries may
        // share bytes (64 entries pointing at one deflate stream are a bomb, not a model).
        for i in entries.indices {
            entries[i].dataOffset = try Self.checkLocalHeader(
                entries[i], reader: reader, path: path)
        }
        let ordered = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (previous, next) in zip(ordered, ordered.dropFirst())
        where next.localHeaderOffset < previous.dataOffset + previous.compressedSize {
            throw ModelError(
                path,
                "corrupt zip archive: entries \(previous.name) and \(next.name) overlap (bytes "
                    + "\(previous.localHeaderOffset)…\(previous.dataOffset + previous.compressedSize) "
                    + "and \(next.localHeaderOffset)…)")
        }
        if let last = ordered.last, last.dataOffset + last.compressedSize > directoryOffset {
            throw ModelError(
                path, "corrupt zip archive: entry \(last.name) overlaps the central directory")
        }
        self.entries = entries
    }

    /// Checks `entry`'s local header against its central directory record (signature, name,
    /// method and, unless a data descriptor follows the data, sizes) and that its data lies
    /// inside the file. - Returns: the offset of the entry's data.
    static func checkLocalHeader(_ entry: Entry, reader: ByteReader, path: String) throws -> Int {
        let local = entry.localHeaderOffset
        guard try reader.u32(at: local) == 0x0403_4B50 else {
            throw ModelError(path, "corrupt zip archive: no local header for \(entry.name)")
        }
        let flags = try reader.u16(at: local + 6)
        let method = try reader.u16(at: local + 8)
        let compressed = try reader.u32(at: local + 18)
        let uncompressed = try reader.u32(at: local + 22)
        let nameLength = Int(try reader.u16(at: local + 26))
        let extraLength = Int(try reader.u16(at: local + 28))
        let name = String(
            decoding: try reader.slice(at: local + 30, count: nameLength), as: UTF8.self)
        var mismatch: String?
        if name != entry.name {
            mismatch = "name"
        } else if method != entry.method {
            mismatch = "compression method"
        } else if flags & 0x0008 == 0 {
            // Sizes are in the local header (0xFFFFFFFF: in its zip64 extra field).
            if compressed != 0xFFFF_FFFF, Int(compressed) != entry.compressedSize {
                mismatch = "compressed size"
            } else if uncompressed != 0xFFFF_FFFF, Int(uncompressed) != entry.uncompressedSize {
                mismatch = "size"
            }
        }
        if let mismatch {
            throw ModelError(
                path,
                "corrupt zip archive: the local header of \(entry.name) disagrees with the central "
                    + "directory (\(mismatch))")
        }
        let start = local + 30 + nameLength + extraLength
        try reader.check(start, entry.compressedSize)
        return start
    }

    /// The entry named exactly `name`.
    func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The compressed bytes of `entry` inside the file (checked against the file's bounds when
    /// the archive was opened).
    func rawData(_ entry: Entry) throws -> UnsafeRawBufferPointer {
        let reader = ByteReader(bytes, path: path, what: "zip entry \(entry.name)")
        return try reader.slice(at: entry.dataOffset, count: entry.compressedSize)
    }

    /// Calls `body` with the uncompressed bytes of `entry`: stored entries straight from the
    /// mapping, deflated ones inflated (bounded by the declared size). With `prefix`, only the
    /// first `prefix` bytes are wanted: inflation stops there (`body` may see more for a
    /// stored entry).
    /// `budget` bounds the bytes inflated over all entries of the archive (see
    /// ``InflateBudget``) and keeps the last entry inflated for the next tensor on it.
    func withData<R>(
        _ entry: Entry, prefix: Int? = nil, budget: InflateBudget? = nil,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let raw = try rawData(entry)
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ModelError(
                    path,
                    "corrupt zip archive: stored entry \(entry.name) has sizes \(entry.compressedSize) and \(entry.uncompressedSize)"
                )
            }
            return try body(raw)
        case 8:
            let wanted = min(prefix ?? entry.uncompressedSize, entry.uncompressedSize)
            let inflated =
                try budget?.bytes(of: entry, wanted: wanted, path: path) { count in
                    try Inflate.inflate(
                        raw, expectedSize: entry.uncompressedSize, prefix: count, path: path,
                        entry: entry.name)
                }
                ?? Inflate.inflate(
                    raw, expectedSize: entry.uncompressedSize, prefix: prefix, path: path,
                    entry: entry.name)
            return try inflated.withUnsafeBytes { try body($0) }
        default:
            throw ModelError(
                path,
                "zip entry \(entry.name) uses compression method \(entry.method) (only stored and deflate are supported)"
            )
        }
    }
}

/// Bounds-checked little-endian reads from a byte buffer; every failure is a ``ModelError``.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    let what: String

    init(_ bytes: UnsafeRawBufferPointer, path: String, what: String) {
        self.bytes = bytes
        self.path = path
        self.what = what
    }

    func check(_ offset: Int, _ count: Int) throws {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw ModelError(
                path,
                "truncated or corrupt \(what): \(count) bytes at offset \(offset) lie outside its \(bytes.count) bytes"
            )
        }
    }

    func u16(at offset: Int) throws -> UInt16 {
        try check(offset, 2)
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func u32(at offset: Int) throws -> UInt32 {
        try check(offset, 4)
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// A non-negative 64-bit value that fits in `Int`.
    func int64(at offset: Int) throws -> Int {
        try check(offset, 8)
        let value = UInt64(
            littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        guard value <= UInt64(Int.max / 2) else {
            throw ModelError(path, "corrupt \(what): absurd size or offset \(value)")
        }
        return Int(value)
    }

    func slice(at offset: Int, count: Int) throws -> UnsafeRawBufferPointer {
        try check(offset, count)
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }
}
