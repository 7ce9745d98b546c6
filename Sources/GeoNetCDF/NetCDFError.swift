internal import CNetCDF
package import OutputFiles
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure reported by netCDF-C (a non-zero status) or a file that breaks the CF conventions
/// geomap relies on. The description is one line naming the file, what is wrong and, for
/// library failures, the `nc_*` call.
package struct NetCDFError: Error, CustomStringConvertible, Sendable {
    /// The netCDF-C status code (`NC_ENOTVAR` = -49, …), or 0 for a CF convention problem.
    package let status: Int32
    /// The `nc_*` function that failed, or `nil` for a CF convention problem.
    package let function: String?
    /// The file concerned.
    package let path: String
    /// `nc_strerror` text, or geomap's explanation of the CF problem.
    package let message: String

    package init(status: Int32, function: String?, path: String, message: String) {
        self.status = status
        self.function = function
        self.path = path
        self.message = message
    }

    /// A CF-convention problem (the library call succeeded but the content is unusable).
    package static func convention(_ path: String, _ message: String) -> NetCDFError {
        NetCDFError(status: 0, function: nil, path: path, message: message)
    }

    package var description: String {
        if let function { return "\(path): \(message) (\(function))" }
        return "\(path): \(message)"
    }
}

extension NetCDFError: ExitStatusProviding {
    /// 74 (or 75) when netCDF-C passed on an OS error of the machine (its positive statuses
    /// are `errno` values: disk full, I/O error, read-only file system); 2 otherwise.
    package var exitStatus: ExitStatus {
        guard status > 0, ErrorClassification.environmentCodes.contains(status) else {
            return .badInput
        }
        return EnvironmentError(operation: "write", path: path, code: status).exitStatus
    }
}

/// netCDF-C 4.9 is not thread-safe: every `nc_*` call in the process goes through this lock
/// (Unidata/netcdf-c#1373). Each call holds it only for its own duration.
let netCDFLock = Mutex<Void>(())

/// Runs one `nc_*` call under the process-wide lock and turns a non-zero status into a throw.
///
/// - Parameters:
///   - function: the C function name reported in the error, e.g. `nc_open`.
///   - path: the file concerned.
///   - body: the call; returns its status.
/// - Throws: ``NetCDFError`` naming `function`, `path` and `nc_strerror`'s text.
func nc(_ function: String, _ path: String, _ body: () -> Int32) throws(NetCDFError) {
    let (status, text) = netCDFLock.withLock { _ -> (Int32, String) in
        silenceHDF5OnThisThread()
        let status = body()
        return (status, status == NC_NOERR ? "" : String(cString: nc_strerror(status)))
    }
    if status != NC_NOERR {
        throw NetCDFError(status: status, function: function, path: path, message: text)
    }
}

/// Runs a call under the lock whose status is inspected by the caller (e.g. "attribute absent").
func ncStatus(_ body: () -> Int32) -> Int32 {
    netCDFLock.withLock { _ in
        silenceHDF5OnThisThread()
        return body()
    }
}

/// `H5Eset_auto2(hid_t, H5E_auto2_t, void *)`.
private typealias H5ESetAuto =
    @convention(c) (
        Int64, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?
    ) -> Int32

/// HDF5's `H5Eset_auto2`, found at run time in the libhdf5 netCDF-C loaded (so geomap needs no
/// HDF5 headers), or `nil` when absent.
private let h5eSetAuto: H5ESetAuto? = {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "H5Eset_auto2") else { return nil }
    return unsafeBitCast(symbol, to: H5ESetAuto.self)
}()

/// netCDF-C turns HDF5's automatic error printing off only on the thread that initialised it;
/// with the thread-safe HDF5 build the setting is per thread, so expected probes (absent
/// attributes) would print "HDF5-DIAG" noise from Swift's other threads. Switched off here,
/// under the netCDF lock, for whichever thread makes the call.
private func silenceHDF5OnThisThread() {
    _ = h5eSetAuto?(0, nil, nil)  // H5E_DEFAULT = 0: the default error stack
}
