internal import CTensorKernels
public import RealModule

/// Element-wise activation functions with PyTorch's definitions.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `x · Φ(x) = 0.5 · x · (1 + erf(x / √2))` (PyTorch `nn.GELU()`, `approximate='none'`).
    case gelu
    /// `max(x, 0)`.
    case relu
    /// `x · σ(x)` (`nn.SiLU`).
    case silu
    /// `σ(x) = 1 / (1 + e^{−x})`.
    case sigmoid
    /// `tanh(x)`.
    case tanh
    /// `log(1 + e^x)`, or `x` where `x > 20` (PyTorch defaults `beta = 1`, `threshold = 20`).
    case softplus
    /// `x` (no-op).
    case identity

    /// Applies the activation to `count` elements at `x`, in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .gelu:
            let invSqrt2: Float = 0.70710678118654752
            for i in 0..<count {
                let v = x[i]
                // 1 + erf(z) = erfc(−z), accurate also where erf(z) → −1 (large negative x).
                x[i] = 0.5 * v * Float.erfc(-v * invSqrt2)
            }
        case .relu:
            for i in 0..<count where !(x[i] >= 0) && !x[i].isNaN { x[i] = 0 }
        case .silu:
            Activation.siluInPlace(x, count: count)
        case .sigmoid:
            for i in 0..<count { x[i] = Activation.sigmoid(x[i]) }
        case .tanh:
            for i in 0..<count { x[i] = Float.tanh(x[i]) }
        case .softplus:
            for i in 0..<count {
                let v = x[i]
                x[i] = v > 20 ? v : Float.log(onePlus: Float.exp(v))
            }
        case .identity:
            break
        }
    }

    /// SiLU of `count` values at `x`, in place, with the vector kernels of `level` (default:
    /// the best this CPU has; a level above ``KernelLevel/supported`` is lowered to it).
    public static func siluInPlace(
        _ x: UnsafeMutablePointer<Float>, count: Int, level: KernelLevel = .detected
    ) {
        let level = min(level, .supported)
        if level > .baseline {
            tk_silu(Int32(level.rawValue), x, count)
            return
        }
        let vectors = count / 8
        let raw = UnsafeMutableRawPointer(x)
        for j in 0..<vectors {
            let v = raw.loadUnaligned(fromByteOffset: j * 32, as: SIMD8<Float>.self)
            raw.storeBytes(
                of: v / (1 + vectorExp(-v)), toByteOffset: j * 32,
                as: SIMD8<Float>.self)
        }
        for i in (vectors * 8)..<count {
            let v = x[i]
            x[i] = v / (1 + Float.exp(-v))
        }
    }

    /// Applies the activation to every element of `x`, in place.
    public func apply(_ x: inout Tensor) {
        x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            apply(base, count: p.count)
        }
    }

    /// The activation of every element of `x`, as a new tensor.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        apply(&y)
        return y
    }

    /// The logistic sigmoid of one value, `1 / (1 + e^{−x})`, safe for any finite `x`.
    @inlinable public static func sigmoid(_ x: Float) -> Float {
        1 / (1 + Float.exp(-x))
    }
}

/// GELU (erf form, PyTorch default) of every element, in place.
public func gelu(_ x: inout Tensor) { Activation.gelu.apply(&x) }
/// ReLU of every element, in place.
public func relu(_ x: inout Tensor) { Activation.relu.apply(&x) }
/// SiLU (`x · σ(x)`) of every element, in place.
public func silu(_ x: inout Tensor) { Activation.silu.apply(&x) }
/// Logistic sigmoid of every element, in place.
public func sigmoid(_ x: inout Tensor) { Activation.sigmoid.apply(&x) }
/// Softplus (beta 1, threshold 20) of every element, in place.
public func softplus(_ x: inout Tensor) { Activation.softplus.apply(&x) }
/// Hyperbolic tangent of every element, in place (named to avoid clashing with libm `tanh`).
public func tanhInPlace(_ x: inout Tensor) { Activation.tanh.apply(&x) }
