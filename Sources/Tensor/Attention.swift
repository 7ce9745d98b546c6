/// Scaled dot-product multi-head attention for one sequence, without copies of the heads:
/// for each query head `h`, `out[:, h] = softmax(scale · q[:, h] · k[:, g]ᵀ) · v[:, g]` with
/// `g = kvHead(h)`.
/// - Parameters:
///   - q: `[queries, heads · headDim]` (heads side by side, as `nn.Linear` produces them).
///   - k, v: `[keys, kvHeads · headDim]`.
///   - heads: the number of query heads; `kvHeads` the number of key/value heads.
///   - scale: usually `1 / √headDim`.
///   - kvHead: the key/value head used by query head `h`; `nil` means `h` (needs
///     `kvHeads == heads`). Grouped-query layouts differ between models: pass `{ $0 % groups }`
///     or `{ $0 / (heads / groups) }` as the model defines it.
/// - Returns: `[queries, heads · headDim]`.
/// No mask: every query attends to every key.
public func multiHeadAttention(
    q: Tensor, k: Tensor, v: Tensor, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
    kvHead: ((Int) -> Int)? = nil
) -> Tensor {
    precondition(q.rank == 2 && q.columns == heads * headDim,
        "attention: q \(q.shape) is not [queries, \(heads)·\(headDim)]")
    precondition(k.rank == 2 && k.columns == kvHeads * headDim && v.shape == k.shape,
        "attention: k \(k.shape) / v \(v.shape) are not [keys, \(kvHeads)·\(headDim)]")
    precondition(kvHead != nil || kvHeads == heads, "attention: kvHead mapping needed")
    let (queries, keys) = (q.shape[0], k.shape[0])
    var out = Tensor(zeros: [queries, heads * headDim])
    var scores = [Float](repeating: 0, count: queries * keys)
    q.withUnsafeBufferPointer { qp in
        k.withUnsafeBufferPointer { kp in
            v.withUnsafeBufferPointer { vp in
                out.withUnsafeMutableBufferPointer { op in
                    scores.withUnsafeMutableBufferPointer { sp in
                        guard let qb = qp.baseAddress, let kb = kp.baseAddress,
                            let vb = vp.baseAddress, let ob = op.baseAddress,
                            let s = sp.baseAddress
                        else { return }
                        for h in 0..<heads {
                            let g = kvHead?(h) ?? h
                            precondition(g >= 0 && g < kvHeads, "attention: kv head \(g)")
                            gemm(.none, .transposed, m: queries, n: keys, k: headDim,
                                alpha: scale, a: qb + h * headDim, lda: heads * headDim,
                                b: kb + g * headDim, ldb: kvHeads * headDim,
                                c: s, ldc: keys)
                            softmaxRows(s, rows: queries, columns: keys, stride: keys)
                            gemm(.none, .none, m: queries, n: headDim, k: keys,
                                a: s, lda: keys, b: vb + g * headDim, ldb: kvHeads * headDim,
                                c: ob + h * headDim, ldc: heads * headDim)
                        }
                    }
                }
            }
        }
    }
    return out
}
