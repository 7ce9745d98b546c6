import Tensor

/// Immutable float storage for a model's weights: every tensor copied once into one allocation,
/// so the forward pass reads weights through plain pointers (no copy-on-write checks or closures
/// in hot loops). Shared read-only across tasks.
final class WeightArena: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Float>
    private let offsets: [String: Int]
    let count: Int

    /// Copies `tensors` (all of them, in the order given) into one buffer.
    init(_ tensors: [(String, Tensor)]) {
        var offsets: [String: Int] = [:]
        var total = 0
        for (name, t) in tensors {
            offsets[name] = total
            total += t.count
        }
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(total, 1))
        for (name, t) in tensors {
            let start = storage + offsets[name]!
            t.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress else { return }
                start.update(from: s, count: src.count)
            }
        }
        base = storage
        self.offsets = offsets
        self.count = total
    }

    deinit { base.deallocate() }

    /// The start of tensor `name` (which must have been stored).
    func pointer(_ name: String) -> UnsafePointer<Float> {
        guard let offset = offsets[name] else { preconditionFailure("weight '\(name)' not stored") }
        return UnsafePointer(base + offset)
    }
}
