/// Undoing HDF5's filters on a chunk's stored bytes: DEFLATE (with libdeflate) and shuffle.
internal import CDeflate

/// The filters of a chunked variable that geomap undoes itself, in the order HDF5 applied them
/// when writing (decoding runs them backwards). Only DEFLATE (HDF5 filter 1) and shuffle (2);
/// any other filter (fletcher32, szip, zstd, bzip2, …) leaves the variable to netCDF-C.
struct ChunkFilterPipeline: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        /// A zlib stream (HDF5's deflate filter writes zlib format).
        case deflate
        /// Byte planes of `elementSize`-byte elements.
        case shuffle(elementSize: Int)
    }

    let steps: [Step]

    /// The pipeline for `filters`, or `nil` when one of them is not decoded by geomap.
    init?(_ filters: [HDF5Dataset.Filter], elementSize: Int) {
        var steps: [Step] = []
        for filter in filters {
            switch filter.id {
            case 1: steps.append(.deflate)
            case 2:
                let size = filter.parameters.first.map(Int.init) ?? elementSize
                steps.append(.shuffle(elementSize: size > 0 ? size : elementSize))
            default: return nil
            }
        }
        self.steps = steps
    }

    init(steps: [Step]) { self.steps = steps }

    /// Why a chunk could not be decoded.
    enum Failure: Error, Equatable {
        /// libdeflate's result code (1 bad data, 2 short output, 3 insufficient space).
        case inflate(Int32)
        /// The decoded chunk is not `expected` bytes long.
        case size(decoded: Int, expected: Int)
    }

    /// Decodes `stored` (the chunk's bytes as written, after the filters not skipped in `mask`)
    /// into `target`, which receives exactly `chunkBytes` bytes.
    ///
    /// - Parameters:
    ///   - mask: the chunk's filter mask; bit `i` set means step `i` was not applied.
    ///   - scratch: a buffer of at least `chunkBytes` bytes for intermediate results.
    /// - Throws: ``Failure`` when the stream is corrupt or decodes to another size.
    func decode(
        _ stored: UnsafeRawBufferPointer, mask: UInt32, chunkBytes: Int,
        into target: UnsafeMutableRawPointer, scratch: UnsafeMutableRawPointer,
        inflater: DeflateDecompressor
    ) throws(Failure) {
        let active = steps.indices.reversed().filter { mask & (1 << UInt32($0)) == 0 }
        guard !active.isEmpty else {
            guard stored.count == chunkBytes else {
                throw .size(decoded: stored.count, expected: chunkBytes)
            }
            target.copyMemory(from: stored.baseAddress!, byteCount: chunkBytes)
            return
        }
        var source = stored
        for (position, index) in active.enumerated() {
            // The last step writes the target; earlier ones alternate so that the one before
            // the last writes `scratch`.
            let stepsLeft = active.count - 1 - position
            let output = stepsLeft % 2 == 0 ? target : scratch
            switch steps[index] {
            case .deflate:
                let size = try inflater.inflate(source, into: output, capacity: chunkBytes)
                guard size == chunkBytes else { throw .size(decoded: size, expected: chunkBytes) }
            case .shuffle(let elementSize):
                guard source.count == chunkBytes else {
                    throw .size(decoded: source.count, expected: chunkBytes)
                }
                unshuffle(source, elementSize: elementSize, into: output)
            }
            source = UnsafeRawBufferPointer(start: output, count: chunkBytes)
        }
    }
}

/// Undoes HDF5's shuffle: `n` elements of `size` bytes stored as `size` planes of `n` bytes
/// (all first bytes, then all second bytes, …); trailing bytes past `n · size` are kept as is.
func unshuffle(
    _ source: UnsafeRawBufferPointer, elementSize size: Int, into output: UnsafeMutableRawPointer
) {
    let bytes = source.count
    let from = source.baseAddress!.assumingMemoryBound(to: UInt8.self)
    let to = output.assumingMemoryBound(to: UInt8.self)
    guard size > 1 else {
        output.copyMemory(from: source.baseAddress!, byteCount: bytes)
        return
    }
    let n = bytes / size
    switch size {
    case 4:
        let words = output.assumingMemoryBound(to: UInt32.self)
        let p0 = from
        let p1 = from + n
        let p2 = from + 2 * n
        let p3 = from + 3 * n
        for i in 0..<n {
            words[i] =
                UInt32(p0[i]) | UInt32(p1[i]) << 8 | UInt32(p2[i]) << 16 | UInt32(p3[i]) << 24
        }
    case 2:
        let halves = output.assumingMemoryBound(to: UInt16.self)
        let p1 = from + n
        for i in 0..<n { halves[i] = UInt16(from[i]) | UInt16(p1[i]) << 8 }
    default:
        for b in 0..<size {
            let plane = from + b * n
            for i in 0..<n { to[i * size + b] = plane[i] }
        }
    }
    for i in (n * size)..<bytes { to[i] = from[i] }
}

/// A libdeflate decompressor: the single owner of its handle. One per thread.
final class DeflateDecompressor {
    private let handle: OpaquePointer

    init() {
        guard let handle = libdeflate_alloc_decompressor() else {
            fatalError("libdeflate_alloc_decompressor: out of memory")
        }
        self.handle = handle
    }

    deinit { libdeflate_free_decompressor(handle) }

    /// Inflates the zlib stream `source` into `output` (room for `capacity` bytes).
    /// - Returns: the number of bytes written.
    /// - Throws: ``ChunkFilterPipeline/Failure/inflate(_:)`` for a corrupt or oversized stream.
    func inflate(
        _ source: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer, capacity: Int
    ) throws(ChunkFilterPipeline.Failure) -> Int {
        var written = 0
        let result = libdeflate_zlib_decompress(
            handle, source.baseAddress, source.count, output, capacity, &written)
        guard result == LIBDEFLATE_SUCCESS else { throw .inflate(Int32(result.rawValue)) }
        return written
    }
}
