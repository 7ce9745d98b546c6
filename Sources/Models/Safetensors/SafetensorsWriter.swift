package import Foundation
package import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes safetensors files (Float32 tensors plus a `__metadata__` string map), atomically:
/// the bytes go to a temporary file in the destination's directory, which is then renamed over
/// the destination, so a failure never leaves a partial file under the final name.
package enum SafetensorsWriter {
    /// Writes `tensors` (in this order, names unique) and `metadata` to `url`.
    /// - Throws: ``ModelError`` for duplicate or empty names, or when the file cannot be written.
    package static func write(
        _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL
    ) throws {
        var header: [String: Any] = [:]
        var offset = 0
        var seen = Set<String>()
        for (name, tensor) in tensors {
            guard !name.isEmpty, name != "__metadata__", seen.insert(name).inserted else {
                throw ModelError(url.path, "invalid or duplicate tensor name '\(name)'")
            }
            let size = tensor.count * 4
            header[name] =
                [
                    "dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size],
                ] as [String: Any]
            offset += size
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data section starts 8-byte aligned (allowed by the format).
        while (headerData.count + 8) % 8 != 0 { headerData.append(0x20) }

        try writeAtomically(to: url) { handle in
            var length = UInt64(headerData.count).littleEndian
            handle.write(Data(bytes: &length, count: 8))
            handle.write(headerData)
            for (_, tensor) in tensors {
                tensor.withUnsafeBufferPointer { buffer in
                    #if _endian(big)
                        let swapped = buffer.map { $0.bitPattern.byteSwapped }
                        swapped.withUnsafeBytes { handle.write(Data($0)) }
                    #else
                        handle.write(Data(buffer: buffer))
                    #endif
                }
            }
        }
    }
}

/// Runs `body` on a fresh temporary file beside `url`, then renames it to `url`. The temporary
/// file is removed if `body` throws.
func writeAtomically(to url: URL, _ body: (FileHandle) throws -> Void) throws {
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(
        ".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
        throw ModelError(url.path, "cannot create a file in \(directory.path)")
    }
    do {
        let handle = try FileHandle(forWritingTo: temporary)
        do {
            try body(handle)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        try atomicRename(temporary, to: url)
    } catch let error as ModelError {
        try? FileManager.default.removeItem(at: temporary)
        throw error
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw ModelError(url.path, "cannot write: \(error.localizedDescription)")
    }
}

/// Renames `source` over `destination` with POSIX `rename(2)` (atomic within one file system,
/// replacing an existing destination).
func atomicRename(_ source: URL, to destination: URL) throws {
    guard rename(source.path, destination.path) == 0 else {
        throw ModelError(
            destination.path, "cannot rename into place: \(String(cString: strerror(errno)))")
    }
}
