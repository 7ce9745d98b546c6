import Foundation
import Models
import Tensor
import TestSupport
import Testing

/// Builds a safetensors file by hand: header JSON plus raw data.
func rawSafetensors(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> Data {
    var out = Data()
    var length = (declaredLength ?? UInt64(header.utf8.count)).littleEndian
    out.append(Data(bytes: &length, count: 8))
    out.append(Data(header.utf8))
    out.append(contentsOf: data)
    return out
}

@Suite("safetensors read and write")
struct SafetensorsTests {
    @Test("write then read returns the same tensors, order and metadata; no temporary left")
    func roundTrip() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.safetensors")
        var g = SeededGenerator(seed: 7)
        let a = Tensor(shape: [3, 4], scalars: g.floats(12))
        let b = Tensor(shape: [5], scalars: g.floats(5))
        let s = Tensor(shape: [], scalars: [42])
        try SafetensorsWriter.write(
            [("z.a", a), ("b", b), ("scalar", s)],
            metadata: ["k": "v"], to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.names == ["z.a", "b", "scalar"])
        #expect(file.metadata == ["k": "v"])
        #expect(try file.tensor("z.a") == a)
        #expect(try file.tensor("b") == b)
        #expect(try file.tensor("scalar") == s)
        #expect(file.entry("b")?.dtype == .float32)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers == ["w.safetensors"])
        // Overwriting replaces the file atomically.
        try SafetensorsWriter.write([("only", b)], to: url)
        #expect(try SafetensorsFile(contentsOf: url).names == ["only"])
    }

    @Test("every dtype converts to Float32 exactly")
    func dtypes() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var data: [UInt8] = []
        var header: [String] = []
        func add(_ name: String, _ dtype: String, _ bytes: [UInt8], _ count: Int) {
            header.append(
                "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(count)],\"data_offsets\":[\(data.count),\(data.count + bytes.count)]}"
            )
            data += bytes
        }
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
            withUnsafeBytes(of: v.littleEndian) { Array($0) }
        }
        add("f64", "F64", le((-2.5).bitPattern) + le(1e-3.bitPattern), 2)
        add(
            "f16", "F16",
            le(UInt16(0x3C00)) + le(UInt16(0xC000)) + le(UInt16(0x0001)) + le(UInt16(0x7C00)), 4)
        add("bf16", "BF16", le(UInt16(0x3F80)) + le(UInt16(0xC0A0)), 2)
        add("i64", "I64", le(Int64(-7)) + le(Int64(123456)), 2)
        add("i32", "I32", le(Int32(-3)), 1)
        add("i16", "I16", le(Int16(-300)), 1)
        add("i8", "I8", [0xFF], 1)
        add("u8", "U8", [200], 1)
        add("bool", "BOOL", [1, 0], 2)
        let url = dir.appendingPathComponent("d.safetensors")
        try rawSafetensors(header: "{" + header.joined(separator: ",") + "}", data: data).write(
            to: url)
        let f = try SafetensorsFile(contentsOf: url)
        #expect(try f.tensor("f64").scalars == [-2.5, Float(1e-3)])
        let tiny = Float(sign: .plus, exponent: -24, significand: 1)
        let halves: [Float] = [1, -2, tiny, .infinity]
        #expect(try f.tensor("f16").scalars == halves)
        #expect(try f.tensor("bf16").scalars == [1, -5])
        #expect(try f.tensor("i64").scalars == [-7, 123456])
        #expect(try f.tensor("i32").scalars == [-3])
        #expect(try f.tensor("i16").scalars == [-300])
        #expect(try f.tensor("i8").scalars == [-1])
        #expect(try f.tensor("u8").scalars == [200])
        #expect(try f.tensor("bool").scalars == [1, 0])
    }

    @Test("half-precision conversion covers every exponent class")
    func half() {
        #expect(DType.halfToFloat(0x0000) == 0)
        #expect(DType.halfToFloat(0x8000).sign == .minus)
        #expect(DType.halfToFloat(0x7BFF) == 65504)
        #expect(
            DType.halfToFloat(0x03FF) == Float(1023)
                * Float(sign: .plus, exponent: -24, significand: 1))
        #expect(DType.halfToFloat(0x7E00).isNaN)
        #expect(DType.halfToFloat(0xFC00) == -.infinity)
        #expect(DType.halfToFloat(0x3555) == 0.333251953125)
    }

    @Test(
        "malformed files are refused with a message naming the problem",
        arguments: [
            ("short", "", "shorter than the 8-byte header length"),
            ("huge header", "{}#\(UInt64.max)", "exceeds the file size"),
            ("bad json", "{not json", "not valid JSON"),
            ("not object", "[1,2]", "not a JSON object"),
            (
                "unknown dtype", #"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#,
                "unsupported dtype C64"
            ),
            (
                "negative shape", #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
                "non-negative"
            ),
            (
                "size mismatch", #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                "data_offsets span 8"
            ),
            (
                "past end", #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
                "past the data section"
            ),
            (
                "reversed", #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#,
                "data_offsets is not"
            ),
            (
                "overlap",
                #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#,
                "overlap"
            ),
            (
                "overflow",
                #"{"a":{"dtype":"F64","shape":[1099511627776, 1099511627776, 16],"data_offsets":[0,8]}}"#,
                "too large"
            ),
            ("metadata", #"{"__metadata__":{"a":1}}"#, "not a string"),
        ])
    func malformed(label: String, header: String, expected: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.safetensors")
        let data: Data
        if label == "short" {
            data = Data([1, 2, 3])
        } else if label == "huge header" {
            data = rawSafetensors(header: "{}", data: [], declaredLength: UInt64.max)
        } else {
            data = rawSafetensors(header: header, data: [UInt8](repeating: 0, count: 8))
        }
        try data.write(to: url)
        do {
            _ = try SafetensorsFile(contentsOf: url)
            Issue.record("\(label): opened without error")
        } catch let error as ModelError {
            #expect(error.description.contains(expected), "\(label): \(error)")
            #expect(error.description.contains(url.path))
        }
    }
}
