internal import CTensorKernels

/// Precision of a model's matrix products. `bf16` multiplies bfloat16 values (8-bit mantissa)
/// and accumulates in float32 (AVX512_BF16 `VDPBF16PS`); everything else (LayerNorm, softmax,
/// attention, activations, the residual stream) stays float32.
public enum MatmulPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    case fp32
    case bf16

    public var description: String { rawValue }

    /// Whether the bf16 products can run here: the CPU has AVX512_BF16 (with AVX-512 F, BW
    /// and VL, and the OS saves the ZMM state) and `GEOMAP_KERNELS` does not cap the level
    /// below `avx512bf16`.
    public static var bf16Available: Bool { KernelLevel.detected >= .avx512bf16 }

    /// The precision that runs when `self` is asked for, and a one-line notice when it differs
    /// (bf16 without AVX512_BF16 falls back to fp32).
    public var effective: (precision: MatmulPrecision, notice: String?) {
        guard self == .bf16, !Self.bf16Available else { return (self, nil) }
        let why =
            KernelLevel.supported >= .avx512bf16
            ? "GEOMAP_KERNELS=\(KernelLevel.detected) disables the AVX512_BF16 kernels"
            : "this CPU lacks AVX512_BF16"
        return (.fp32, "bf16 precision unavailable (\(why)); running in fp32")
    }
}

/// A weight matrix `[out, in]` (PyTorch `nn.Linear` layout) packed once for bfloat16 products:
/// blocks of 16 output rows, each `[⌈in/2⌉ pairs][16][2]` bfloat16 (rounded to nearest even),
/// and the bias kept in float32. Read-only, shared across tasks.
public final class BF16Weights: @unchecked Sendable {
    /// Output features (rows of the weight).
    public let outFeatures: Int
    /// Input features (columns of the weight).
    public let inFeatures: Int
    let packed: UnsafeMutablePointer<UInt16>
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
        let count = tk_bf16_packed_count(outFeatures, inFeatures)
        packed = .allocate(capacity: count)
        tk_bf16_pack_weights(weight, ldw, outFeatures, inFeatures, packed)
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

/// bfloat16 helpers and products. Every product needs ``MatmulPrecision/bf16Available``
/// (checked: calling one without it is a programming error, never an illegal instruction).
public enum BF16 {
    /// bfloat16 values per row that hold `columns` values (padded to an even count).
    public static func rowWidth(_ columns: Int) -> Int { (columns + 1) / 2 * 2 }

    /// The bfloat16 bits of `x` (round to nearest, ties to even).
    public static func bits(_ x: Float) -> UInt16 { tk_bf16_from_float(x) }

    /// The float value of bfloat16 `bits`.
    public static func value(_ bits: UInt16) -> Float { tk_bf16_to_float(bits) }

    /// `out[r, :] = bf16(x[r, :columns] ⊙ multiplier[r, :columns])` (no multiplier: just `x`),
    /// padded with 0 to ``rowWidth(_:)``; rows `ldx`, `ldm`, `ldo` elements apart.
    public static func convert(
        rows: Int, columns: Int, x: UnsafePointer<Float>, ldx: Int,
        multiplier: UnsafePointer<Float>? = nil, ldm: Int = 0,
        out: UnsafeMutablePointer<UInt16>, ldo: Int
    ) {
        requireKernels()
        precondition(ldo >= rowWidth(columns) && ldx >= columns)
        tk_bf16_convert_rows(x, ldx, multiplier, ldm, rows, columns, out, ldo)
    }

    /// `y[i, :] = (accumulate ? y[i, :] : 0) + bias + x[i, :] · Wᵀ` for `rows` bfloat16 rows
    /// `x` (`weights.inFeatures` values padded to even, `ldx` apart) into float32 `y`.
    public static func linear(
        rows: Int, x: UnsafePointer<UInt16>, ldx: Int, weights: BF16Weights,
        y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool = false
    ) {
        requireKernels()
        precondition(ldx >= rowWidth(weights.inFeatures) && ldx % 2 == 0)
        precondition(ldy >= weights.outFeatures)
        tk_bf16_gemm(
            rows, weights.outFeatures, weights.inFeatures, x, ldx, weights.packed, weights.bias,
            y, ldy, accumulate ? 1 : 0)
    }

    /// One routed SwiGLU expert: for `i < count`, with `t = tokens[i]` (distinct),
    /// `y[t, :] += gain[i] · SiLU(bias + x[t, :] · Wᵀ)`, reading the routed rows in place
    /// (no gather copy) and scattering the result (no scratch).
    public static func expertSiLU(
        count: Int, tokens: UnsafePointer<Int>, x: UnsafePointer<UInt16>, ldx: Int,
        weights: BF16Weights, gain: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        ldy: Int
    ) {
        requireKernels()
        precondition(ldx >= rowWidth(weights.inFeatures) && ldx % 2 == 0)
        precondition(ldy >= weights.outFeatures)
        tk_bf16_gemm_silu_scatter(
            count, weights.outFeatures, weights.inFeatures, x, ldx, tokens, weights.packed,
            weights.bias, gain, y, ldy)
    }

    @inline(__always)
    static func requireKernels() {
        precondition(
            KernelLevel.supported >= .avx512bf16,
            "bf16 kernels called on a CPU without AVX512_BF16")
    }
}
