/// The `k` largest values of each row and their column indices (see ``topK(_:k:)``).
public struct TopKResult: Sendable, Equatable {
    /// `[rows, k]`, each row sorted in descending order.
    public var values: Tensor
    /// `rows · k` column indices, row-major, matching ``values``.
    public var indices: [Int]
}

/// The `k` largest entries of every row of `x` (`[..., columns]`), sorted descending, like
/// `torch.topk(x, k, dim=-1)` (sorted = True).
///
/// Ties: equal values are ranked by **lower column index first** (a stable order). PyTorch's CPU
/// kernel does the same for the small `k` and row lengths geomap uses (k = 2 of 8–16 experts),
/// but does not document it; exact ties of float logits are rare in practice. NaN ranks above
/// every number, as in PyTorch.
/// - Precondition: `1 <= k <= columns`.
public func topK(_ x: Tensor, k: Int) -> TopKResult {
    let (rows, columns) = (x.rows, x.columns)
    precondition(k >= 1 && k <= columns, "topK: k = \(k) for rows of \(columns)")
    var values = Tensor(zeros: Array(x.shape.dropLast()) + [k])
    var indices = [Int](repeating: 0, count: rows * k)
    x.withUnsafeBufferPointer { xp in
        values.withUnsafeMutableBufferPointer { vp in
            indices.withUnsafeMutableBufferPointer { ip in
                guard let src = xp.baseAddress, let vBase = vp.baseAddress,
                    let iBase = ip.baseAddress
                else { return }
                for r in 0..<rows {
                    topKRow(
                        src + r * columns, columns: columns, k: k,
                        values: vBase + r * k, indices: iBase + r * k)
                }
            }
        }
    }
    return TopKResult(values: values, indices: indices)
}

/// Top-`k` of one row of `columns` values into `values[0..<k]` and `indices[0..<k]`
/// (descending; ties → lower index first; NaN highest).
public func topKRow(
    _ row: UnsafePointer<Float>, columns: Int, k: Int,
    values: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int>
) {
    @inline(__always) func ranksAbove(_ a: Float, _ b: Float) -> Bool {
        a > b || (a.isNaN && !b.isNaN)
    }
    var filled = 0
    for j in 0..<columns {
        let v = row[j]
        if filled == k && !ranksAbove(v, values[k - 1]) { continue }
        // Insertion: strictly-greater comparison keeps earlier indices ahead on ties.
        var position = filled == k ? k - 1 : filled
        while position > 0 && ranksAbove(v, values[position - 1]) {
            values[position] = values[position - 1]
            indices[position] = indices[position - 1]
            position -= 1
        }
        values[position] = v
        indices[position] = j
        if filled < k { filled += 1 }
    }
}
