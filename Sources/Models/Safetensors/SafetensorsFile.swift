package import Foundation
package import Tensor

/// One tensor entry of a safetensors header.
package struct TensorEntry: Sendable, Equatable {
    /// The tensor's name.
    package let name: String
    /// Its stored element type.
    package let dtype: DType
    /// Its shape (outermost first).
    package let shape: [Int]
    /// Byte range inside the data section (after the header).
    package let byteRange: Range<Int>

    /// Number of elements.
    package var count: Int { shape.reduce(1, *) }
}

/// A safetensors file, memory-mapped and validated on open.
///
/// Layout (huggingface safetensors): 8-byte little-endian header length `N`, then `N` bytes of
/// UTF-8 JSON `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …,
/// "__metadata__": {"key": "string", …}}`, then the data section; offsets are relative to it.
///
/// Opening checks: the header length fits the file (and at most 100 MiB), the JSON is an
/// object of such entries, every dtype is known, shapes are non-negative, each byte range has
/// exactly `count · dtype.size` bytes, lies inside the file, and no two ranges overlap.
/// Any failure throws a ``ModelError`` naming the file and the tensor.
package final class SafetensorsFile {
    /// The file's path.
    package let path: String
    /// The tensors, in the order of their data offsets.
    package let entries: [TensorEntry]
    /// The `__metadata__` string map (empty when absent).
    package let metadata: [String: String]
    private let index: [String: Int]
    private let file: MappedFile
    private let dataStart: Int

    /// The largest header geomap accepts (100 MiB), a bound against hostile files.
    package static let maximumHeaderLength = 100 << 20

    /// Opens and validates `url` (memory-mapped; tensor data is read only when asked for).
    package convenience init(contentsOf url: URL) throws {
        try self.init(path: url.path)
    }

    /// Opens and validates the file at `path`.
    package convenience init(path: String) throws {
        try self.init(file: try MappedFile(path: path))
    }

    /// Parses safetensors bytes held in memory; `path` names them in errors.
    package convenience init(bytes: [UInt8], path: String) throws {
        try self.init(file: MappedFile(copying: bytes, path: path))
    }

    init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        self.file = file
        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw ModelError(
                path,
                "not a safetensors file: \(bytes.count) bytes, shorter than the 8-byte header length"
            )
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(Self.maximumHeaderLength),
            Int(headerLength) <= bytes.count - 8
        else {
            throw ModelError(
                path,
                "not a safetensors file: header length \(headerLength) exceeds the file size \(bytes.count)"
            )
        }
        dataStart = 8 + Int(headerLength)
        let headerData = Data(bytes[8..<dataStart])
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerData)
        } catch {
            throw ModelError(path, "safetensors header is not valid JSON")
        }
        guard let object = json as? [String: Any] else {
            throw ModelError(path, "safetensors header is not a JSON object")
        }
        let dataSize = bytes.count - dataStart
        var entries: [TensorEntry] = []
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw ModelError(path, "__metadata__ is not a JSON object")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw ModelError(path, "__metadata__ value of \(key) is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try Self.parseEntry(name, value, dataSize: dataSize, path: path))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.name) < ($1.byteRange.lowerBound, $1.name) }
        for (a, b) in zip(entries, entries.dropFirst())
        where a.byteRange.upperBound > b.byteRange.lowerBound && !a.byteRange.isEmpty
            && !b.byteRange.isEmpty
        {
            throw ModelError(path, "tensors \(a.name) and \(b.name) overlap in the data section")
        }
        self.entries = entries
        self.metadata = metadata
        self.index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    private static func parseEntry(_ name: String, _ value: Any, dataSize: Int, path: String)
        throws -> TensorEntry
    {
        guard let info = value as? [String: Any] else {
            throw ModelError(path, "tensor \(name): header entry is not an object")
        }
        guard let dtypeName = info["dtype"] as? String else {
            throw ModelError(path, "tensor \(name): missing dtype")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw ModelError(path, "tensor \(name): unsupported dtype \(dtypeName)")
        }
        guard let shapeValues = info["shape"] as? [Any],
            let shape = integers(shapeValues), shape.allSatisfy({ $0 >= 0 }), shape.count <= 16
        else {
            throw ModelError(path, "tensor \(name): shape is not a list of non-negative integers")
        }
        guard let offsetValues = info["data_offsets"] as? [Any],
            let offsets = integers(offsetValues), offsets.count == 2,
            offsets[0] >= 0, offsets[0] <= offsets[1]
        else {
            throw ModelError(path, "tensor \(name): data_offsets is not [begin, end]")
        }
        guard offsets[1] <= dataSize else {
            throw ModelError(
                path,
                "tensor \(name): data ends at byte \(offsets[1]) past the data section (\(dataSize) bytes)"
            )
        }
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw ModelError(path, "tensor \(name): shape \(shape) is too large")
            }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes == offsets[1] - offsets[0] else {
            throw ModelError(
                path,
                "tensor \(name): shape \(shape) of \(dtype.rawValue) needs \(overflow ? "too many" : String(bytes)) bytes but data_offsets span \(offsets[1] - offsets[0])"
            )
        }
        return TensorEntry(
            name: name, dtype: dtype, shape: shape, byteRange: offsets[0]..<offsets[1])
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard let number = value as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double == double.rounded(), abs(double) < 9e15 else { return nil }
            result.append(number.intValue)
        }
        return result
    }

    /// The tensor names in data order.
    package var names: [String] { entries.map(\.name) }

    /// The entry named `name`, or `nil`.
    package func entry(_ name: String) -> TensorEntry? { index[name].map { entries[$0] } }

    /// The tensor named `name`, converted to Float32.
    /// - Throws: ``ModelError`` when there is no such tensor.
    package func tensor(_ name: String) throws -> Tensor {
        guard let entry = entry(name) else {
            throw ModelError(path, "no tensor named \(name)")
        }
        return tensor(entry)
    }

    /// The tensor of `entry` (an entry of this file), converted to Float32.
    package func tensor(_ entry: TensorEntry) -> Tensor {
        Tensor(shape: entry.shape) { buffer in
            guard let destination = buffer.baseAddress, let base = file.bytes.baseAddress else {
                return
            }
            entry.dtype.convert(
                base + dataStart + entry.byteRange.lowerBound, count: entry.count,
                into: destination)
        }
    }

    /// Every tensor, in data order, converted to Float32.
    package func allTensors() -> [(name: String, tensor: Tensor)] {
        entries.map { ($0.name, tensor($0)) }
    }
}
