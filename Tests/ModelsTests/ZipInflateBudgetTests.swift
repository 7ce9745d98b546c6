import Foundation
import Models
import TestSupport
import Testing

/// Issue 12 item 12, the total: the bytes inflated over all entries of a checkpoint are bounded
/// by what its tensors need (4 × their bytes + 64 MiB), so many small deflate streams that each
/// expand to megabytes cannot add up to gigabytes. The archives are built here.
@Suite("Checkpoint zip bombs: the inflate budget over all entries")
struct ZipInflateBudgetTests {
    typealias Entry = ZipBombTests.Entry

    /// One tensor of a state dict: Float32 `shape` at element `offset` of storage `storage`
    /// (declared with `storageCount` elements), contiguous.
    struct TensorRecord {
        var name: String
        var storage: String
        var storageCount: Int
        var offset: Int
        var shape: [Int]
    }

    /// A pickle (protocol 2) of `{name: tensor, …}` in order.
    static func pickle(_ tensors: [TensorRecord]) -> [UInt8] {
        let le32 = ZipBombTests.le32
        func text(_ s: String) -> [UInt8] { [0x58] + le32(s.utf8.count) + Array(s.utf8) }
        func global(_ module: String, _ name: String) -> [UInt8] {
            [0x63] + Array("\(module)\n\(name)\n".utf8)
        }
        func int(_ value: Int) -> [UInt8] { [0x4A] + le32(value) }
        func tuple(_ values: [Int]) -> [UInt8] { [0x28] + values.flatMap(int) + [0x74] }
        var p: [UInt8] = [0x80, 0x02, 0x7D]
        for tensor in tensors {
            var strides: [Int] = []
            var step = 1
            for dim in tensor.shape.reversed() {
                strides.insert(step, at: 0)
                step *= dim
            }
            p += text(tensor.name) + global("torch._utils", "_rebuild_tensor_v2")
            p += [0x28, 0x28] + text("storage") + global("torch", "FloatStorage")
            p += text(tensor.storage) + text("cpu") + int(tensor.storageCount) + [0x74, 0x51]
            p += int(tensor.offset) + tuple(tensor.shape) + tuple(strides) + [0x89]
            p += global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52, 0x73]
        }
        return p + [0x2E]
    }

    /// A raw deflate stream of `bytes` in stored blocks (no compression).
    static func deflateStored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        repeat {
            let count = min(65535, bytes.count - start)
            let final = start + count == bytes.count
            out.append(final ? 1 : 0)
            out += ZipBombTests.le16(count) + ZipBombTests.le16(count ^ 0xFFFF)
            out += bytes[start..<start + count]
            start += count
        } while start < bytes.count
        return out
    }

    static func archive(_ tensors: [TensorRecord], storages: [(String, [UInt8], Int)]) -> [UInt8] {
        let pickle = Self.pickle(tensors)
        var entries = [Entry(name: "archive/data.pkl", data: pickle, size: pickle.count)]
        for (key, data, size) in storages {
            entries.append(Entry(name: "archive/data/\(key)", method: 8, data: data, size: size))
        }
        return ZipBombTests.zip(entries)
    }

    @Test("40 entries of 8 MiB deflated zeros, one float read at the end of each: refused")
    func manySmallBombs() throws {
        let size = 8 << 20
        let zeros = ZipBombTests.deflatedZeros(size)
        let count = 40
        let tensors = (0..<count).map {
            TensorRecord(
                name: "w\($0)", storage: "\($0)", storageCount: size / 4, offset: size / 4 - 1,
                shape: [1])
        }
        let bytes = Self.archive(tensors, storages: (0..<count).map { ("\($0)", zeros, size) })
        // 40 × 8 MiB = 320 MiB would be inflated for 160 bytes of tensors.
        #expect(bytes.count < 3 << 20)
        #expect {
            try Checkpoint(bytes: bytes, path: "bombs.pth")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("bombs.pth: its deflated entries would inflate to more than ")
                && text.contains("refused as a zip bomb") && !text.contains("\n")
        }
    }

    @Test("a deflated pickle that expands past the margin is refused before inflating")
    func pickleBomb() throws {
        let size = 96 << 20
        let bytes = ZipBombTests.zip([
            Entry(
                name: "archive/data.pkl", method: 8, data: ZipBombTests.deflatedZeros(size),
                size: size)
        ])
        #expect {
            try Checkpoint(bytes: bytes, path: "pickle.pth")
        } throws: { error in
            "\(error)".contains("pickle.pth") && "\(error)".contains("archive/data.pkl")
                && "\(error)".contains("refused as a zip bomb")
        }
    }

    @Test("a re-zipped checkpoint reads: 40 deflated storages and 16 slices of a shared one")
    func honestDeflatedCheckpoint() throws {
        // 40 small tensors, each in its own deflated storage.
        var tensors: [TensorRecord] = []
        var storages: [(String, [UInt8], Int)] = []
        for index in 0..<40 {
            let values = (0..<12).map { Float(index * 100 + $0) }
            let raw = values.withUnsafeBytes { Array($0) }
            tensors.append(
                TensorRecord(
                    name: "small\(index)", storage: "s\(index)", storageCount: 12, offset: 0,
                    shape: [4, 3]))
            storages.append(("s\(index)", Self.deflateStored(raw), raw.count))
        }
        // One shared storage of 16 × 256 Ki floats (16 MiB), read as 16 slices in order: each
        // slice reaches further into it, so it is re-inflated as it grows, within the budget.
        // (Float bytes as stored: this machine is little-endian, as torch.save writes.)
        let slice = 1 << 18
        let shared = (0..<16 * slice).map { Float($0 % 9973) }
        let raw = shared.withUnsafeBytes { Array($0) }
        for part in 0..<16 {
            tensors.append(
                TensorRecord(
                    name: "part\(part)", storage: "shared", storageCount: 16 * slice,
                    offset: part * slice, shape: [slice]))
        }
        storages.append(("shared", Self.deflateStored(raw), raw.count))
        let checkpoint = try Checkpoint(
            bytes: Self.archive(tensors, storages: storages), path: "honest.pth")
        for index in 0..<40 {
            let tensor = try #require(checkpoint.stateDict["small\(index)"])
            #expect(tensor.scalars == (0..<12).map { Float(index * 100 + $0) })
        }
        for part in [0, 7, 15] {
            let tensor = try #require(checkpoint.stateDict["part\(part)"])
            #expect(tensor.shape == [slice])
            #expect(
                tensor.scalars.enumerated().allSatisfy {
                    $0.element == Float((part * slice + $0.offset) % 9973)
                })
        }
    }
}
