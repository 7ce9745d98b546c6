internal import CTensorKernels

/// Reusable buffers for `attentionHead(queries:keys:headDim:scale:…)` (one per task: not
/// thread-safe). Holds the fused kernel's packed keys and score rows and
/// the `[queries, keys]` score matrix of the plain path.
public final class AttentionWorkspace {
    /// The largest sizes the workspace serves.
    public let maxQueries: Int, maxKeys: Int, maxHeadDim: Int
    let fused: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>

    /// Buffers for heads of up to `queries` queries, `keys` keys and `headDim` values per row.
    public init(queries: Int, keys: Int, headDim: Int) {
        (maxQueries, maxKeys, maxHeadDim) = (max(queries, 1), max(keys, 1), max(headDim, 1))
        let fusedCount = tk_attention_scratch_count(maxKeys, min(maxHeadDim, 32))
        fused = .allocate(capacity: fusedCount)
        fused.initialize(repeating: 0, count: fusedCount)
        scores = .allocate(capacity: maxQueries * maxKeys)
        scores.initialize(repeating: 0, count: maxQueries * maxKeys)
    }

    deinit {
        fused.deallocate()
        scores.deallocate()
    }
}

/// One attention head without copies of its operands:
/// `out[i, :] = Σ_j softmax_j(scale · q[i, :] · k[j, :]) · v[j, :]`, no mask.
///
/// With AVX2 or AVX-512 (see ``KernelLevel``) and `headDim ≤ 32` this is one fused kernel: the
/// keys are packed transposed once, then four query rows at a time get their scores, softmax
/// and weighted value sum while the scores are still in L1 cache. Otherwise (or when a score
/// row is not finite, so that NaN/inf behave as in PyTorch) it is `gemm`, ``softmaxRows`` and
/// `gemm`. Both agree with a Float64 reference to ~1e-6 relative.
/// - Parameters:
///   - q: `[queries, headDim]` rows `ldq` apart (a column slice of `[queries, heads · headDim]`).
///   - k, v: `[keys, headDim]` rows `ldk` / `ldv` apart.
///   - out: `[queries, headDim]` rows `ldo` apart; only these `headDim` columns are written.
///   - workspace: buffers at least as large as the head.
///   - level: the vector kernels to use (default: the best this CPU has).
///   - bf16: both products in bfloat16 pairs with float32 accumulation (`scale·q`, k, the
///     softmax probabilities and v rounded to bfloat16; max, exp and sums in float32), for
///     head dims 16 and 18 at level `avx512bf16`; else (or on a non-finite score row) the
///     float32 kernels.
public func attentionHead(
    queries: Int, keys: Int, headDim: Int, scale: Float,
    q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
    v: UnsafePointer<Float>, ldv: Int, out: UnsafeMutablePointer<Float>, ldo: Int,
    workspace: AttentionWorkspace, level: KernelLevel = .detected, bf16: Bool = false
) {
    precondition(
        queries <= workspace.maxQueries && keys <= workspace.maxKeys
            && headDim <= workspace.maxHeadDim,
        "attentionHead: \(queries)×\(keys)×\(headDim) exceeds the workspace")
    guard queries > 0, headDim > 0 else { return }
    let level = min(level, .supported)
    if bf16, level >= .avx512bf16,
        tk_bf16_attention_head(
            q, ldq, k, ldk, v, ldv, out, ldo, queries, keys, headDim, scale, workspace.fused)
            == 0
    {
        return
    }
    if level > .baseline, headDim <= 32, keys > 0,
        tk_attention_head(
            Int32(level.rawValue), q, ldq, k, ldk, v, ldv, out, ldo, queries, keys,
            headDim, scale, workspace.fused) == 0
    {
        return
    }
    let s = workspace.scores
    gemm(
        .none, .transposed, m: queries, n: keys, k: headDim, alpha: scale,
        a: q, lda: ldq, b: k, ldb: ldk, c: s, ldc: keys)
    softmaxRows(s, rows: queries, columns: keys, stride: keys, level: level)
    gemm(
        .none, .none, m: queries, n: headDim, k: keys, a: s, lda: keys, b: v, ldb: ldv,
        c: out, ldc: ldo)
}
