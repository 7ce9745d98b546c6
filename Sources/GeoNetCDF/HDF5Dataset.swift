/// One chunked HDF5 dataset, read chunk by chunk as stored (raw, still filtered).
internal import CHDF5

/// A chunked dataset of an ``HDF5File``: the single owner of its `hid_t`, with the facts a
/// direct chunk read needs (extent, chunk shape, filter pipeline, element type). Every HDF5
/// call goes through the netCDF lock, so one dataset may be read from several threads.
final class HDF5Dataset: @unchecked Sendable {
    /// One filter of the pipeline, in the order HDF5 applied it when writing.
    struct Filter: Sendable, Equatable {
        /// HDF5 filter id (1 deflate, 2 shuffle, 3 fletcher32, 307 bzip2, 32015 zstd, …).
        var id: Int32
        /// The filter's client data (for shuffle: the element size in bytes).
        var parameters: [UInt32]
    }

    let file: HDF5File
    let id: hid_t
    /// The dataset's name in the root group.
    let name: String
    /// Current extent, slowest dimension first.
    let shape: [Int]
    /// Chunk lengths, slowest dimension first.
    let chunkShape: [Int]
    let filters: [Filter]
    /// The stored element type, or `nil` for a type geomap does not decode (big-endian,
    /// 64-bit integers, compound, …).
    let element: StoredElement?

    /// Opens dataset `name` of `file`; `nil` when it is not chunked.
    ///
    /// - Throws: ``NetCDFError`` naming the HDF5 call that failed.
    init?(file: HDF5File, name: String) throws(NetCDFError) {
        let path = file.path
        let dataset = try h5("H5Dopen2", path) { H5Dopen2(file.id, name, geomap_h5p_default()) }
        var shape: [Int] = []
        var chunkShape: [Int] = []
        var filters: [Filter] = []
        var element: StoredElement?
        var chunked = false
        do throws(NetCDFError) {
            let plist = try h5("H5Dget_create_plist", path) { H5Dget_create_plist(dataset) }
            defer { _ = try? h5("H5Pclose", path) { H5Pclose(plist) } }
            chunked =
                try h5("H5Pget_layout", path) { H5Pget_layout(plist).rawValue }
                == H5D_CHUNKED.rawValue
            if chunked {
                var dims = [hsize_t](repeating: 0, count: 32)
                let rank = try h5("H5Pget_chunk", path) { H5Pget_chunk(plist, 32, &dims) }
                chunkShape = dims.prefix(Int(rank)).map { Int($0) }
                let count = try h5("H5Pget_nfilters", path) { H5Pget_nfilters(plist) }
                for index in 0..<UInt32(count) {
                    var flags: UInt32 = 0
                    var parameterCount = 16
                    var parameters = [UInt32](repeating: 0, count: 16)
                    var config: UInt32 = 0
                    let filter = try h5("H5Pget_filter2", path) {
                        H5Pget_filter2(
                            plist, index, &flags, &parameterCount, &parameters, 0, nil, &config)
                    }
                    filters.append(
                        Filter(
                            id: filter,
                            parameters: Array(parameters.prefix(min(parameterCount, 16)))))
                }
            }
            let space = try h5("H5Dget_space", path) { H5Dget_space(dataset) }
            defer { _ = try? h5("H5Sclose", path) { H5Sclose(space) } }
            let rank = try h5("H5Sget_simple_extent_ndims", path) {
                H5Sget_simple_extent_ndims(space)
            }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            _ = try h5("H5Sget_simple_extent_dims", path) {
                H5Sget_simple_extent_dims(space, &dims, nil)
            }
            shape = dims.map { Int($0) }
            let type = try h5("H5Dget_type", path) { H5Dget_type(dataset) }
            defer { _ = try? h5("H5Tclose", path) { H5Tclose(type) } }
            element = try StoredElement(hdf5Type: type, path: path)
        } catch {
            _ = try? h5("H5Dclose", path) { H5Dclose(dataset) }
            throw error
        }
        guard chunked else {
            _ = try? h5("H5Dclose", path) { H5Dclose(dataset) }
            return nil
        }
        self.file = file
        self.id = dataset
        self.name = name
        self.shape = shape
        self.chunkShape = chunkShape
        self.filters = filters
        self.element = element
    }

    deinit {
        let dataset = id
        _ = try? h5("H5Dclose", file.path) { H5Dclose(dataset) }
    }

    /// The stored size in bytes of the chunk whose first element is at `origin` (one index per
    /// dimension, a multiple of the chunk shape), or `nil` when that chunk was never written
    /// (its values are the fill value).
    func storedSize(at origin: [UInt64]) throws(NetCDFError) -> Int? {
        let dataset = id
        var mask: UInt32 = 0
        var address: haddr_t = 0
        var size: hsize_t = 0
        _ = try h5("H5Dget_chunk_info_by_coord", file.path) {
            H5Dget_chunk_info_by_coord(dataset, origin, &mask, &address, &size)
        }
        return address == geomap_haddr_undef() ? nil : Int(size)
    }

    /// Reads the stored (filtered) bytes of the chunk at `origin` into `buffer`, which holds at
    /// least its stored size; returns the chunk's filter mask (bit `i` set: filter `i` of the
    /// pipeline was skipped when the chunk was written).
    func readRaw(at origin: [UInt64], into buffer: UnsafeMutableRawPointer) throws(NetCDFError)
        -> UInt32
    {
        let dataset = id
        var mask: UInt32 = 0
        _ = try h5("H5Dread_chunk", file.path) {
            H5Dread_chunk(dataset, geomap_h5p_default(), origin, &mask, buffer)
        }
        return mask
    }
}

/// The element types whose stored bytes geomap converts itself (little-endian only).
enum StoredElement: Sendable, Equatable {
    case int8, uint8, int16, uint16, int32, uint32, float32, float64

    /// Bytes per element.
    var size: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .float64: 8
        }
    }

    /// The netCDF type of the same values.
    var netCDFType: NetCDFType {
        switch self {
        case .int8: .byte
        case .uint8: .ubyte
        case .int16: .short
        case .uint16: .ushort
        case .int32: .int
        case .uint32: .uint
        case .float32: .float
        case .float64: .double
        }
    }

    /// Reads an HDF5 datatype; `nil` when geomap does not convert it itself.
    init?(hdf5Type type: hid_t, path: String) throws(NetCDFError) {
        let typeClass = try h5("H5Tget_class", path) { H5Tget_class(type).rawValue }
        let size = try h5("H5Tget_size", path) { Int(H5Tget_size(type)) }
        let order = try h5("H5Tget_order", path) { H5Tget_order(type).rawValue }
        // One-byte types have no byte order worth checking.
        guard size == 1 || order == H5T_ORDER_LE.rawValue, 1.littleEndian == 1 else {
            return nil
        }
        if typeClass == H5T_FLOAT.rawValue {
            switch size {
            case 4: self = .float32
            case 8: self = .float64
            default: return nil
            }
        } else if typeClass == H5T_INTEGER.rawValue {
            let signed =
                try h5("H5Tget_sign", path) { H5Tget_sign(type).rawValue }
                == H5T_SGN_2.rawValue
            switch (size, signed) {
            case (1, true): self = .int8
            case (1, false): self = .uint8
            case (2, true): self = .int16
            case (2, false): self = .uint16
            case (4, true): self = .int32
            case (4, false): self = .uint32
            default: return nil
            }
        } else {
            return nil
        }
    }
}
