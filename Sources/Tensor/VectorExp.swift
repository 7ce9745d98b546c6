/// Vectorised `e^x` for the softmax and SiLU inner loops (Cephes-style range reduction and a
/// degree-6 polynomial, ≤ 2 ulp against `Float.exp` on [−87.3, 88.3]; inputs outside are
/// clamped: `e^x` is 0 below −87.3 and ≈ 2.2e38 above 88.3; NaN input gives an unspecified
/// value, so callers that may see NaN check for it themselves).

/// `e^x` for each lane of `x` (eight lanes, one AVX register).
@inline(__always)
public func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let lo = SIMD8<Float>(repeating: -87.3)
    let hi = SIMD8<Float>(repeating: 88.3)
    var v = select(lo, whereNegative: x - lo, else: x)
    v = select(hi, whereNegative: hi - v, else: v)
    // n = round(x / ln 2) with the 1.5·2²³ trick: the low mantissa bits of t hold n.
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let t = v * 1.442_695_04 + magic
    let n = t - magic
    var r = v - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_1e-1
    let y = p * (r * r) + r + 1
    let bits = unsafeBitCast(t, to: SIMD8<UInt32>.self)
    let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
    // Below −87.3 the true value is under 1.2e−38: flush to 0 (so e^−inf = 0).
    return select(SIMD8(repeating: 0), whereNegative: x - lo, else: y * scale)
}

/// `e^x` of one value with the same polynomial as ``vectorExp(_:)`` (for loop tails).
@inline(__always)
public func scalarExp(_ x: Float) -> Float {
    vectorExp(SIMD8<Float>(repeating: x))[0]
}

/// `a` in the lanes where `d` has its sign bit set, `b` elsewhere: a branch-free select with
/// integer vector operations only (SIMD comparisons and `replacing` compile to lane loops).
/// NaN `d` lanes pick either side, so callers keep NaN out of `d` or handle it themselves.
@inline(__always)
func select(_ a: SIMD8<Float>, whereNegative d: SIMD8<Float>, else b: SIMD8<Float>)
    -> SIMD8<Float>
{
    let mask = unsafeBitCast(
        unsafeBitCast(d, to: SIMD8<Int32>.self) &>> 31,
        to: SIMD8<UInt32>.self)
    let ai = unsafeBitCast(a, to: SIMD8<UInt32>.self)
    let bi = unsafeBitCast(b, to: SIMD8<UInt32>.self)
    return unsafeBitCast((ai & mask) | (bi & ~mask), to: SIMD8<Float>.self)
}
