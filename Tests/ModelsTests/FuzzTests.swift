import Foundation
import Models
import TestSupport
import Testing

/// Randomised robustness test of the checkpoint readers (zip, inflate, unpickler, tensor
/// rebuild, safetensors): mutations of the valid fixtures must either read or fail with a
/// ``ModelError`` — never crash, hang or allocate without bound. Fixed seed, bounded iterations
/// (a few seconds); set GEOMAP_FUZZ_ITERATIONS for a longer run. Crashers found are kept below as
/// regression cases.
@Suite("Checkpoint reader fuzzing")
struct FuzzTests {
    static let sources = [
        "state_dict_f32.pth", "training_checkpoint.pth", "noncontiguous.pth",
        "state_dict_deflated.pth", "dataparallel.pth", "weights.safetensors",
    ]

    /// The byte range of the first zip entry's data (torch.save writes data.pkl first).
    static func firstEntryRange(_ bytes: [UInt8]) -> Range<Int>? {
        guard bytes.count > 30, bytes[0] == 0x50, bytes[1] == 0x4B else { return nil }
        let size =
            Int(bytes[18]) | Int(bytes[19]) << 8 | Int(bytes[20]) << 16 | Int(bytes[21]) << 24
        let start =
            30 + (Int(bytes[26]) | Int(bytes[27]) << 8) + (Int(bytes[28]) | Int(bytes[29]) << 8)
        guard size > 0, start + size <= bytes.count else { return nil }
        return start..<start + size
    }

    static func mutate(_ input: [UInt8], using g: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        let focus = firstEntryRange(bytes)
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            guard !bytes.isEmpty else { break }
            // Half the mutations target the pickle stream itself (stored, so in place).
            let range =
                (focus != nil && Bool.random(using: &g) && focus!.upperBound <= bytes.count)
                ? focus! : 0..<bytes.count
            let i = Int.random(in: range, using: &g)
            switch Int.random(in: 0..<7, using: &g) {
            case 0: bytes[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &g))
            case 1:
                bytes[i] =
                    [0x00, 0xFF, 0x7F, 0x80, 0x28, 0x2E, 0x71, 0x68][
                        Int.random(in: 0..<8, using: &g)]
            case 2: bytes[i] = UInt8.random(in: 0...255, using: &g)
            case 3: bytes.removeSubrange(i...)
            case 4:
                let n = Int.random(in: 1...16, using: &g)
                bytes.insert(
                    contentsOf: (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }, at: i)
            case 5:
                let n = min(Int.random(in: 1...64, using: &g), bytes.count - i)
                bytes.removeSubrange(i..<i + n)
            default:
                let n = min(Int.random(in: 1...32, using: &g), bytes.count - i)
                let chunk = Array(bytes[i..<i + n])
                bytes.insert(contentsOf: chunk, at: Int.random(in: 0...bytes.count, using: &g))
            }
        }
        return bytes
    }

    @Test("mutated fixtures read or fail with a ModelError (fixed seed, bounded)")
    func fuzz() throws {
        let directory = ExpectedFixtures.directory
        let inputs = try Self.sources.map {
            [UInt8](try Data(contentsOf: directory.appendingPathComponent($0)))
        }
        let iterations =
            ProcessInfo.processInfo.environment["GEOMAP_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 1500
        var g = SeededGenerator(seed: 20_261_122)
        var (read, refused) = (0, 0)
        for iteration in 0..<iterations {
            let source = Int.random(in: 0..<inputs.count, using: &g)
            let mutated = Self.mutate(inputs[source], using: &g)
            do {
                _ = try Checkpoint(bytes: mutated, path: "fuzz-\(iteration)")
                read += 1
            } catch let error as ModelError {
                #expect(!error.message.isEmpty && !error.description.contains("\n"))
                refused += 1
            } catch {
                Issue.record("iteration \(iteration): non-ModelError \(error)")
            }
        }
        #expect(read + refused == iterations)
        #expect(refused > iterations / 4, "the mutations should break most files")
    }

    /// Crashers and near-misses found while fuzzing, kept as regressions.
    @Test(
        "regressions: hand-made pickles at the edges",
        arguments: [
            // LONG1 with a 9-byte integer.
            ([0x80, 0x02, 0x8A, 0x09] + [UInt8](repeating: 0xFF, count: 9) + [0x2E], "too large"),
            // BINUNICODE declaring 4 GiB.
            ([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E], "exceeds the remaining"),
            // BINGET of a memo slot never written.
            ([0x80, 0x02, 0x68, 0x05, 0x2E], "memo entry 5 is missing"),
            // SETITEMS without MARK.
            ([0x80, 0x02, 0x7D, 0x75, 0x2E], "no MARK"),
            // STOP on an empty stack.
            ([0x80, 0x02, 0x2E], "stack underflow"),
            // A list holding 20 references to itself (a cycle through the memo).
            (
                [0x80, 0x02, 0x5D, 0x71, 0x00, 0x28]
                    + Array([[UInt8]](repeating: [0x68, 0x00], count: 20).joined())
                    + [0x65, 0x2E], "nesting deeper than"
            ),
            // DUP of a MARK, then APPENDS onto the mark: refused, not a crash.
            ([0x80, 0x02, 0x5D, 0x28, 0x32, 0x65, 0x2E], ""),
            // Unknown opcode.
            ([0x80, 0x02, 0xFE, 0x2E], "opcode 0xfe"),
            // Protocol 6.
            ([0x80, 0x06, 0x4E, 0x2E], "protocol 6"),
        ] as [([UInt8], String)])
    func regressions(pickle: [UInt8], message: String) throws {
        let bytes = try Self.zip(pickle)
        do {
            let checkpoint = try Checkpoint(bytes: bytes, path: "regression")
            #expect(message.isEmpty, "accepted: \(String(describing: checkpoint.root?.kind))")
        } catch let error as ModelError {
            #expect(message.isEmpty || error.description.contains(message), "\(error)")
        }
    }

    @Test("exponential sharing is refused by the value budget")
    func exponentialSharing() throws {
        // t = (); repeat 60×: t = (t, t) via BINPUT/BINGET — 2^60 nodes if expanded naively.
        var pickle: [UInt8] = [0x80, 0x02, 0x29]
        for _ in 0..<60 { pickle += [0x71, 0x00, 0x68, 0x00, 0x86] }
        pickle += [0x2E]
        let bytes = try Self.zip(pickle)
        #expect { try Checkpoint(bytes: bytes, path: "sharing") } throws: {
            "\($0)".contains("too many values")
        }
    }

    /// A stored zip holding `pickle` as `archive/data.pkl`, built with the system `zip`-free
    /// writer below (local header, central directory, end record).
    static func zip(_ pickle: [UInt8]) throws -> [UInt8] {
        let name = Array("archive/data.pkl".utf8)
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        var out: [UInt8] =
            [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le32(0)
            + le32(0) + le32(pickle.count) + le32(pickle.count) + le16(name.count) + le16(0)
        out += name + pickle
        let directory = out.count
        out +=
            [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(0) + le32(0)
            + le32(0) + le32(pickle.count) + le32(pickle.count) + le16(name.count) + le16(0)
            + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + name
        let size = out.count - directory
        out +=
            [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(1) + le16(1) + le32(size)
            + le32(directory) + le16(0)
        return out
    }
}
