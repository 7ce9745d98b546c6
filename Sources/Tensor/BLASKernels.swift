internal import COpenBLAS

#if canImport(Glibc)
    import Glibc
#endif

extension BLAS {
    /// The kernel set OpenBLAS picked at load time (e.g. `SkylakeX`, `Haswell`, `Prescott`).
    public static var coreName: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// The `OPENBLAS_CORETYPE` geomap should run with, or `nil` when OpenBLAS's own choice is
    /// fine. OpenBLAS 0.3.21 (Debian bookworm) does not know recent Intel CPUs (e.g. family 6
    /// model 207) and falls back to its generic `Prescott` kernels, about 10× slower than its
    /// AVX-512 `SkylakeX` ones on the same machine (measured, docs/benchmarks.md). When the CPU
    /// reports AVX-512 (F, BW, DQ, VL) this returns `SkylakeX`, with AVX2 + FMA `Haswell`.
    /// - Parameters:
    ///   - cpuFlags: the `flags` of `/proc/cpuinfo` (read when `nil`).
    ///   - environment: the process environment (a set `OPENBLAS_CORETYPE` is respected).
    public static func preferredCoreType(
        coreName: String = BLAS.coreName, cpuFlags: Set<String>? = nil,
        environment: [String: String]
    ) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil,
            ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "atom"]
                .contains(coreName.lowercased())
        else { return nil }
        let flags = cpuFlags ?? readCPUFlags()
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) {
            return "SkylakeX"
        }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// Re-executes the running program with `OPENBLAS_CORETYPE` set when OpenBLAS picked
    /// generic kernels on a CPU that has AVX2/AVX-512 (see ``preferredCoreType``). OpenBLAS reads
    /// the variable only when it is loaded, hence the re-exec; call first thing in `main`.
    /// Returns normally when nothing is to be done or the re-exec fails.
    public static func selectFastKernels(environment: [String: String]) {
        #if os(Linux)
            guard let coreType = preferredCoreType(environment: environment) else { return }
            setenv("OPENBLAS_CORETYPE", coreType, 1)
            let arguments = CommandLine.arguments
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
            argv.append(nil)
            execv("/proc/self/exe", &argv)
            // execv returned: it failed; keep running with the generic kernels.
            for pointer in argv { free(pointer) }
            unsetenv("OPENBLAS_CORETYPE")
        #endif
    }

    static func readCPUFlags() -> Set<String> {
        #if os(Linux)
            guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            while getline(&line, &capacity, file) > 0, let line {
                let text = String(cString: line)
                if text.hasPrefix("flags") {
                    let value = text.split(separator: ":", maxSplits: 1).last ?? ""
                    return Set(
                        value.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
                }
            }
        #endif
        return []
    }
}
