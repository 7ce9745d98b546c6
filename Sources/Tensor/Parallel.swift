public import Foundation

/// Runs `body` over `0..<count` split into at most `parts` contiguous ranges, in parallel on
/// Dispatch's pool, and returns when all are done. Use it to spread tiles or basins over the
/// cores while BLAS runs single-threaded in each range.
///
/// `body` must be `@Sendable`: it may read shared immutable values (tensors are `Sendable`)
/// and write only to its own range of an output, e.g. through ``UnsafeSendablePointer``.
/// The first error thrown by any range is rethrown after all ranges have finished.
/// - Parameters:
///   - count: the number of items.
///   - parts: the number of ranges; default `ProcessInfo.activeProcessorCount`.
///   - body: called once per non-empty range, possibly concurrently.
public func parallelRanges(
    count: Int, parts: Int = ProcessInfo.processInfo.activeProcessorCount,
    body: @Sendable (Range<Int>) throws -> Void
) throws {
    guard count > 0 else { return }
    let ranges = splitRanges(count: count, parts: parts)
    if ranges.count == 1 {
        try body(ranges[0])
        return
    }
    let firstError = FirstError()
    DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
        do { try body(ranges[index]) } catch { firstError.record(error) }
    }
    if let error = firstError.error { throw error }
}

/// Maps `body` over `0..<count` split into at most `parts` contiguous ranges, each range in its
/// own child task, and returns the results in range order.
/// - Returns: one result per range, ordered by range start.
public func parallelMapRanges<T: Sendable>(
    count: Int, parts: Int = ProcessInfo.processInfo.activeProcessorCount,
    body: @escaping @Sendable (Range<Int>) throws -> T
) async throws -> [T] {
    let ranges = splitRanges(count: count, parts: parts)
    return try await withThrowingTaskGroup(of: (Int, T).self) { group in
        for (index, range) in ranges.enumerated() {
            group.addTask { (index, try body(range)) }
        }
        var results = [T?](repeating: nil, count: ranges.count)
        for try await (index, value) in group { results[index] = value }
        return results.map { $0! }
    }
}

/// `0..<count` cut into at most `parts` contiguous, nearly equal, non-empty ranges.
public func splitRanges(count: Int, parts: Int) -> [Range<Int>] {
    guard count > 0 else { return [] }
    let n = max(1, min(parts, count))
    let (base, extra) = count.quotientAndRemainder(dividingBy: n)
    var ranges: [Range<Int>] = []
    var start = 0
    for i in 0..<n {
        let length = base + (i < extra ? 1 : 0)
        ranges.append(start..<start + length)
        start += length
    }
    return ranges
}

/// A mutable pointer that may cross into concurrent ranges. **Unchecked**: the caller promises
/// that concurrent users write disjoint elements and that the memory outlives them (e.g. an
/// output tensor's buffer held in `withUnsafeMutableBufferPointer` around ``parallelRanges``).
public struct UnsafeSendablePointer<Element>: @unchecked Sendable {
    /// The wrapped pointer.
    public let pointer: UnsafeMutablePointer<Element>
    /// Wraps `pointer`.
    public init(_ pointer: UnsafeMutablePointer<Element>) { self.pointer = pointer }
}

private final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    func record(_ error: Error) {
        lock.lock()
        if stored == nil { stored = error }
        lock.unlock()
    }
    var error: Error? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
