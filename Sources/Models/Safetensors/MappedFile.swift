#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory mapping of a whole file (the owner of the mapping: `munmap` on deinit).
/// A final class because tensors read from one mapping share it.
final class MappedFile {
    let path: String
    let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// An in-memory copy of `data` standing in for a file named `path` (tests, fuzzing).
    init(copying data: [UInt8], path: String) {
        self.path = path
        mapped = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(data.count, 1), alignment: 16)
        data.withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<data.count])
    }

    /// Maps `path` read-only. An empty file maps to an empty buffer. Only regular files are
    /// read: the open does not block (`O_NONBLOCK`), so a FIFO or device named like a model
    /// is refused at once instead of waiting forever for a writer.
    init(path: String) throws {
        self.path = path
        mapped = true
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw ModelError(path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ModelError(path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError(path, "not a regular file (a FIFO, device or socket)")
        }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw ModelError(path, "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}
