import Foundation
import Models
import TestSupport
import Testing

/// Issue 12 item 12: zip bombs in `.pth` archives are generated here (small on disk) and must
/// read within what the tensors need, or fail with one clean error.
@Suite("Checkpoint zip bombs")
struct ZipBombTests {
    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }

    /// A pickle of `{"w": tensor}`, the tensor 4×3 Float32 at offset 0 of storage "0", whose
    /// declared element count is `storageCount`.
    static func pickle(storageCount: Int) -> [UInt8] {
        func text(_ s: String) -> [UInt8] { [0x58] + le32(s.utf8.count) + Array(s.utf8) }
        func global(_ module: String, _ name: String) -> [UInt8] {
            [0x63] + Array("\(module)\n\(name)\n".utf8)
        }
        var p: [UInt8] =
            [0x80, 0x02, 0x7D] + text("w") + global("torch._utils", "_rebuild_tensor_v2")
        p += [0x28, 0x28] + text("storage") + global("torch", "FloatStorage") + text("0")
        p += text("cpu") + [0x4A] + le32(storageCount) + [0x74, 0x51]
        p += [0x4B, 0, 0x4B, 4, 0x4B, 3, 0x86, 0x4B, 3, 0x4B, 1, 0x86, 0x89]
        p += global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52, 0x73, 0x2E]
        return p
    }

    /// A raw deflate stream (fixed Huffman) of `count` zero bytes: one literal, then
    /// back-references of 258 bytes at distance 1 (13 bits each), about 1/160 of the size.
    static func deflatedZeros(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = 0
        var bits = 0
        func put(_ value: Int, _ n: Int) {
            buffer |= value << bits
            bits += n
            while bits >= 8 {
                out.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                bits -= 8
            }
        }
        /// A Huffman code, most significant bit first.
        func code(_ value: Int, _ n: Int) {
            for i in stride(from: n - 1, through: 0, by: -1) { put(value >> i & 1, 1) }
        }
        put(1, 1)  // final block
        put(1, 2)  // fixed Huffman
        code(0x30, 8)  // literal 0
        var left = count - 1
        while left >= 258 {
            code(0xC5, 8)  // length 258 (symbol 285)
            code(0, 5)  // distance 1
            left -= 258
        }
        for _ in 0..<left { code(0x30, 8) }
        code(0, 7)  // end of block
        if bits > 0 { put(0, 8 - bits) }
        return out
    }

    /// One zip entry: its name, method, stored bytes and uncompressed size; `sharing` makes a
    /// central record point at an earlier entry's local header instead of its own.
    struct Entry {
        var name: String
        var method = 0
        var data: [UInt8]
        var size: Int
        var sharing: Int? = nil
        var localMethod: Int? = nil
    }

    static func zip(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        var offsets: [Int] = []
        for entry in entries {
            if let shared = entry.sharing {
                offsets.append(offsets[shared])
                continue
            }
            offsets.append(out.count)
            let name = Array(entry.name.utf8)
            out +=
                [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0)
                + le16(entry.localMethod ?? entry.method)
                + le32(0) + le32(0) + le32(entry.data.count) + le32(entry.size)
                + le16(name.count) + le16(0) + name + entry.data
        }
        let directory = out.count
        for (entry, offset) in Swift.zip(entries, offsets) {
            let source = entry.sharing.map { entries[$0] } ?? entry
            let name = Array(source.name.utf8)
            out +=
                [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(source.method)
                + le32(0) + le32(0) + le32(source.data.count) + le32(source.size)
                + le16(name.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
                + le32(offset) + name
        }
        let size = out.count - directory
        out +=
            [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(entries.count)
            + le16(entries.count) + le32(size) + le32(directory) + le16(0)
        return out
    }

    /// (declared bytes, bytes the deflate stream really holds): an honest bomb, and one that
    /// declares 3.5 GiB but whose stream ends after 1 MiB: only the 48 bytes the tensor needs
    /// are ever inflated, so both read.
    @Test(
        "a storage declaring huge deflated zeros for a 4×3 tensor inflates only 48 bytes",
        arguments: [(256 << 20, 256 << 20), (3584 << 20, 1 << 20)])
    func honestBomb(declared: Int, actual: Int) throws {
        let bomb = Self.deflatedZeros(actual)
        #expect(bomb.count < 2 << 20)
        let pickle = Self.pickle(storageCount: declared / 4)
        let bytes = Self.zip([
            Entry(name: "archive/data.pkl", data: pickle, size: pickle.count),
            Entry(name: "archive/data/0", method: 8, data: bomb, size: declared),
        ])
        let checkpoint = try Checkpoint(bytes: bytes, path: "bomb.pth")
        let w = try #require(checkpoint.stateDict["w"])
        #expect(w.shape == [4, 3] && w.scalars == [Float](repeating: 0, count: 12))
    }

    @Test("64 central records pointing at one deflate stream are refused as overlapping")
    func overlappingEntries() throws {
        let size = 1 << 20
        let pickle = Self.pickle(storageCount: size / 4)
        var entries = [
            Entry(name: "archive/data.pkl", data: pickle, size: pickle.count),
            Entry(name: "archive/data/0", method: 8, data: Self.deflatedZeros(size), size: size),
        ]
        for _ in 0..<64 { entries.append(Entry(name: "", data: [], size: 0, sharing: 1)) }
        #expect {
            try Checkpoint(bytes: Self.zip(entries), path: "shared.pth")
        } throws: { error in
            "\(error)".contains("shared.pth") && "\(error)".contains("overlap")
        }
    }

    @Test("a local header that disagrees with the central directory is refused")
    func localHeaderMismatch() throws {
        let pickle = Self.pickle(storageCount: 12)
        let zeros = [UInt8](repeating: 0, count: 48)
        let bytes = Self.zip([
            Entry(name: "archive/data.pkl", data: pickle, size: pickle.count),
            Entry(name: "archive/data/0", method: 0, data: zeros, size: 48, localMethod: 8),
        ])
        #expect {
            try Checkpoint(bytes: bytes, path: "mismatch.pth")
        } throws: { error in
            "\(error)".contains("disagrees with the central directory (compression method)")
        }
        // The same archive with agreeing headers reads.
        let good = Self.zip([
            Entry(name: "archive/data.pkl", data: pickle, size: pickle.count),
            Entry(name: "archive/data/0", data: zeros, size: 48),
        ])
        #expect(try Checkpoint(bytes: good, path: "good.pth").stateDict["w"]?.shape == [4, 3])
    }
}
