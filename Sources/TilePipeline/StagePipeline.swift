import Foundation

/// Three stages on three threads joined by bounded queues: `produce` on the calling thread,
/// `transform` and `consume` on one helper thread each, items passing through in order.
///
/// The tile pipeline reads and cuts the next tiles (calling thread: it borrows the input
/// raster), runs the model (the model spreads a batch over the cores itself) and blends and
/// writes finished output rows, all at once. Each queue holds at most `capacity` items, so
/// memory is bounded by `2 × capacity + 3` items in flight.
///
/// The first error of any stage stops all three (the others see their queues cancelled) and
/// is rethrown once every helper has left; nothing runs after `run` returns.
enum StagePipeline {
    /// Runs the three stages to completion.
    /// - Parameters:
    ///   - capacity: items each queue holds (≥ 1).
    ///   - produce: calls its argument with each item in order; the call throws (ending
    ///     `produce`) once a later stage has failed.
    ///   - transform: runs on a helper thread, one item at a time, in order.
    ///   - consume: runs on another helper thread, one item at a time, in order.
    static func run<Item, Result>(
        capacity: Int,
        produce: (_ emit: (Item) throws -> Void) throws -> Void,
        transform: @escaping (Item) throws -> Result,
        consume: @escaping (Result) throws -> Void
    ) throws {
        let state = State(capacity: capacity, transform: transform, consume: consume)
        state.start()
        do {
            try produce { item in
                guard state.first.push(item) else { throw Cancelled() }
            }
            state.first.close()
        } catch is Cancelled {
        } catch {
            state.fail(error)
        }
        state.waitForHelpers()
        if let error = state.error { throw error }
    }

    /// Thrown into `produce` when a later stage failed.
    struct Cancelled: Error {}

    private final class State<Item, Result>: @unchecked Sendable {
        let first: BoundedQueue<Item>
        let second: BoundedQueue<Result>
        /// The stages' closures, dropped by their thread when it is done: what they capture
        /// (e.g. the output writers) must not outlive `run` on a helper thread.
        private var transform: ((Item) throws -> Result)?
        private var consume: ((Result) throws -> Void)?
        private let lock = NSCondition()
        private var running = 2
        private(set) var error: (any Error)?

        init(
            capacity: Int, transform: @escaping (Item) throws -> Result,
            consume: @escaping (Result) throws -> Void
        ) {
            first = BoundedQueue(capacity: capacity)
            second = BoundedQueue(capacity: capacity)
            self.transform = transform
            self.consume = consume
        }

        func start() {
            spawn { $0.transformAll() }
            spawn { $0.consumeAll() }
        }

        private func transformAll() {
            defer { transform = nil }
            while let item = first.pop(), let transform {
                do {
                    guard second.push(try transform(item)) else { break }
                } catch {
                    fail(error)
                    break
                }
            }
            second.close()
        }

        private func consumeAll() {
            defer { consume = nil }
            while let result = second.pop(), let consume {
                do { try consume(result) } catch {
                    fail(error)
                    break
                }
            }
        }

        private func spawn(_ body: @escaping @Sendable (State) -> Void) {
            let thread = Thread {
                body(self)
                self.lock.lock()
                self.running -= 1
                self.lock.broadcast()
                self.lock.unlock()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }

        /// Records the first error and cancels both queues.
        func fail(_ error: any Error) {
            lock.lock()
            if self.error == nil { self.error = error }
            lock.unlock()
            first.cancel()
            second.cancel()
        }

        func waitForHelpers() {
            lock.lock()
            while running > 0 { lock.wait() }
            lock.unlock()
        }
    }
}

/// A first-in first-out queue of at most `capacity` items between threads.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Few items (the capacity is small), so removing the first is cheap.
    private var items: [Element] = []
    private let capacity: Int
    private var closed = false
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Appends `item`, waiting for room. - Returns: `false` (item dropped) once cancelled.
    func push(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next item, waiting for one; `nil` once closed and drained, or cancelled.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !closed, !cancelled { condition.wait() }
        guard !cancelled, !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// No more items will come; `pop` drains what is queued, then returns `nil`.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Drops everything: waiting and later `push`/`pop` calls return at once.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
