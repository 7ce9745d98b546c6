/// A dense, contiguous, row-major array of `Float32` with a shape.
///
/// `Tensor` is a **value type** (a struct) whose storage is a Swift `[Float]`, so it is
/// copy-on-write: copying a tensor is cheap, and the first mutation of a shared copy duplicates
/// the storage once. It is `Sendable`, so tensors can be handed between tasks freely.
///
/// The layout is always contiguous row-major (C order), like a contiguous PyTorch tensor: the
/// element at `[i0, i1, …, in]` lives at `((i0 * d1 + i1) * d2 + …) + in`. Views with strides are
/// not represented; the kernels take explicit leading dimensions (`lda`, `ldb`, `ldc`) instead,
/// so attention can work on column slices of a `[tokens, heads * headDim]` matrix without copies.
///
/// Shape errors in the kernels are programmer errors and trap (`precondition`); errors in files
/// (missing or misshapen tensors) are thrown by the loaders in the Models module.
///
/// Many kernels treat a tensor of any rank as a matrix `[rows, columns]` where `columns` is the
/// last dimension and `rows` the product of the others (see ``rows`` and ``columns``).
public struct Tensor: Sendable, Equatable {
    /// The dimensions, outermost first. A scalar has shape `[]` and one element.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public private(set) var scalars: [Float]

    /// A tensor with the given shape and elements (row-major).
    /// - Precondition: `scalars.count` equals the product of `shape`, and no dimension is negative.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        precondition(
            Tensor.elementCount(shape) == scalars.count,
            "Tensor: \(scalars.count) values do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros with the given shape.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// A tensor with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.scalars = [Float](repeating: value, count: Tensor.elementCount(shape))
    }

    /// A tensor of the given shape whose elements are written by `initializer`, which receives
    /// an uninitialised-but-zeroed buffer of `shape.reduce(1, *)` elements.
    public init(
        shape: [Int], initializer: (inout UnsafeMutableBufferPointer<Float>) throws -> Void
    ) rethrows {
        self.init(zeros: shape)
        try scalars.withUnsafeMutableBufferPointer { try initializer(&$0) }
    }

    /// Number of elements (product of the shape).
    @inlinable public var count: Int { scalars.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// The last dimension (1 for a scalar): the row length the row-wise kernels work on.
    @inlinable public var columns: Int { shape.last ?? 1 }
    /// The product of all dimensions but the last: the number of rows of length ``columns``.
    @inlinable public var rows: Int { columns == 0 ? 0 : count / columns }

    /// The product of `shape`.
    @inlinable public static func elementCount(_ shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    // MARK: Shape

    /// The same elements under another shape with the same element count (no copy: the storage
    /// is shared until one side is mutated). One dimension may be `-1` and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var copy = self
        copy.reshape(newShape)
        return copy
    }

    /// Changes the shape in place (same element count; one dimension may be `-1`).
    public mutating func reshape(_ newShape: [Int]) {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element)
                .reduce(1, *)
            precondition(
                known > 0 && count % known == 0, "Tensor: cannot reshape \(shape) to \(newShape)")
            resolved[hole] = count / known
        }
        precondition(
            resolved.allSatisfy { $0 >= 0 } && Tensor.elementCount(resolved) == count,
            "Tensor: cannot reshape \(shape) to \(newShape)")
        shape = resolved
    }

    // MARK: Element access (convenient, not for inner loops)

    /// The element at a multi-dimensional index (checked). For inner loops use
    /// ``withUnsafeBufferPointer(_:)`` and hoisted row pointers instead.
    public subscript(_ index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index \(index) for shape \(shape)")
        var flat = 0
        for (i, dim) in zip(index, shape) {
            precondition(i >= 0 && i < dim, "Tensor: index \(index) out of shape \(shape)")
            flat = flat * dim + i
        }
        return flat
    }

    /// A copy of row `i` of the `[rows, columns]` view, as a tensor of shape `[columns]`.
    public func row(_ i: Int) -> Tensor {
        precondition(i >= 0 && i < rows, "Tensor: row \(i) out of \(rows)")
        return Tensor(shape: [columns], scalars: Array(scalars[i * columns..<(i + 1) * columns]))
    }

    /// A copy of the outermost slices `range` (e.g. a batch of tiles out of `[batch, …]`):
    /// shape `[range.count] + shape.dropFirst()`.
    public func slices(_ range: Range<Int>) -> Tensor {
        precondition(
            rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
            "Tensor: slices \(range) out of shape \(shape)")
        let inner = shape[0] == 0 ? 0 : count / shape[0]
        return Tensor(
            shape: [range.count] + shape.dropFirst(),
            scalars: Array(scalars[range.lowerBound * inner..<range.upperBound * inner]))
    }

    // MARK: Raw access

    /// Calls `body` with the elements (row-major, `count` of them).
    @inlinable public func withUnsafeBufferPointer<R>(
        _ body: (UnsafeBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the mutable elements (row-major). Do not change the buffer's size.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// Calls `body` with a pointer to row `i` of the `[rows, columns]` view (`columns` elements).
    @inlinable public func withRow<R>(
        _ i: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        precondition(i >= 0 && i < rows, "Tensor: row \(i) out of \(rows)")
        let width = columns
        return try scalars.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[i * width..<(i + 1) * width]))
        }
    }

    /// Calls `body` with a mutable pointer to row `i` of the `[rows, columns]` view.
    public mutating func withMutableRow<R>(
        _ i: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        precondition(i >= 0 && i < rows, "Tensor: row \(i) out of \(rows)")
        let width = columns
        return try scalars.withUnsafeMutableBufferPointer {
            try body(UnsafeMutableBufferPointer(rebasing: $0[i * width..<(i + 1) * width]))
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor([2, 3])` plus the first few values.
    public var description: String {
        let head = scalars.prefix(6).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(shape): [\(head)\(count > 6 ? ", …" : "")])"
    }
}
