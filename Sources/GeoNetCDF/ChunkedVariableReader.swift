/// Reads hyperslabs of a compressed chunked variable by decoding its chunks on several threads:
/// each chunk's stored bytes are read under the netCDF lock (HDF5's direct chunk read), then
/// inflated and unshuffled outside it, and copied into the caller's buffer.
import Dispatch
import Synchronization

/// The parallel chunk reader of one variable of one file.
///
/// Gives the values netCDF-C's `nc_get_vara_float` / `nc_get_vara_double` give for the same
/// hyperslab (stored values converted exactly, no fill or packing applied: that stays with the
/// caller), or says that it cannot (a chunk of the slab was never written).
/// Not Sendable: one per ``CFForcing``; the threads of one read share it under its own rules.
final class ChunkedVariableReader {
    let dataset: HDF5Dataset
    let pipeline: ChunkFilterPipeline
    let element: StoredElement
    /// The variable's name, for messages.
    let name: String
    /// Bytes of one decoded chunk.
    let chunkBytes: Int
    /// Per-thread buffers and inflaters, kept between reads (no allocation per read).
    private var workers: [ChunkWorker] = []

    /// Why a variable is read by netCDF-C instead (``CFForcing/chunkDecoding(for:)``).
    enum Unsupported: Error, Equatable {
        case classicFormat, notFound, contiguous, notCompressed
        case filter(Int32)
        case elementType, extent
    }

    init(dataset: HDF5Dataset, variable: NetCDFVariable) throws(Unsupported) {
        guard let element = dataset.element, element.netCDFType == variable.type else {
            throw .elementType
        }
        guard dataset.shape == variable.shape, dataset.chunkShape.count == variable.shape.count
        else { throw .extent }
        guard !dataset.filters.isEmpty else { throw .notCompressed }
        guard let pipeline = ChunkFilterPipeline(dataset.filters, elementSize: element.size)
        else {
            let unknown = dataset.filters.first { $0.id != 1 && $0.id != 2 }
            throw .filter(unknown?.id ?? 0)
        }
        self.dataset = dataset
        self.pipeline = pipeline
        self.element = element
        self.name = variable.name
        self.chunkBytes = dataset.chunkShape.reduce(element.size, *)
    }

    /// Fills `output` with the hyperslab `start`/`count` (last dimension fastest) as Float32;
    /// only for float variables.
    /// - Returns: `false` (and `output` undefined) when a chunk of the slab was never written.
    func readFloats(
        start: [Int], count: [Int], into output: UnsafeMutablePointer<Float>, tasks: Int
    ) throws(NetCDFError) -> Bool {
        precondition(element == .float32, "Float32 reads are for float variables")
        return try read(start: start, count: count, into: output, tasks: tasks)
    }

    /// Fills `output` with the hyperslab `start`/`count` (last dimension fastest), each stored
    /// value converted exactly to Double.
    /// - Returns: `false` (and `output` undefined) when a chunk of the slab was never written.
    func readDoubles(
        start: [Int], count: [Int], into output: UnsafeMutablePointer<Double>, tasks: Int
    ) throws(NetCDFError) -> Bool {
        try read(start: start, count: count, into: output, tasks: tasks)
    }

    private func read<Target: ChunkTarget>(
        start: [Int], count: [Int], into output: UnsafeMutablePointer<Target>, tasks: Int
    ) throws(NetCDFError) -> Bool {
        let rank = count.count
        guard count.allSatisfy({ $0 > 0 }) else { return true }
        let shape = dataset.chunkShape
        // Chunk grid coordinates of the slab's corners, per dimension.
        let first = (0..<rank).map { start[$0] / shape[$0] }
        let last = (0..<rank).map { (start[$0] + count[$0] - 1) / shape[$0] }
        var origins: [[Int]] = []
        var index = first
        while true {
            origins.append((0..<rank).map { index[$0] * shape[$0] })
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if index[d] <= last[d] { break }
                index[d] = first[d]
                d -= 1
            }
            if d < 0 { break }
        }
        let threads = max(1, min(tasks, origins.count))
        while workers.count < threads { workers.append(ChunkWorker(chunkBytes: chunkBytes)) }
        let job = ChunkJob(
            reader: self, origins: origins, start: start, count: count,
            output: UnsafeMutableRawPointer(output), workers: workers)
        if threads == 1 {
            job.work(0, as: Target.self)
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                job.work(t, as: Target.self)
            }
        }
        return try job.outcome()
    }

    /// Decodes the chunk at `origin` and copies its share of the slab into `output`.
    /// - Returns: `false` when the chunk was never written.
    fileprivate func decode<Target: ChunkTarget>(
        _ origin: [Int], start: [Int], count: [Int], output: UnsafeMutablePointer<Target>,
        worker: ChunkWorker
    ) throws(NetCDFError) -> Bool {
        let key = origin.map { UInt64($0) }
        let path = dataset.file.path
        // Under the lock: where the chunk is and its stored bytes (two short HDF5 calls).
        guard let stored = try dataset.storedSize(at: key) else { return false }
        worker.reserveStored(stored)
        let mask = try dataset.readRaw(at: key, into: worker.stored)
        // Outside it: inflate and unshuffle, straight into the output when the chunk is one
        // contiguous run of it.
        let rank = origin.count
        let extent = dataset.shape
        var lo = [Int](repeating: 0, count: rank)
        var hi = [Int](repeating: 0, count: rank)
        for d in 0..<rank {
            lo[d] = max(start[d], origin[d])
            hi[d] = min(start[d] + count[d], origin[d] + dataset.chunkShape[d], extent[d])
        }
        var outStrides = [Int](repeating: 1, count: rank)
        var chunkStrides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) {
            outStrides[d] = outStrides[d + 1] * count[d + 1]
            chunkStrides[d] = chunkStrides[d + 1] * dataset.chunkShape[d + 1]
        }
        var outBase = 0
        for d in 0..<rank { outBase += (lo[d] - start[d]) * outStrides[d] }
        // The chunk is one run of the output when it lies inside the slab and spans the slab's
        // full extent in every dimension after the first.
        var whole = Target.isStoredFloat32 && element == .float32
        for d in 0..<rank where whole {
            let length = hi[d] - lo[d]
            whole = length == dataset.chunkShape[d] && (d == 0 || count[d] == length)
        }
        let target = whole ? UnsafeMutableRawPointer(output + outBase) : worker.decoded
        do throws(ChunkFilterPipeline.Failure) {
            try pipeline.decode(
                UnsafeRawBufferPointer(start: worker.stored, count: stored), mask: mask,
                chunkBytes: chunkBytes, into: target, scratch: worker.scratch,
                inflater: worker.inflater)
        } catch {
            throw .convention(
                path,
                "the chunk of '\(name)' at \(origin) cannot be decoded (\(error)); the file is "
                    + "damaged")
        }
        if whole { return true }
        // Copy runs along the last dimension, converting the stored type.
        let run = hi[rank - 1] - lo[rank - 1]
        var position = lo
        while true {
            var from = 0
            var to = 0
            for d in 0..<rank {
                from += (position[d] - origin[d]) * chunkStrides[d]
                to += (position[d] - start[d]) * outStrides[d]
            }
            Target.convert(
                element, from: worker.decoded, offset: from, count: run, into: output + to)
            var d = rank - 2
            while d >= 0 {
                position[d] += 1
                if position[d] < hi[d] { break }
                position[d] = lo[d]
                d -= 1
            }
            if d < 0 { break }
        }
        return true
    }
}

/// One read's chunks, handed out to the threads in order; the first failure stops them.
private final class ChunkJob: @unchecked Sendable {
    let reader: ChunkedVariableReader
    let origins: [[Int]]
    let start: [Int]
    let count: [Int]
    let output: UnsafeMutableRawPointer
    let workers: [ChunkWorker]
    let next = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    let failure = Mutex<NetCDFError?>(nil)
    let unwritten = Atomic<Bool>(false)

    init(
        reader: ChunkedVariableReader, origins: [[Int]], start: [Int], count: [Int],
        output: UnsafeMutableRawPointer, workers: [ChunkWorker]
    ) {
        self.reader = reader
        self.origins = origins
        self.start = start
        self.count = count
        self.output = output
        self.workers = workers
    }

    /// Thread `t`'s loop: takes the next chunk until none is left or one failed.
    func work<Target: ChunkTarget>(_ t: Int, as _: Target.Type) {
        let target = output.assumingMemoryBound(to: Target.self)
        while !stop.load(ordering: .relaxed) {
            let i = next.add(1, ordering: .relaxed).oldValue
            guard i < origins.count else { return }
            do throws(NetCDFError) {
                let written = try reader.decode(
                    origins[i], start: start, count: count, output: target, worker: workers[t])
                if !written {
                    unwritten.store(true, ordering: .relaxed)
                    stop.store(true, ordering: .relaxed)
                }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
                stop.store(true, ordering: .relaxed)
            }
        }
    }

    /// Rethrows the first failure; `false` when a chunk was never written.
    func outcome() throws(NetCDFError) -> Bool {
        if let error = failure.withLock({ $0 }) { throw error }
        return !unwritten.load(ordering: .relaxed)
    }
}

/// One thread's buffers: the stored bytes, the decoded chunk and a scratch for the filter
/// before the last, plus its inflater. Grown when a chunk is larger, never shrunk.
final class ChunkWorker: @unchecked Sendable {
    private(set) var stored: UnsafeMutableRawPointer
    private var storedCapacity: Int
    let decoded: UnsafeMutableRawPointer
    let scratch: UnsafeMutableRawPointer
    let inflater = DeflateDecompressor()

    init(chunkBytes: Int) {
        storedCapacity = chunkBytes + chunkBytes / 8 + 64
        stored = .allocate(byteCount: storedCapacity, alignment: 64)
        decoded = .allocate(byteCount: max(chunkBytes, 1), alignment: 64)
        scratch = .allocate(byteCount: max(chunkBytes, 1), alignment: 64)
    }

    deinit {
        stored.deallocate()
        decoded.deallocate()
        scratch.deallocate()
    }

    /// Makes room for `bytes` stored bytes.
    func reserveStored(_ bytes: Int) {
        guard bytes > storedCapacity else { return }
        stored.deallocate()
        storedCapacity = bytes
        stored = .allocate(byteCount: bytes, alignment: 64)
    }
}

/// A destination type of chunk reads: converts runs of stored elements exactly.
protocol ChunkTarget: SendableMetatype {
    /// Whether the type is Float32 (chunks of a float variable then decode in place).
    static var isStoredFloat32: Bool { get }

    /// Converts `count` elements of type `element` at element offset `offset` of `chunk`.
    static func convert(
        _ element: StoredElement, from chunk: UnsafeRawPointer, offset: Int, count: Int,
        into target: UnsafeMutablePointer<Self>)
}

extension Float: ChunkTarget {
    static var isStoredFloat32: Bool { true }

    static func convert(
        _ element: StoredElement, from chunk: UnsafeRawPointer, offset: Int, count: Int,
        into target: UnsafeMutablePointer<Float>
    ) {
        // Only float variables are read as Float32 (no conversion).
        target.update(
            from: chunk.assumingMemoryBound(to: Float.self) + offset, count: count)
    }
}

extension Double: ChunkTarget {
    static var isStoredFloat32: Bool { false }

    static func convert(
        _ element: StoredElement, from chunk: UnsafeRawPointer, offset: Int, count: Int,
        into target: UnsafeMutablePointer<Double>
    ) {
        func widen<Stored>(_: Stored.Type, _ convert: (Stored) -> Double) {
            let source = chunk.assumingMemoryBound(to: Stored.self) + offset
            for i in 0..<count { target[i] = convert(source[i]) }
        }
        switch element {
        case .int8: widen(Int8.self) { Double($0) }
        case .uint8: widen(UInt8.self) { Double($0) }
        case .int16: widen(Int16.self) { Double($0) }
        case .uint16: widen(UInt16.self) { Double($0) }
        case .int32: widen(Int32.self) { Double($0) }
        case .uint32: widen(UInt32.self) { Double($0) }
        case .float32: widen(Float.self) { Double($0) }
        case .float64:
            target.update(from: chunk.assumingMemoryBound(to: Double.self) + offset, count: count)
        }
    }
}
