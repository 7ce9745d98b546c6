internal import CTensorKernels

#if canImport(Glibc)
    import Glibc
#endif

/// The instruction set the vector kernels (softmax, SiLU, fused attention, bfloat16 products)
/// run with. The
/// package is compiled for baseline x86-64; the AVX2 and AVX-512 kernels live in the C target
/// `CTensorKernels`, compiled per function for their instruction set, and are chosen here at
/// run time, so geomap still runs on CPUs without AVX2 (with the portable Swift kernels).
public enum KernelLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Portable Swift code (SSE2 on x86-64, NEON on arm64).
    case baseline = 0
    /// AVX2 + FMA, 8 lanes.
    case avx2 = 1
    /// AVX-512F, 16 lanes with masked tails.
    case avx512 = 2
    /// AVX-512 plus AVX512_BF16 (with BW and VL): the float kernels of `avx512`, and the
    /// bfloat16 matrix products of ``MatmulPrecision/bf16`` (VDPBF16PS).
    case avx512bf16 = 3

    /// The best level this CPU (and OS) supports, capped by the environment variable
    /// `GEOMAP_KERNELS` (`baseline`, `avx2`, `avx512` or `avx512bf16`) when set, e.g. to compare
    /// levels or to force the fp32 fallback of `--precision bf16` (`avx512` or lower).
    public static let detected: KernelLevel = {
        let cpu = supported
        guard let value = getenv("GEOMAP_KERNELS").map({ String(cString: $0) }),
            let cap = KernelLevel(name: value)
        else { return cpu }
        return min(cap, cpu)
    }()

    /// The best level the CPU supports (CPUID + XGETBV), ignoring `GEOMAP_KERNELS`.
    public static let supported: KernelLevel =
        KernelLevel(rawValue: Int(tk_cpu_level())) ?? .baseline

    /// Parses `baseline`, `avx2`, `avx512` or `avx512bf16` (case-insensitive).
    public init?(name: String) {
        guard
            let level = KernelLevel.allCases.first(where: {
                $0.description == name.lowercased()
            })
        else { return nil }
        self = level
    }

    /// `baseline`, `avx2`, `avx512` or `avx512bf16`.
    public var description: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512: "avx512"
        case .avx512bf16: "avx512bf16"
        }
    }

    public static func < (a: KernelLevel, b: KernelLevel) -> Bool { a.rawValue < b.rawValue }
}
