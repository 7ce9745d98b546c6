import Foundation

/// Reads slab i + 1 on a second thread while the calling thread consumes slab i: reading
/// (decompression in netCDF-C) and aggregation overlap on two cores. Two buffers, so memory
/// stays at two slabs.
enum SlabPipeline {
    /// Runs `read` for slabs `0..<count` in order on a helper thread and `consume` for each on
    /// the calling thread, in order.
    ///
    /// `read` runs on the helper thread, one call at a time; whatever it uses must not be
    /// touched by the caller until `run` returns (it returns only after the helper is done).
    /// The first error of either side stops both and is rethrown.
    /// - Parameters:
    ///   - capacity: values per buffer (the largest slab).
    ///   - read: fills the buffer with slab `i` and returns what `consume` needs with it.
    ///   - consume: uses slab `i`; the buffer is reused once it returns.
    static func run<Info>(
        count: Int, capacity: Int,
        read: @escaping (Int, UnsafeMutableBufferPointer<Float>) throws -> Info,
        consume: (Int, UnsafeMutableBufferPointer<Float>, Info) throws -> Void
    ) throws {
        let state = State<Info>(capacity: capacity, read: read)
        let helper = Thread { state.produce(count: count) }
        helper.stackSize = 1 << 20
        helper.start()
        defer { state.finish() }
        for i in 0..<count {
            let info = try state.take(i).get()
            try consume(i, state.buffers[i % 2], info)
            state.release(i)
        }
    }

    /// What both threads share, under one condition lock.
    private final class State<Info>: @unchecked Sendable {
        let condition = NSCondition()
        let buffers: [UnsafeMutableBufferPointer<Float>]
        let read: (Int, UnsafeMutableBufferPointer<Float>) throws -> Info
        /// Read slabs not yet taken by the consumer.
        var ready: [Int: Result<Info, any Error>] = [:]
        /// Slabs the consumer is done with (their buffers are free again).
        var released = 0
        var cancelled = false
        var producerDone = false

        init(capacity: Int, read: @escaping (Int, UnsafeMutableBufferPointer<Float>) throws -> Info)
        {
            buffers = (0..<2).map { _ in .allocate(capacity: max(1, capacity)) }
            self.read = read
        }

        deinit { for buffer in buffers { buffer.deallocate() } }

        /// The helper thread: reads each slab once its buffer is free.
        func produce(count: Int) {
            for i in 0..<count {
                condition.lock()
                while i - released >= 2 && !cancelled { condition.wait() }
                let stop = cancelled
                condition.unlock()
                if stop { break }
                let result = Result { try read(i, buffers[i % 2]) }
                condition.lock()
                ready[i] = result
                condition.broadcast()
                condition.unlock()
                if case .failure = result { break }
            }
            condition.lock()
            producerDone = true
            condition.broadcast()
            condition.unlock()
        }

        /// Waits for slab `i`.
        func take(_ i: Int) -> Result<Info, any Error> {
            condition.lock()
            defer { condition.unlock() }
            while ready[i] == nil { condition.wait() }
            return ready.removeValue(forKey: i)!
        }

        /// Frees slab `i`'s buffer for the helper.
        func release(_ i: Int) {
            condition.lock()
            released = i + 1
            condition.broadcast()
            condition.unlock()
        }

        /// Stops the helper (if still reading) and waits until it has left.
        func finish() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            while !producerDone { condition.wait() }
            condition.unlock()
        }
    }
}
