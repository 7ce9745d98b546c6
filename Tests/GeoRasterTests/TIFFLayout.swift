import Foundation

/// A minimal reader of a little-endian classic TIFF or BigTIFF's IFD chain, to check the COG
/// layout independently of GDAL: IFD offsets and the offsets of the first image's tiles.
struct TIFFLayout {
    /// Byte offsets of the IFDs, in chain order (full resolution first, then overviews).
    var ifdOffsets: [UInt64] = []
    /// Tile offsets (tag 324) of each IFD, in chain order.
    var tileOffsets: [[UInt64]] = []
    /// Tile width (tag 322) of each IFD.
    var tileWidths: [UInt64] = []

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        guard bytes.count > 16, bytes[0] == 0x49, bytes[1] == 0x49 else {
            throw TIFFError.notLittleEndian
        }
        let big = read(bytes, 2, 2) == 43
        var offset = big ? read(bytes, 8, 8) : read(bytes, 4, 4)
        while offset != 0, ifdOffsets.count < 64 {
            ifdOffsets.append(offset)
            offset = parseIFD(bytes, at: Int(offset), big: big)
        }
    }

    private mutating func parseIFD(_ bytes: [UInt8], at start: Int, big: Bool) -> UInt64 {
        let count = Int(read(bytes, start, big ? 8 : 2))
        let entrySize = big ? 20 : 12
        let first = start + (big ? 8 : 2)
        var tiles: [UInt64] = []
        var tileWidth: UInt64 = 0
        for index in 0..<count {
            let entry = first + index * entrySize
            let tag = read(bytes, entry, 2)
            let type = read(bytes, entry + 2, 2)
            let valueCount = Int(read(bytes, entry + 4, big ? 8 : 4))
            let valueField = entry + (big ? 12 : 8)
            let size = type == 16 ? 8 : (type == 4 ? 4 : 2)
            let inline = valueCount * size <= (big ? 8 : 4)
            let base = inline ? valueField : Int(read(bytes, valueField, big ? 8 : 4))
            if tag == 324 {
                tiles = (0..<valueCount).map { read(bytes, base + $0 * size, size) }
            } else if tag == 322 {
                tileWidth = read(bytes, base, size)
            }
        }
        tileOffsets.append(tiles)
        tileWidths.append(tileWidth)
        return read(bytes, first + count * entrySize, big ? 8 : 4)
    }

    enum TIFFError: Error { case notLittleEndian }
}

private func read(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
    return value
}
