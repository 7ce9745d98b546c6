internal import CTensorKernels
internal import RealModule

// Row-wise normalisations: LayerNorm and softmax over the last dimension.

/// PyTorch `nn.LayerNorm` over the last dimension, in place, on `rows` rows of `columns`
/// elements whose starts are `stride` apart: `y = (x − mean) / sqrt(var + eps) · weight + bias`
/// with the biased variance (divided by `columns`), as PyTorch does.
/// - Parameters:
///   - weight, bias: `[columns]` or `nil` (no affine part).
public func layerNormRows(
    _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
    weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float
) {
    layerNormRows(
        UnsafePointer(x), stride: stride, into: x, stride: stride, rows: rows,
        columns: columns, weight: weight, bias: bias, eps: eps)
}

/// ``layerNormRows(_:rows:columns:stride:weight:bias:eps:)`` out of place: normalises the rows
/// of `x` (starts `strideX` apart) into `y` (starts `strideY` apart), saving the copy of `x`
/// when the residual stream must stay intact. `y` may equal `x` (same stride), not overlap it
/// otherwise.
public func layerNormRows(
    _ x: UnsafePointer<Float>, stride strideX: Int, into y: UnsafeMutablePointer<Float>,
    stride strideY: Int, rows: Int, columns: Int,
    weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float
) {
    guard columns > 0 else { return }
    let inverseCount = 1 / Float(columns)
    for r in 0..<rows {
        let row = x + r * strideX
        let out = y + r * strideY
        var sum: Float = 0
        for j in 0..<columns { sum = Relaxed.sum(sum, row[j]) }
        let mean = sum * inverseCount
        var squares: Float = 0
        for j in 0..<columns {
            let d = row[j] - mean
            squares = Relaxed.multiplyAdd(d, d, squares)
        }
        let inverseStd = 1 / (squares * inverseCount + eps).squareRoot()
        switch (weight, bias) {
        case (let w?, let b?):
            for j in 0..<columns {
                out[j] = Relaxed.multiplyAdd((row[j] - mean) * inverseStd, w[j], b[j])
            }
        case (let w?, nil):
            for j in 0..<columns { out[j] = (row[j] - mean) * inverseStd * w[j] }
        case (nil, let b?):
            for j in 0..<columns { out[j] = (row[j] - mean) * inverseStd + b[j] }
        case (nil, nil):
            for j in 0..<columns { out[j] = (row[j] - mean) * inverseStd }
        }
    }
}

/// PyTorch `nn.LayerNorm(columns, eps)` over the last dimension of `x`, in place.
/// - Parameters:
///   - x: `[..., columns]`.
///   - weight, bias: `[columns]` or `nil`.
///   - eps: added to the variance (PyTorch default 1e-5).
public func layerNorm(_ x: inout Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) {
    let (rows, columns) = (x.rows, x.columns)
    if let weight {
        precondition(weight.count == columns, "layerNorm: weight \(weight.shape) vs \(x.shape)")
    }
    if let bias {
        precondition(bias.count == columns, "layerNorm: bias \(bias.shape) vs \(x.shape)")
    }
    x.withUnsafeMutableBufferPointer { xp in
        guard let base = xp.baseAddress else { return }
        withOptionalPointer(weight) { w in
            withOptionalPointer(bias) { b in
                layerNormRows(
                    base, rows: rows, columns: columns, stride: columns,
                    weight: w, bias: b, eps: eps)
            }
        }
    }
}

/// ``layerNorm(_:weight:bias:eps:)`` returning a new tensor.
public func layerNormed(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    var y = x
    layerNorm(&y, weight: weight, bias: bias, eps: eps)
    return y
}

/// Softmax over `columns` elements of each of `rows` rows (starts `stride` apart), in place.
/// The row maximum is subtracted first, so large logits cannot overflow; a row of `-inf`
/// becomes NaN, as in PyTorch.
/// - Parameter level: the vector kernels to use (default: the best this CPU has); a level
///   above ``KernelLevel/supported`` is lowered to it.
public func softmaxRows(
    _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
    level: KernelLevel = .detected
) {
    guard columns > 0, rows > 0 else { return }
    let level = min(level, .supported)
    if level > .baseline {
        tk_softmax_rows(Int32(level.rawValue), x, rows, columns, stride)
        return
    }
    let vectors = columns / 8
    let tail = vectors * 8
    for r in 0..<rows {
        let row = x + r * stride
        let raw = UnsafeMutableRawPointer(row)
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var total = SIMD8<Float>(repeating: 0)
        for j in 0..<vectors {
            let v = raw.loadUnaligned(fromByteOffset: j * 32, as: SIMD8<Float>.self)
            lanes = select(v, whereNegative: lanes - v, else: lanes)
            total += v
        }
        var maximum = lanes.max()
        var check = total.sum()
        for j in tail..<columns {
            if row[j] > maximum { maximum = row[j] }
            check += row[j]
        }
        // `check` is NaN when the row holds a NaN (or both infinities).
        guard maximum.isFinite, !check.isNaN else {
            maximum = row[0]
            for j in 1..<columns where row[j] > maximum || row[j].isNaN { maximum = row[j] }
            // NaN or ±inf: the plain definition (NaN rows, as in PyTorch).
            var sum: Float = 0
            for j in 0..<columns {
                row[j] = Float.exp(row[j] - maximum)
                sum += row[j]
            }
            for j in 0..<columns { row[j] /= sum }
            continue
        }
        let shift = SIMD8<Float>(repeating: maximum)
        var sums = SIMD8<Float>(repeating: 0)
        for j in 0..<vectors {
            let e = vectorExp(
                raw.loadUnaligned(fromByteOffset: j * 32, as: SIMD8<Float>.self)
                    - shift)
            raw.storeBytes(of: e, toByteOffset: j * 32, as: SIMD8<Float>.self)
            sums += e
        }
        var sum = sums.sum()
        for j in tail..<columns {
            let e = scalarExp(row[j] - maximum)
            row[j] = e
            sum += e
        }
        let inverse = 1 / sum
        for j in 0..<vectors {
            let v = raw.loadUnaligned(fromByteOffset: j * 32, as: SIMD8<Float>.self)
            raw.storeBytes(of: v * inverse, toByteOffset: j * 32, as: SIMD8<Float>.self)
        }
        for j in tail..<columns { row[j] *= inverse }
    }
}

/// Softmax over the last dimension of `x` (`[..., columns]`), in place.
public func softmax(_ x: inout Tensor) {
    let (rows, columns) = (x.rows, x.columns)
    x.withUnsafeMutableBufferPointer { xp in
        guard let base = xp.baseAddress else { return }
        softmaxRows(base, rows: rows, columns: columns, stride: columns)
    }
}

/// Softmax over the last dimension, returning a new tensor.
public func softmaxed(_ x: Tensor) -> Tensor {
    var y = x
    softmax(&y)
    return y
}

@inlinable
func withOptionalPointer<R>(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let t else { return body(nil) }
    return t.withUnsafeBufferPointer { body($0.baseAddress) }
}
