internal import COpenBLAS
import Foundation
package import OutputFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// OpenBLAS's work buffers under a virtual-memory limit (`ulimit -v`, `ulimit -d`).
///
/// Each thread inside an OpenBLAS product takes a work buffer (128 MiB of address space with
/// Debian's OpenBLAS 0.3.21 on x86-64, untouched but for what the product uses) from a table of
/// slots; a slot's buffer is mapped the first time it is needed and
/// kept for the life of the process. When that mapping fails, OpenBLAS 0.3.21 retries it in an
/// endless loop (`blas_memory_alloc`): a run under a tight limit spins forever instead of
/// failing. ``reserve(callers:extraBytes:)`` prevents that before the first product: under a
/// finite limit it checks that the address space left holds a buffer for each thread that may
/// call OpenBLAS at once, plus `extraBytes` for the run, by mapping that much (untouched, so no
/// memory is used) and unmapping it; then it has OpenBLAS map those buffers at once, so later
/// products reuse them and never map again. Short of room it throws ``MemoryLimitError``
/// (exit 74) naming the limit. Without a limit it does nothing.
public enum BLASMemory {
    /// Address space one OpenBLAS buffer takes, with a margin: OpenBLAS 0.3.21 maps 128 MiB
    /// (`mmap` of 134217728 bytes seen in `blas_memory_alloc` under gdb).
    public static let bufferBytes = 129 << 20

    private static let lock = NSLock()
    nonisolated(unsafe) private static var reserved = 0

    /// - Parameters:
    ///   - callers: threads that may run OpenBLAS products at the same time.
    ///   - extraBytes: address space the run needs besides (model, batches, GDAL's cache).
    /// - Throws: ``MemoryLimitError`` when the limit leaves less than that.
    public static func reserve(callers: Int, extraBytes: Int) throws {
        guard let limit = VirtualMemoryLimit.current() else { return }
        lock.lock()
        defer { lock.unlock() }
        let buffers = max(0, callers - reserved)
        let needed = buffers * bufferBytes + max(0, extraBytes)
        guard VirtualMemoryLimit.canMap(needed) else {
            throw MemoryLimitError(
                limit: limit, inUse: VirtualMemoryLimit.addressSpaceInUse(),
                needed: needed, buffers: buffers)
        }
        guard buffers > 0 else { return }
        // Every buffer taken at once, then given back: OpenBLAS keeps them mapped.
        var taken: [UnsafeMutableRawPointer] = []
        for _ in 0..<buffers {
            guard let buffer = blas_memory_alloc(0) else { break }
            taken.append(buffer)
        }
        for buffer in taken { blas_memory_free(buffer) }
        reserved += taken.count
    }
}

/// The process's virtual-memory limits (`RLIMIT_AS`, and `RLIMIT_DATA`, which since Linux 4.7
/// also bounds private writable mappings).
public enum VirtualMemoryLimit {
    /// The smaller finite soft limit in bytes, with the resource's name, or `nil` when neither
    /// is set.
    public static func current() -> (bytes: Int, name: String)? {
        var best: (bytes: Int, name: String)?
        #if os(Linux)
            let resources: [(Int32, String)] = [
                (Int32(RLIMIT_AS.rawValue), "ulimit -v"),
                (Int32(RLIMIT_DATA.rawValue), "ulimit -d"),
            ]
        #else
            let resources: [(Int32, String)] = [
                (RLIMIT_AS, "ulimit -v"), (RLIMIT_DATA, "ulimit -d"),
            ]
        #endif
        for (resource, name) in resources {
            var value = rlimit()
            #if os(Linux)
                let status = getrlimit(__rlimit_resource_t(UInt32(resource)), &value)
            #else
                let status = getrlimit(resource, &value)
            #endif
            // RLIM_INFINITY is 2^64 − 1 on Linux, 2^63 − 1 on macOS: neither passes.
            guard status == 0, value.rlim_cur < rlim_t(Int.max) else { continue }
            let bytes = Int(value.rlim_cur)
            if best == nil || bytes < best!.bytes { best = (bytes, name) }
        }
        return best
    }

    /// Whether `bytes` more of private writable address space can be mapped now: maps them
    /// (`MAP_NORESERVE`, never touched, so no memory is used) and unmaps them.
    public static func canMap(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
        guard let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, flags, -1, 0),
            address != MAP_FAILED
        else { return false }
        munmap(address, bytes)
        return true
    }

    /// The address space this process maps now (`VmSize`), or `nil` where `/proc` is absent.
    public static func addressSpaceInUse() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmSize:") {
            let digits = line.dropFirst(7).trimmingCharacters(in: .whitespaces)
                .split(separator: " ").first
            return digits.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }
}

/// The virtual-memory limit leaves too little address space for the run (exit 74): one line
/// naming the limit, what is in use and what the run needs.
package struct MemoryLimitError: Error, CustomStringConvertible, ExitStatusProviding, Sendable {
    package let limit: (bytes: Int, name: String)
    package let inUse: Int?
    package let needed: Int
    package let buffers: Int

    package var exitStatus: ExitStatus { .ioError }

    package var description: String {
        let mib = { (bytes: Int) in "\((bytes + (1 << 20) - 1) >> 20) MiB" }
        let used = inUse.map { ", \(mib($0)) of it already in use" } ?? ""
        return "the virtual-memory limit (\(limit.name): \(limit.bytes / 1024) KiB = "
            + "\(mib(limit.bytes))\(used)) leaves too little for this run, which needs about "
            + "\(mib(needed)) more (\(buffers) OpenBLAS work buffer\(buffers == 1 ? "" : "s") "
            + "of \(mib(BLASMemory.bufferBytes)) and the model's working memory); raise the "
            + "limit (\(limit.name)) or run without it"
    }
}
