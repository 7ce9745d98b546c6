internal import COpenBLAS

/// Process-wide OpenBLAS set-up.
///
/// geomap runs BLAS single-threaded and gets parallelism from Swift tasks over tiles and basins:
/// on the small matrices of these models that is 20–35 % faster than one multi-threaded call
/// (measured, `../shared/docs/reference/swift.md` §A.6) and never oversubscribes the cores.
public enum BLAS {
    /// Sets the number of OpenBLAS threads (call once at start-up, before any product).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// OpenBLAS's version, e.g. `0.3.21`, read from `openblas_get_config()`.
    public static var version: String {
        guard let config = openblas_get_config() else { return "unknown" }
        let words = String(cString: config).split(separator: " ")
        if words.count > 1, words[0] == "OpenBLAS" { return String(words[1]) }
        return words.first.map(String.init) ?? "unknown"
    }

    /// OpenBLAS's full build configuration (version, core, threading).
    public static var configuration: String {
        openblas_get_config().map { String(cString: $0) } ?? "unknown"
    }
}
