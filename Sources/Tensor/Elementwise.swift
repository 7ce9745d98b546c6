internal import RealModule

// Element-wise arithmetic on tensors of equal shape, and row broadcasts.

/// `a += b` element-wise. - Precondition: equal shapes.
public func add(_ a: inout Tensor, _ b: Tensor) {
    precondition(a.shape == b.shape, "add: shapes differ: \(a.shape) and \(b.shape)")
    a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            guard let x = ap.baseAddress, let y = bp.baseAddress else { return }
            for i in 0..<ap.count { x[i] += y[i] }
        }
    }
}

/// `a + b` element-wise, as a new tensor. - Precondition: equal shapes.
public func adding(_ a: Tensor, _ b: Tensor) -> Tensor {
    var c = a
    add(&c, b)
    return c
}

/// `a += alpha · b` element-wise (axpy). - Precondition: equal shapes.
public func addScaled(_ a: inout Tensor, _ b: Tensor, alpha: Float) {
    precondition(a.shape == b.shape, "addScaled: shapes differ: \(a.shape) and \(b.shape)")
    a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            guard let x = ap.baseAddress, let y = bp.baseAddress else { return }
            for i in 0..<ap.count { x[i] = Relaxed.multiplyAdd(alpha, y[i], x[i]) }
        }
    }
}

/// `a *= b` element-wise (Hadamard product). - Precondition: equal shapes.
public func multiply(_ a: inout Tensor, _ b: Tensor) {
    precondition(a.shape == b.shape, "multiply: shapes differ: \(a.shape) and \(b.shape)")
    a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            guard let x = ap.baseAddress, let y = bp.baseAddress else { return }
            for i in 0..<ap.count { x[i] *= y[i] }
        }
    }
}

/// `a · b` element-wise, as a new tensor. - Precondition: equal shapes.
public func multiplied(_ a: Tensor, _ b: Tensor) -> Tensor {
    var c = a
    multiply(&c, b)
    return c
}

/// `x *= factor` for every element.
public func scale(_ x: inout Tensor, by factor: Float) {
    x.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        for i in 0..<p.count { base[i] *= factor }
    }
}

/// Adds `bias` (`[columns]`) to every row of `x` (`[..., columns]`), in place.
public func addBias(_ x: inout Tensor, _ bias: Tensor) {
    let (rows, columns) = (x.rows, x.columns)
    precondition(bias.count == columns, "addBias: bias \(bias.shape) vs rows of \(x.shape)")
    x.withUnsafeMutableBufferPointer { xp in
        bias.withUnsafeBufferPointer { bp in
            guard let base = xp.baseAddress, let b = bp.baseAddress else { return }
            addBiasRows(base, rows: rows, columns: columns, stride: columns, bias: b)
        }
    }
}

/// Adds `bias[0..<columns]` to `rows` rows of `x` whose starts are `stride` apart, in place.
public func addBiasRows(
    _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
    bias: UnsafePointer<Float>
) {
    for r in 0..<rows {
        let row = x + r * stride
        for j in 0..<columns { row[j] += bias[j] }
    }
}

/// Multiplies every row of `x` (`[..., columns]`) element-wise by `factors` (`[columns]`),
/// in place (e.g. a learned per-channel scale).
public func multiplyRows(_ x: inout Tensor, by factors: Tensor) {
    let (rows, columns) = (x.rows, x.columns)
    precondition(factors.count == columns, "multiplyRows: \(factors.shape) vs rows of \(x.shape)")
    x.withUnsafeMutableBufferPointer { xp in
        factors.withUnsafeBufferPointer { fp in
            guard let base = xp.baseAddress, let f = fp.baseAddress else { return }
            for r in 0..<rows {
                let row = base + r * columns
                for j in 0..<columns { row[j] *= f[j] }
            }
        }
    }
}

/// The mean of the rows of a `[rows, columns]` view: `[columns]` (e.g. mean pooling of tokens).
public func meanOfRows(_ x: Tensor) -> Tensor {
    let (rows, columns) = (x.rows, x.columns)
    var out = Tensor(zeros: [columns])
    guard rows > 0 else { return out }
    x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            guard let src = xp.baseAddress, let dst = op.baseAddress else { return }
            for r in 0..<rows {
                let row = src + r * columns
                for j in 0..<columns { dst[j] = Relaxed.sum(dst[j], row[j]) }
            }
            let inverse = 1 / Float(rows)
            for j in 0..<columns { dst[j] *= inverse }
        }
    }
    return out
}
