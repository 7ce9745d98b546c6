/// HDF5 files opened a second time, read-only, beside netCDF-C, for direct chunk reads.
internal import CHDF5

/// Runs one HDF5 call under the process-wide netCDF lock (netCDF-C calls HDF5 too) with HDF5's
/// error printing off on this thread, and turns a negative result into a throw.
///
/// - Parameters:
///   - function: the C function named in the error, e.g. `H5Dread_chunk`.
///   - path: the file concerned.
///   - body: the call; returns its (signed) result.
/// - Returns: the call's result when it is not negative.
/// - Throws: ``NetCDFError`` naming `function` and `path`.
func h5<Result: BinaryInteger>(
    _ function: String, _ path: String, _ body: () -> Result
) throws(NetCDFError) -> Result {
    let result = netCDFLock.withLock { _ -> Result in
        _ = H5Eset_auto2(geomap_h5e_default(), nil, nil)
        return body()
    }
    guard result >= 0 else {
        throw NetCDFError(
            status: -1, function: function, path: path, message: "the HDF5 call failed")
    }
    return result
}

/// An HDF5 file open read-only: the single owner of its `hid_t`, closed when the last
/// reference ends. Shared by the datasets read from it (they keep it alive).
final class HDF5File: @unchecked Sendable {
    /// The HDF5 file id.
    let id: hid_t
    /// The path it was opened from.
    let path: String

    /// Opens `path` read-only (HDF5 shares the open file with netCDF-C when it has it open).
    ///
    /// - Throws: ``NetCDFError`` naming `H5Fopen` (not an HDF5 file, unreadable).
    init(opening path: String) throws(NetCDFError) {
        id = try h5("H5Fopen", path) {
            H5Fopen(path, geomap_h5f_acc_rdonly(), geomap_h5p_default())
        }
        self.path = path
    }

    deinit {
        let file = id
        _ = try? h5("H5Fclose", path) { H5Fclose(file) }
    }

    /// Whether a link called `name` exists in the root group.
    func contains(_ name: String) -> Bool {
        let file = id
        return ((try? h5("H5Lexists", path) { H5Lexists(file, name, geomap_h5p_default()) }) ?? 0)
            > 0
    }
}
