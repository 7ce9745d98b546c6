/// Which reader a forcing variable's compressed chunks go through, and the cache of parallel
/// chunk readers of the file being read.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How ``CFForcing`` reads a variable of one of its files.
package enum CFChunkDecoding: Sendable, Equatable, CustomStringConvertible {
    /// Chunks read raw through HDF5 and decoded (DEFLATE, shuffle) by geomap on `tasks`
    /// threads.
    case parallel(tasks: Int)
    /// Read through netCDF-C (`nc_get_vara_*`, one thread), for `reason`.
    case netCDF(reason: String)

    /// Threads that decode chunks unless told otherwise: the online processors.
    package static var defaultTasks: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    package var description: String {
        switch self {
        case .parallel(let tasks): "parallel chunk decoding on \(tasks) threads"
        case .netCDF(let reason): "netCDF-C (\(reason))"
        }
    }
}

/// The parallel chunk readers of the file ``CFForcing`` has open, made on first use of each
/// variable; a variable geomap cannot decode is remembered with the reason.
final class ChunkReaderCache {
    private var path: String?
    private var file: HDF5File?
    private var fileFailed = false
    private var readers:
        [String: Result<ChunkedVariableReader, ChunkedVariableReader.Unsupported>] =
            [:]

    /// The reader of `variable` in the file at `path` (a netCDF-4 file, `format` as netCDF-C
    /// names it), or why there is none.
    func reader(for variable: CFGridVariable, path: String, format: String)
        -> Result<ChunkedVariableReader, ChunkedVariableReader.Unsupported>
    {
        if self.path != path {
            readers = [:]
            file = nil
            fileFailed = false
            self.path = path
        }
        if let known = readers[variable.name] { return known }
        let result = make(variable, path: path, format: format)
        readers[variable.name] = result
        return result
    }

    private func make(_ variable: CFGridVariable, path: String, format: String)
        -> Result<ChunkedVariableReader, ChunkedVariableReader.Unsupported>
    {
        guard format.hasPrefix("netCDF-4") else { return .failure(.classicFormat) }
        guard variable.chunkSizes != nil else { return .failure(.contiguous) }
        if file == nil && !fileFailed {
            file = try? HDF5File(opening: path)
            fileFailed = file == nil
        }
        guard let file else { return .failure(.notFound) }
        // netCDF-C stores a variable named like a dimension it does not describe under a
        // prefixed name.
        guard
            let name = [variable.name, "_nc4_non_coord_" + variable.name].first(where: {
                file.contains($0)
            })
        else { return .failure(.notFound) }
        do {
            guard let dataset = try HDF5Dataset(file: file, name: name) else {
                return .failure(.contiguous)
            }
            return .success(
                try ChunkedVariableReader(dataset: dataset, variable: variable.variable))
        } catch let unsupported as ChunkedVariableReader.Unsupported {
            return .failure(unsupported)
        } catch {
            return .failure(.notFound)
        }
    }
}

extension ChunkedVariableReader.Unsupported {
    /// The reason as ``CFChunkDecoding/netCDF(reason:)`` states it.
    var reason: String {
        switch self {
        case .classicFormat: "not a netCDF-4 file"
        case .notFound: "no HDF5 dataset of that name"
        case .contiguous: "not chunked"
        case .notCompressed: "chunks not compressed"
        case .filter(let id): "HDF5 filter \(id) is not decoded by geomap"
        case .elementType: "stored type not decoded by geomap (big-endian or 64-bit)"
        case .extent: "dataset extent differs from the variable's"
        }
    }
}
