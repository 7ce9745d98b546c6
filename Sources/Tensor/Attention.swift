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
/// No mask: every query attends to every key. Each head is one
/// ``attentionHead(queries:keys:headDim:scale:q:ldq:k:ldk:v:ldv:out:ldo:workspace:level:)``.
public func multiHeadAttention(
    q: Tensor, k: Tensor, v: Tensor, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
    kvHead: ((Int) -> Int)? = nil
) -> Tensor {
    precondition(
        q.rank == 2 && q.columns == heads * headDim,
        "attention: q \(q.shape) is not [queries, \(heads)·\(headDim)]")
    precondition(
        k.rank == 2 && k.columns == kvHeads * headDim && v.shape == k.shape,
        "attention: k \(k.shape) / v \(v.shape) are not [keys, \(kvHeads)·\(headDim)]")
    precondition(kvHead != nil || kvHeads == heads, "attention: kvHead mapping needed")
    let (queries, keys) = (q.shape[0], k.shape[0])
    var out = Tensor(zeros: [queries, heads * headDim])
    let workspace = AttentionWorkspace(queries: queries, keys: keys, headDim: headDim)
    q.withUnsafeBufferPointer { qp in
        k.withUnsafeBufferPointer { kp in
            v.withUnsafeBufferPointer { vp in
                out.withUnsafeMutableBufferPointer { op in
                    guard let qb = qp.baseAddress, let kb = kp.baseAddress,
                        let vb = vp.baseAddress, let ob = op.baseAddress
                    else { return }
                    for h in 0..<heads {
                        let g = kvHead?(h) ?? h
                        precondition(g >= 0 && g < kvHeads, "attention: kv head \(g)")
                        attentionHead(
                            queries: queries, keys: keys, headDim: headDim,
                            scale: scale, q: qb + h * headDim, ldq: heads * headDim,
                            k: kb + g * headDim, ldk: kvHeads * headDim,
                            v: vb + g * headDim, ldv: kvHeads * headDim,
                            out: ob + h * headDim, ldo: heads * headDim, workspace: workspace)
                    }
                }
            }
        }
    }
    return out
}
