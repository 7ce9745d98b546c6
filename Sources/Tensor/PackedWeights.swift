internal import CTensorKernels

/// A weight matrix `[out, in]` (PyTorch `nn.Linear` layout) packed once for the float32
/// products of ``PackedGemm``: blocks of 16 output rows, each `[in][16]` floats, and the bias.
/// Read-only, shared across tasks.
public final class PackedWeights: @unchecked Sendable {
    /// Output features (rows of the weight).
    public let outFeatures: Int
    /// Input features (columns of the weight).
    public let inFeatures: Int
    let packed: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>

    /// Packs `weight` (`[outFeatures, inFeatures]`, rows `ldw` apart) and `bias` (values
    /// `biasStride` apart, or none: zeros).
    public init(
        weight: UnsafePointer<Float>, ldw: Int, outFeatures: Int, inFeatures: Int,
        bias: UnsafePointer<Float>?, biasStride: Int = 1
    ) {
        precondition(outFeatures > 0 && inFeatures > 0 && ldw >= inFeatures)
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        let count = tk_f32_packed_count(outFeatures, inFeatures)
        packed = .allocate(capacity: count)
        tk_f32_pack_weights(weight, ldw, outFeatures, inFeatures, packed)
        let padded = (outFeatures + 15) / 16 * 16
        self.bias = .allocate(capacity: padded)
        self.bias.initialize(repeating: 0, count: padded)
        if let bias {
            for o in 0..<outFeatures { self.bias[o] = bias[o * biasStride] }
        }
    }

    deinit {
        packed.deallocate()
        bias.deallocate()
    }
}

/// float32 products against ``PackedWeights`` (AVX-512F FMA register tiles of 8 rows × 32
/// columns): no per-call packing of the weights, no zeroing of the output, routed rows read in
/// place. Every product needs ``available`` (checked: calling one without it is a programming
/// error, never an illegal instruction).
public enum PackedGemm {
    /// Whether the kernels may run: kernel level `avx512` or above (so `GEOMAP_KERNELS=avx2`
    /// selects the BLAS path).
    public static var available: Bool { KernelLevel.detected >= .avx512 }

    /// `y[i, :] = (accumulate ? y[i, :] : 0) + bias + x[i, :] · Wᵀ` for `rows` rows of `x`
    /// (`weights.inFeatures` values, `ldx` apart) into `y` (rows `ldy` apart).
    public static func linear(
        rows: Int, x: UnsafePointer<Float>, ldx: Int, weights: PackedWeights,
        y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool = false
    ) {
        requireKernels()
        precondition(ldx >= weights.inFeatures && ldy >= weights.outFeatures)
        tk_f32_gemm(
            rows, weights.outFeatures, weights.inFeatures, x, ldx, weights.packed, weights.bias,
            y, ldy, accumulate ? 1 : 0)
    }

    /// One routed SwiGLU expert: for `i < count`, with `t = tokens[i]` (distinct),
    /// `y[t, :] += gain[i] · SiLU(bias + x[t, :] · Wᵀ) ⊙ multiplier[t, :]` (no multiplier: 1),
    /// reading the routed rows in place and scattering the result (no gather, no scratch).
    public static func expertSiLU(
        count: Int, tokens: UnsafePointer<Int>, x: UnsafePointer<Float>, ldx: Int,
        weights: PackedWeights, gain: UnsafePointer<Float>,
        multiplier: UnsafePointer<Float>?, ldm: Int,
        y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        requireKernels()
        precondition(ldx >= weights.inFeatures && ldy >= weights.outFeatures)
        precondition(multiplier == nil || ldm >= weights.outFeatures)
        tk_f32_gemm_silu_scatter(
            count, weights.outFeatures, weights.inFeatures, x, ldx, tokens, weights.packed,
            weights.bias, gain, multiplier, ldm, y, ldy)
    }

    @inline(__always)
    static func requireKernels() {
        precondition(
            KernelLevel.supported >= .avx512, "float32 packed kernels called without AVX-512")
    }
}
