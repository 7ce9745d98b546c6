internal import CNetCDF

/// An open netCDF file: the single owner of an `ncid`, closed when the value ends.
///
/// Not Sendable: keep a file with the task that opened it. Every call goes through the
/// process-wide netCDF lock, so several files may be used from several tasks.
package struct NetCDFFile: ~Copyable {
    /// The netCDF id, or -1 once closed.
    private var ncid: Int32
    /// The path the file was opened from or created at.
    package let path: String

    /// Opens `path` read-only.
    ///
    /// - Throws: ``NetCDFError`` naming `nc_open` and the file.
    package init(opening path: String) throws(NetCDFError) {
        var id: Int32 = -1
        try nc("nc_open", path) { nc_open(path, NC_NOWRITE, &id) }
        self.ncid = id
        self.path = path
    }

    /// Creates a NetCDF-4 file in the classic data model (deflate and chunking available,
    /// readable by every netCDF-C 4 client), replacing any file at `path`.
    ///
    /// - Throws: ``NetCDFError`` naming `nc_create` and the file.
    package init(creatingClassicModel path: String) throws(NetCDFError) {
        var id: Int32 = -1
        let mode = NC_CLOBBER | NC_NETCDF4 | NC_CLASSIC_MODEL
        try nc("nc_create", path) { nc_create(path, mode, &id) }
        self.ncid = id
        self.path = path
    }

    /// Closes the file, reporting a failure to flush (a closed file is not closed again).
    package consuming func close() throws(NetCDFError) {
        let id = ncid
        ncid = -1
        try nc("nc_close", path) { nc_close(id) }
    }

    /// Closes the file without reporting a failure: after an error, so that no handle stays
    /// open until the process ends.
    package consuming func abandon() {
        let id = ncid
        ncid = -1
        guard id >= 0 else { return }
        _ = ncStatus { nc_close(id) }
    }

    deinit {
        if ncid >= 0 {
            let id = ncid
            _ = ncStatus { nc_close(id) }
        }
    }

    // MARK: - Inquiry

    /// All dimensions, in id order.
    package func dimensions() throws(NetCDFError) -> [NetCDFDimension] {
        let id = ncid
        var count: Int32 = 0
        try nc("nc_inq_dimids", path) { nc_inq_dimids(id, &count, nil, 0) }
        var ids = [Int32](repeating: 0, count: Int(count))
        try nc("nc_inq_dimids", path) { nc_inq_dimids(id, &count, &ids, 0) }
        var unlimitedCount: Int32 = 0
        try nc("nc_inq_unlimdims", path) { nc_inq_unlimdims(id, &unlimitedCount, nil) }
        var unlimited = [Int32](repeating: -1, count: Int(max(unlimitedCount, 1)))
        try nc("nc_inq_unlimdims", path) { nc_inq_unlimdims(id, &unlimitedCount, &unlimited) }
        var result: [NetCDFDimension] = []
        for dimid in ids.sorted() {
            var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            var length = 0
            try nc("nc_inq_dim", path) { nc_inq_dim(id, dimid, &name, &length) }
            result.append(
                NetCDFDimension(
                    id: dimid, name: cName(name), length: length,
                    isUnlimited: unlimited.contains(dimid)))
        }
        return result
    }

    /// All variables with their attributes, in id order.
    package func variables() throws(NetCDFError) -> [NetCDFVariable] {
        let id = ncid
        let dims = try dimensions()
        var count: Int32 = 0
        try nc("nc_inq_nvars", path) { nc_inq_nvars(id, &count) }
        var result: [NetCDFVariable] = []
        for varid in 0..<count {
            var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            var type: nc_type = 0
            var ndims: Int32 = 0
            var natts: Int32 = 0
            var dimids = [Int32](repeating: 0, count: Int(NC_MAX_VAR_DIMS))
            try nc("nc_inq_var", path) {
                nc_inq_var(id, varid, &name, &type, &ndims, &dimids, &natts)
            }
            let used = Array(dimids.prefix(Int(ndims)))
            let names = used.map { d in dims.first { $0.id == d }?.name ?? "?" }
            let shape = used.map { d in dims.first { $0.id == d }?.length ?? 0 }
            result.append(
                NetCDFVariable(
                    id: varid, name: cName(name),
                    type: NetCDFType(rawValue: type) ?? .double, dimensionIDs: used,
                    dimensions: names, shape: shape,
                    attributes: try attributes(of: varid, count: natts)))
        }
        return result
    }

    /// The file's global attributes.
    package func globalAttributes() throws(NetCDFError) -> [NetCDFAttribute] {
        let id = ncid
        var natts: Int32 = 0
        try nc("nc_inq_natts", path) { nc_inq_natts(id, &natts) }
        return try attributes(of: NC_GLOBAL, count: natts)
    }

    private func attributes(of varid: Int32, count: Int32) throws(NetCDFError)
        -> [NetCDFAttribute]
    {
        let id = ncid
        var result: [NetCDFAttribute] = []
        for number in 0..<count {
            var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            try nc("nc_inq_attname", path) { nc_inq_attname(id, varid, number, &name) }
            var type: nc_type = 0
            var length = 0
            try nc("nc_inq_att", path) { nc_inq_att(id, varid, name, &type, &length) }
            let value: AttributeValue
            if type == NC_CHAR {
                var bytes = [UInt8](repeating: 0, count: length)
                try nc("nc_get_att_text", path) {
                    bytes.withUnsafeMutableBufferPointer { buffer in
                        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: length) {
                            nc_get_att_text(id, varid, name, $0)
                        }
                    }
                }
                value = .text(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
            } else if type == NC_STRING {
                var strings = [UnsafeMutablePointer<CChar>?](repeating: nil, count: length)
                try nc("nc_get_att_string", path) { nc_get_att_string(id, varid, name, &strings) }
                let joined = strings.compactMap { $0.map { String(cString: $0) } }
                    .joined(separator: "\n")
                _ = ncStatus { nc_free_string(length, &strings) }
                value = .text(joined)
            } else {
                var numbers = [Double](repeating: 0, count: length)
                try nc("nc_get_att_double", path) {
                    nc_get_att_double(id, varid, name, &numbers)
                }
                value = .numbers(numbers, NetCDFType(rawValue: type) ?? .double)
            }
            result.append(NetCDFAttribute(cName(name), value))
        }
        return result
    }

    /// Chunk lengths of a variable (one per dimension), or `nil` when it is stored contiguously
    /// (classic files and NetCDF-4 contiguous variables).
    package func chunkSizes(of variable: NetCDFVariable) throws(NetCDFError) -> [Int]? {
        let id = ncid
        var format: Int32 = 0
        try nc("nc_inq_format", path) { nc_inq_format(id, &format) }
        guard format == NC_FORMAT_NETCDF4 || format == NC_FORMAT_NETCDF4_CLASSIC,
            !variable.shape.isEmpty
        else { return nil }
        var storage: Int32 = 0
        var sizes = [Int](repeating: 0, count: variable.shape.count)
        try nc("nc_inq_var_chunking", path) {
            nc_inq_var_chunking(id, variable.id, &storage, &sizes)
        }
        return storage == NC_CHUNKED ? sizes : nil
    }

    /// Whether a variable's chunks pass through HDF5 filters (deflate, shuffle, checksums,
    /// plugins); `false` for contiguous and classic-format variables.
    package func isFiltered(_ variable: NetCDFVariable) throws(NetCDFError) -> Bool {
        guard try chunkSizes(of: variable) != nil else { return false }
        let id = ncid
        var count = 0
        try nc("nc_inq_var_filter_ids", path) {
            nc_inq_var_filter_ids(id, variable.id, &count, nil)
        }
        var shuffle: Int32 = 0
        var deflate: Int32 = 0
        var level: Int32 = 0
        var checksum: Int32 = 0
        try nc("nc_inq_var_deflate", path) {
            nc_inq_var_deflate(id, variable.id, &shuffle, &deflate, &level)
        }
        try nc("nc_inq_var_fletcher32", path) {
            nc_inq_var_fletcher32(id, variable.id, &checksum)
        }
        return count > 0 || shuffle != 0 || deflate != 0 || checksum != 0
    }

    /// The file format as netCDF-C names it (`netCDF-4 classic model`, …).
    package func formatName() throws(NetCDFError) -> String {
        let id = ncid
        var format: Int32 = 0
        try nc("nc_inq_format", path) { nc_inq_format(id, &format) }
        switch format {
        case NC_FORMAT_CLASSIC: return "classic"
        case NC_FORMAT_64BIT_OFFSET: return "64-bit offset"
        case NC_FORMAT_CDF5: return "CDF5"
        case NC_FORMAT_NETCDF4: return "netCDF-4"
        case NC_FORMAT_NETCDF4_CLASSIC: return "netCDF-4 classic model"
        default: return "unknown (\(format))"
        }
    }

    // MARK: - Reading

    /// Reads a hyperslab converted to Double (netCDF-C converts from the stored type).
    ///
    /// - Parameters:
    ///   - start: first index per dimension, slowest first.
    ///   - count: lengths per dimension, slowest first.
    /// - Returns: `count.reduce(1, *)` values, last dimension fastest.
    package func readDoubles(_ variable: NetCDFVariable, start: [Int], count: [Int])
        throws(NetCDFError) -> [Double]
    {
        let id = ncid
        let total = count.reduce(1, *)
        var values = [Double](repeating: 0, count: total)
        if total == 0 { return values }
        try nc("nc_get_vara_double", path) {
            nc_get_vara_double(id, variable.id, start, count, &values)
        }
        return values
    }

    /// Reads a hyperslab converted to Float32 (for float variables: no conversion at all).
    ///
    /// - Returns: `count.reduce(1, *)` values, last dimension fastest.
    package func readFloats(_ variable: NetCDFVariable, start: [Int], count: [Int])
        throws(NetCDFError) -> [Float]
    {
        let id = ncid
        let total = count.reduce(1, *)
        var values = [Float](repeating: 0, count: total)
        if total == 0 { return values }
        try nc("nc_get_vara_float", path) {
            nc_get_vara_float(id, variable.id, start, count, &values)
        }
        return values
    }

    /// Reads a hyperslab as Float32 into `buffer` (no allocation, no copy beyond netCDF-C's).
    ///
    /// - Parameter buffer: at least `count.reduce(1, *)` values; filled last dimension fastest.
    package func readFloats(
        _ variable: NetCDFVariable, start: [Int], count: [Int],
        into buffer: UnsafeMutableBufferPointer<Float>
    ) throws(NetCDFError) {
        let id = ncid
        let total = count.reduce(1, *)
        precondition(buffer.count >= total, "buffer smaller than the slab")
        if total == 0 { return }
        let base = buffer.baseAddress
        try nc("nc_get_vara_float", path) {
            nc_get_vara_float(id, variable.id, start, count, base)
        }
    }

    /// Sets the chunk cache of one variable (bytes, hash slots, preemption 0…1). A cache of 0
    /// bytes lets HDF5 read whole uncompressed chunks straight into the caller's buffer; only
    /// worth it when every read covers whole chunks (else chunks are decoded more than once).
    package func setChunkCache(
        _ variable: NetCDFVariable, bytes: Int, slots: Int = 1, preemption: Float = 1
    ) throws(NetCDFError) {
        let id = ncid
        try nc("nc_set_var_chunk_cache", path) {
            nc_set_var_chunk_cache(id, variable.id, bytes, slots, preemption)
        }
    }

    /// Reads a whole variable as Double.
    package func readDoubles(_ variable: NetCDFVariable) throws(NetCDFError) -> [Double] {
        try readDoubles(
            variable, start: Array(repeating: 0, count: variable.shape.count),
            count: variable.shape)
    }

    /// Reads a char variable `(n, strlen)` as `n` strings (trailing NULs and spaces dropped).
    package func readStrings(_ variable: NetCDFVariable) throws(NetCDFError) -> [String] {
        guard variable.type == .char, let width = variable.shape.last, width > 0 else {
            throw .convention(path, "variable '\(variable.name)' is not a char array")
        }
        let id = ncid
        var bytes = [CChar](repeating: 0, count: variable.shape.reduce(1, *))
        try nc("nc_get_var_text", path) { nc_get_var_text(id, variable.id, &bytes) }
        return stride(from: 0, to: bytes.count, by: width).map { offset in
            let slice = bytes[offset..<(offset + width)].prefix { $0 != 0 }
            return String(decoding: slice.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .trimmingWhitespace
        }
    }

    // MARK: - Defining (new files)

    /// Defines a dimension; returns its id.
    package func defineDimension(_ name: String, length: Int) throws(NetCDFError) -> Int32 {
        let id = ncid
        var dimid: Int32 = -1
        try nc("nc_def_dim", path) { nc_def_dim(id, name, length, &dimid) }
        return dimid
    }

    /// Defines a variable over dimensions (slowest first); returns its id.
    package func defineVariable(_ name: String, type: NetCDFType, dimensions: [Int32])
        throws(NetCDFError) -> Int32
    {
        let id = ncid
        var varid: Int32 = -1
        try nc("nc_def_var", path) {
            nc_def_var(id, name, type.rawValue, Int32(dimensions.count), dimensions, &varid)
        }
        return varid
    }

    /// Stores a variable in chunks of `chunks` (one length per dimension), unfiltered.
    package func setChunking(_ varid: Int32, chunks: [Int]) throws(NetCDFError) {
        let id = ncid
        try nc("nc_def_var_chunking", path) { nc_def_var_chunking(id, varid, NC_CHUNKED, chunks) }
    }

    /// Sets chunk lengths and DEFLATE (with shuffle) on a variable.
    package func setChunkingAndDeflate(_ varid: Int32, chunks: [Int], level: Int32 = 4)
        throws(NetCDFError)
    {
        let id = ncid
        try setChunking(varid, chunks: chunks)
        try nc("nc_def_var_deflate", path) { nc_def_var_deflate(id, varid, 1, 1, level) }
    }

    /// Writes an attribute on a variable, or a global one when `varid` is `nil`.
    ///
    /// Numbers are written in `type` (a `_FillValue` must match its variable's type).
    package func putAttribute(_ attribute: NetCDFAttribute, on varid: Int32?)
        throws(NetCDFError)
    {
        let id = ncid
        let target = varid ?? NC_GLOBAL
        let name = attribute.name
        switch attribute.value {
        case .text(let text):
            let bytes = Array(text.utf8)
            try nc("nc_put_att_text", path) {
                bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        nc_put_att_text(id, target, name, bytes.count, $0.baseAddress)
                    }
                }
            }
        case .numbers(let values, let type):
            try nc("nc_put_att_double", path) {
                nc_put_att_double(id, target, name, type.rawValue, values.count, values)
            }
        }
    }

    /// Leaves define mode.
    package func endDefinitions() throws(NetCDFError) {
        let id = ncid
        try nc("nc_enddef", path) { nc_enddef(id) }
    }

    // MARK: - Writing

    /// Writes Float32 values into a hyperslab (last dimension fastest).
    package func write(_ values: [Float], to varid: Int32, start: [Int], count: [Int])
        throws(NetCDFError)
    {
        precondition(values.count == count.reduce(1, *), "value count does not match the slab")
        let id = ncid
        try nc("nc_put_vara_float", path) { nc_put_vara_float(id, varid, start, count, values) }
    }

    /// Writes Double values into a hyperslab (last dimension fastest).
    package func write(_ values: [Double], to varid: Int32, start: [Int], count: [Int])
        throws(NetCDFError)
    {
        precondition(values.count == count.reduce(1, *), "value count does not match the slab")
        let id = ncid
        try nc("nc_put_vara_double", path) { nc_put_vara_double(id, varid, start, count, values) }
    }

    /// Writes Int32 values into a hyperslab (last dimension fastest).
    package func write(_ values: [Int32], to varid: Int32, start: [Int], count: [Int])
        throws(NetCDFError)
    {
        precondition(values.count == count.reduce(1, *), "value count does not match the slab")
        let id = ncid
        try nc("nc_put_vara_int", path) { nc_put_vara_int(id, varid, start, count, values) }
    }

    /// Writes strings into a char variable `(n, width)`, NUL-padded; longer strings are an error.
    package func write(strings: [String], to varid: Int32, width: Int) throws(NetCDFError) {
        var bytes = [CChar](repeating: 0, count: strings.count * width)
        for (row, string) in strings.enumerated() {
            let utf8 = Array(string.utf8)
            guard utf8.count <= width else {
                throw .convention(path, "'\(string)' is longer than \(width) bytes")
            }
            for (column, byte) in utf8.enumerated() {
                bytes[row * width + column] = CChar(bitPattern: byte)
            }
        }
        let id = ncid
        let count = [strings.count, width]
        try nc("nc_put_vara_text", path) { nc_put_vara_text(id, varid, [0, 0], count, bytes) }
    }
}

/// A NUL-terminated C buffer as a String.
private func cName(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
