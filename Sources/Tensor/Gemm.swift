internal import COpenBLAS

/// Whether a matrix operand of ``gemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` is used as
/// stored or transposed.
public enum Transpose: Sendable {
    /// Use the matrix as stored (row-major).
    case none
    /// Use the transpose of the stored matrix.
    case transposed

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// `C = alpha · op(A) · op(B) + beta · C` on row-major single-precision matrices, through
/// OpenBLAS `cblas_sgemm` (every matrix product in geomap goes through here).
///
/// The leading dimensions let any operand be a column slice of a wider matrix: head `h` of a
/// `[tokens, heads * hd]` query matrix is `a: q + h * hd, lda: heads * hd` with `k: hd`.
/// - Parameters:
///   - transA: `.none` if `A` is stored `[m, k]`, `.transposed` if stored `[k, m]`.
///   - transB: `.none` if `B` is stored `[k, n]`, `.transposed` if stored `[n, k]`
///     (PyTorch `nn.Linear` weights `[out, in]` are used `.transposed`).
///   - m: rows of `op(A)` and `C`. n: columns of `op(B)` and `C`. k: the shared dimension.
///   - lda, ldb, ldc: distance in elements between consecutive stored rows of A, B and C.
///   - beta: 0 overwrites `C` (its contents may be garbage); 1 accumulates into it.
@inlinable
public func gemm(
    _ transA: Transpose = .none, _ transB: Transpose = .none,
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    sgemmCall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

@usableFromInline
func sgemmCall(
    _ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size \(m)×\(n)×\(k)")
    if m == 0 || n == 0 { return }
    precondition(ldc >= n, "gemm: ldc \(ldc) < n \(n)")
    precondition(
        lda >= (transA == .none ? k : m) && ldb >= (transB == .none ? n : k),
        "gemm: leading dimension too small (lda \(lda), ldb \(ldb))")
    if k == 0 {
        // BLAS leaves C scaled by beta when k = 0; make that explicit for beta = 0.
        for i in 0..<m {
            let row = c + i * ldc
            for j in 0..<n { row[j] = beta == 0 ? 0 : row[j] * beta }
        }
        return
    }
    cblas_sgemm(
        CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Strided batched product: for `i` in `0..<batch`,
/// `C_i = alpha · op(A_i) · op(B_i) + beta · C_i` with `A_i = a + i * strideA` and so on.
/// One `cblas_sgemm` call per batch item (BLAS is single-threaded; parallelise over batches with
/// ``parallelRanges(count:parts:body:)``).
@inlinable
public func gemmBatched(
    _ transA: Transpose = .none, _ transB: Transpose = .none,
    batch: Int, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, strideA: Int,
    b: UnsafePointer<Float>, ldb: Int, strideB: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int
) {
    for i in 0..<batch {
        sgemmCall(
            transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb,
            beta, c + i * strideC, ldc)
    }
}

/// PyTorch `nn.Linear`: `y = x · weightᵀ + bias`.
/// - Parameters:
///   - x: `[..., in]` (any leading shape; treated as `[m, in]`).
///   - weight: `[out, in]` (PyTorch layout).
///   - bias: `[out]` or `nil`.
///   - blockRows: run each `blockRows` consecutive rows of `x` (one sequence of a batch) as a
///     product of its own, so a row's result depends only on its block: not on how many
///     blocks `x` holds nor on where its block lies. OpenBLAS's AVX2 sgemm kernels
///     (Haswell/Zen) round a row differently by its position in a product and by the
///     product's row count (0.3.21, see `SequenceProductTests`), which would make a
///     sequence's values depend on the batch it runs in, in the last float32 bits. `m` must
///     be a multiple of it; `nil` is one product of all rows.
/// - Returns: `[..., out]`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, blockRows: Int? = nil)
    -> Tensor
{
    precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
    let outFeatures = weight.shape[0]
    var outShape = x.shape
    if outShape.isEmpty {
        outShape = [outFeatures]
    } else {
        outShape[outShape.count - 1] = outFeatures
    }
    var y = Tensor(zeros: outShape)
    linear(x, weight: weight, bias: bias, into: &y, blockRows: blockRows)
    return y
}

/// ``linear(_:weight:bias:blockRows:)`` into a preallocated output `y` of shape `[..., out]`
/// (reused buffers avoid allocation in hot loops).
public func linear(
    _ x: Tensor, weight: Tensor, bias: Tensor?, into y: inout Tensor, blockRows: Int? = nil
) {
    precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
    let (n, k) = (weight.shape[0], weight.shape[1])
    precondition(x.columns == k, "linear: input \(x.shape) does not end in \(k)")
    let m = x.rows
    precondition(y.columns == n && y.rows == m, "linear: output \(y.shape) is not [\(m), \(n)]")
    if let bias { precondition(bias.count == n, "linear: bias \(bias.shape) is not [\(n)]") }
    let block = max(1, blockRows ?? m)
    precondition(m % block == 0, "linear: \(m) rows are not blocks of \(block)")
    x.withUnsafeBufferPointer { xp in
        weight.withUnsafeBufferPointer { wp in
            y.withUnsafeMutableBufferPointer { yp in
                for start in stride(from: 0, to: m, by: block) {
                    linear(
                        m: block, inFeatures: k, outFeatures: n, x: xp.baseAddress! + start * k,
                        ldx: k, weight: wp.baseAddress!, bias: bias,
                        y: yp.baseAddress! + start * n, ldy: n)
                }
            }
        }
    }
}

/// Pointer form of `nn.Linear` on strided rows: `y[i, :] = x[i, :] · weightᵀ + bias` for
/// `i < m`, with `x` rows `ldx` apart and `y` rows `ldy` apart; `weight` is `[out, in]` dense.
public func linear(
    m: Int, inFeatures: Int, outFeatures: Int,
    x: UnsafePointer<Float>, ldx: Int, weight: UnsafePointer<Float>, bias: Tensor?,
    y: UnsafeMutablePointer<Float>, ldy: Int
) {
    var beta: Float = 0
    if let bias {
        precondition(
            bias.count == outFeatures, "linear: bias \(bias.shape) is not [\(outFeatures)]")
        bias.withUnsafeBufferPointer { bp in
            let b = bp.baseAddress!
            for i in 0..<m {
                (y + i * ldy).update(from: b, count: outFeatures)
            }
        }
        beta = 1
    }
    sgemmCall(
        .none, .transposed, m, outFeatures, inFeatures, 1, x, ldx, weight, inFeatures,
        beta, y, ldy)
}

/// Matrix product of two 2-D tensors: `alpha · op(a) · op(b)`.
/// - Parameters:
///   - a: `[m, k]`, or `[k, m]` with `transposeA`.
///   - b: `[k, n]`, or `[n, k]` with `transposeB` (so `q · kᵀ` is `matmul(q, k, transposeB: true)`).
/// - Returns: `[m, n]`.
public func matmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
    alpha: Float = 1
) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul: need 2-D tensors, got \(a.shape), \(b.shape)")
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(k == k2, "matmul: inner dimensions differ: \(a.shape) and \(b.shape)")
    var c = Tensor(zeros: [m, n])
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                guard let cBase = cp.baseAddress, let aBase = ap.baseAddress,
                    let bBase = bp.baseAddress
                else { return }
                sgemmCall(
                    transposeA ? .transposed : .none, transposeB ? .transposed : .none,
                    m, n, k, alpha, aBase, a.shape[1], bBase, b.shape[1], 0, cBase, n)
            }
        }
    }
    return c
}

/// Batched matrix product of 3-D tensors: `c[i] = alpha · op(a[i]) · op(b[i])`.
/// - Parameters:
///   - a: `[batch, m, k]` (`[batch, k, m]` with `transposeA`).
///   - b: `[batch, k, n]` (`[batch, n, k]` with `transposeB`), or `[k, n]`/`[n, k]` shared by
///     every batch item.
/// - Returns: `[batch, m, n]`.
public func batchedMatmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
    alpha: Float = 1
) -> Tensor {
    precondition(
        a.rank == 3 && (b.rank == 3 || b.rank == 2),
        "batchedMatmul: need [batch, m, k] and [batch, k, n], got \(a.shape), \(b.shape)")
    let batch = a.shape[0]
    let bShape = Array(b.shape.suffix(2))
    if b.rank == 3 { precondition(b.shape[0] == batch, "batchedMatmul: batch sizes differ") }
    let (m, k) = transposeA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
    let (k2, n) = transposeB ? (bShape[1], bShape[0]) : (bShape[0], bShape[1])
    precondition(k == k2, "batchedMatmul: inner dimensions differ: \(a.shape) and \(b.shape)")
    var c = Tensor(zeros: [batch, m, n])
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                guard let cBase = cp.baseAddress, let aBase = ap.baseAddress,
                    let bBase = bp.baseAddress
                else { return }
                gemmBatched(
                    transposeA ? .transposed : .none, transposeB ? .transposed : .none,
                    batch: batch, m: m, n: n, k: k, alpha: alpha,
                    a: aBase, lda: a.shape[2], strideA: a.shape[1] * a.shape[2],
                    b: bBase, ldb: bShape[1], strideB: b.rank == 3 ? bShape[0] * bShape[1] : 0,
                    c: cBase, ldc: n, strideC: m * n)
            }
        }
    }
    return c
}
