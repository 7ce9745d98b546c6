/// Gridded CF forcings (one file, or one file per period) read as one time axis, in time slabs
/// that follow the files' chunking.

/// A gridded forcing: one or more CF files with the same grid, read as one time axis.
///
/// Not Sendable: it keeps the file being read open. Use one per task.
package final class CFForcing {
    /// The files, sorted by their first time step.
    package let paths: [String]
    /// The time axis of all files together, in the units of the first file.
    package let timeAxis: CFTimeAxis
    /// The common grid, with its CRS.
    package let grid: CFGrid
    /// Gridded variables of the first file that have a time dimension.
    package let variables: [CFGridVariable]

    /// One file's share of the time axis.
    private struct Segment {
        var dataset: CFDataset
        var start: Int
        var count: Int
    }

    private let segments: [Segment]
    private var openSegment = -1
    private var openFile: NetCDFFile?
    private let chunkReaders = ChunkReaderCache()

    /// Threads that decode compressed chunks (read raw through HDF5, DEFLATE and shuffle undone
    /// by geomap; the values are netCDF-C's, bit for bit); 0 reads everything through
    /// netCDF-C on the calling thread. Default: the online processors.
    package var chunkDecodeTasks = CFChunkDecoding.defaultTasks

    /// Opens the forcing made of `paths` (one per year, say).
    ///
    /// - Throws: ``NetCDFError`` when a file has no time axis, no latitude/longitude or x/y
    ///   grid, a projected grid without grid_mapping, grids or calendars that differ between
    ///   files, or time steps that do not increase across the files.
    package init(paths: [String]) throws(NetCDFError) {
        guard !paths.isEmpty else {
            throw .convention("(no files)", "a forcing needs at least one NetCDF file")
        }
        var scanned: [(CFDataset, CFTimeAxis, CFGrid)] = []
        for path in paths {
            let dataset = try CFDataset(path: path)
            guard let time = dataset.timeAxis else {
                throw .convention(
                    path,
                    "no time axis (no variable with axis = \"T\", standard_name = \"time\" or "
                        + "units '<unit> since <date>')")
            }
            guard let grid = dataset.grid else {
                throw .convention(
                    path,
                    "no latitude/longitude or projection x/y axes (CF standard_name, units or "
                        + "axis attributes)")
            }
            guard grid.crs != nil else {
                throw .convention(
                    path, "projected x/y axes but no grid_mapping variable: the CRS is unknown")
            }
            scanned.append((dataset, time, grid))
        }
        scanned.sort { a, b in
            guard let fa = a.1.values.first, let fb = b.1.values.first else { return false }
            let first = a.1.units.date(fa)
            let second = b.1.units.date(fb)
            return first < second
        }
        let reference = scanned[0]
        var values: [Double] = []
        var segments: [Segment] = []
        for (dataset, time, grid) in scanned {
            guard grid.matches(reference.2) else {
                throw .convention(
                    dataset.path,
                    "its grid differs from \(reference.0.path)'s (axes or CRS); the files of "
                        + "one forcing must share one grid")
            }
            guard time.calendar == reference.1.calendar else {
                throw .convention(
                    dataset.path,
                    "calendar '\(time.calendar.rawValue)' differs from \(reference.0.path)'s "
                        + "'\(reference.1.calendar.rawValue)'")
            }
            var converted: [Double] = []
            for value in time.values {
                guard let common = reference.1.units.value(of: time.units.date(value)) else {
                    throw .convention(dataset.path, "time value \(value) is not a valid date")
                }
                converted.append(common)
            }
            if let previous = segments.last, let last = values.last, let first = converted.first,
                last >= first
            {
                let end = reference.1.units.date(last)
                throw .convention(
                    dataset.path,
                    "its first time step \(time.date(at: 0)) is not after the last of "
                        + "\(previous.dataset.path) (\(end)); the files of one forcing must not "
                        + "overlap")
            }
            for i in converted.indices.dropFirst() where converted[i - 1] >= converted[i] {
                throw .convention(
                    dataset.path,
                    "time steps do not increase: step \(i) (\(time.date(at: i))) is not after "
                        + "step \(i - 1) (\(time.date(at: i - 1)))")
            }
            segments.append(Segment(dataset: dataset, start: values.count, count: converted.count))
            values += converted
        }
        self.paths = scanned.map(\.0.path)
        self.segments = segments
        self.grid = reference.2
        self.timeAxis = CFTimeAxis(
            variableName: reference.1.variableName, units: reference.1.units, values: values)
        self.variables = reference.0.gridVariables.filter { $0.timeDimension != nil }
    }

    /// Convenience for a single file.
    package convenience init(path: String) throws(NetCDFError) {
        try self.init(paths: [path])
    }

    /// The variable called `name`, or whose `standard_name` is `name`.
    ///
    /// - Throws: ``NetCDFError`` listing the available variables when there is none.
    package func variable(_ name: String) throws(NetCDFError) -> CFGridVariable {
        if let found = variables.first(where: { $0.name == name })
            ?? variables.first(where: { $0.standardName == name })
        {
            return found
        }
        let available = variables.map(\.name).joined(separator: ", ")
        throw .convention(
            paths[0],
            "no gridded time-varying variable named (or with standard_name) '\(name)'; "
                + "available: \(available)")
    }

    /// Time ranges covering `range` (default: all steps), each a whole number of the files'
    /// time chunks, never crossing a file boundary, and holding at most `maxValues` values
    /// (but at least one chunk).
    package func timeSlabs(
        for variable: CFGridVariable, in range: Range<Int>? = nil, maxValues: Int = 16 << 20
    ) -> [Range<Int>] {
        let wanted = range ?? 0..<timeAxis.count
        let perStep = max(1, grid.width * grid.height)
        var slabs: [Range<Int>] = []
        for segment in segments {
            let chunk = segment.dataset.gridVariable(variable.name)?.timeChunkLength ?? 1
            let stepsBudget = max(chunk, (maxValues / perStep) / chunk * chunk)
            let lower = max(wanted.lowerBound, segment.start)
            let upper = min(wanted.upperBound, segment.start + segment.count)
            var t = lower
            while t < upper {
                // Align the end to a chunk boundary of this file.
                let local = t - segment.start
                let alignedEnd = (local / chunk) * chunk + stepsBudget
                let end = min(upper, segment.start + alignedEnd)
                slabs.append(t..<end)
                t = end
            }
        }
        return slabs
    }

    /// Reads time steps `times` of `variable` as physical Float32 values.
    ///
    /// - Parameters:
    ///   - times: global time-step indices (may span several files).
    ///   - window: an optional sub-window of the grid (x and y index ranges).
    /// - Returns: `[time][y][x]` in file order of each axis (y index 0 = first y value), NaN
    ///   where the stored value is missing (fill, missing_value, outside valid range).
    /// - Throws: ``NetCDFError`` when a file lacks the variable or a read fails.
    package func read(
        _ variable: CFGridVariable, times: Range<Int>,
        window: (x: Range<Int>, y: Range<Int>)? = nil
    ) throws(NetCDFError) -> [Float] {
        let xs = window?.x ?? 0..<grid.width
        let ys = window?.y ?? 0..<grid.height
        precondition(times.lowerBound >= 0 && times.upperBound <= timeAxis.count)
        let total = times.count * xs.count * ys.count
        var failure: NetCDFError?
        let output = [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            do throws(NetCDFError) {
                let missing = try readSegments(variable, times: times, xs: xs, ys: ys, into: buffer)
                missing.markNaN(buffer)
            } catch {
                failure = error
                buffer.initialize(repeating: .nan)
            }
            initialized = total
        }
        if let failure { throw failure }
        return output
    }

    /// Reads time steps `times` of `variable` over the whole grid into `buffer` with as few
    /// passes over the values as the file allows: an unpacked float variable stored
    /// `(time, y, x)` is read by netCDF-C straight into `buffer` and its missing values are
    /// left as stored; other variables are decoded, missing values becoming NaN.
    ///
    /// - Parameter buffer: at least `times.count × height × width` values, filled as
    ///   `[time][y][x]` in file order of each axis.
    /// - Returns: which values of `buffer` are missing (``CFFloatMissing/nanOnly`` when the
    ///   values were decoded); callers test them as they use the values.
    /// - Throws: ``NetCDFError`` when a file lacks the variable or a read fails.
    package func read(
        _ variable: CFGridVariable, times: Range<Int>,
        into buffer: UnsafeMutableBufferPointer<Float>
    ) throws(NetCDFError) -> CFFloatMissing {
        precondition(times.lowerBound >= 0 && times.upperBound <= timeAxis.count)
        precondition(buffer.count >= times.count * grid.width * grid.height, "buffer too small")
        return try readSegments(
            variable, times: times, xs: 0..<grid.width, ys: 0..<grid.height, into: buffer)
    }

    /// Reads each file's share of `times`; missing values stay as stored only when the read
    /// lies in one file (one missing-value convention), else they become NaN.
    private func readSegments(
        _ variable: CFGridVariable, times: Range<Int>, xs: Range<Int>, ys: Range<Int>,
        into buffer: UnsafeMutableBufferPointer<Float>
    ) throws(NetCDFError) -> CFFloatMissing {
        let perStep = xs.count * ys.count
        var parts: [(UnsafeMutableBufferPointer<Float>, CFFloatMissing)] = []
        for (index, segment) in segments.enumerated() {
            let lower = max(times.lowerBound, segment.start)
            let upper = min(times.upperBound, segment.start + segment.count)
            guard lower < upper else { continue }
            guard let local = segment.dataset.gridVariable(variable.name) else {
                throw .convention(
                    segment.dataset.path, "the variable '\(variable.name)' is missing")
            }
            if openSegment != index {
                openFile = nil
                openFile = try NetCDFFile(opening: segment.dataset.path)
                openSegment = index
                cacheChecked = []
            }
            let offset = (lower - times.lowerBound) * perStep
            let part = UnsafeMutableBufferPointer(
                rebasing: buffer[offset..<(offset + (upper - lower) * perStep)])
            let missing = try readSlab(
                local, times: (lower - segment.start)..<(upper - segment.start), xs: xs, ys: ys,
                into: part)
            parts.append((part, missing))
        }
        if parts.count == 1 { return parts[0].1 }
        for (part, missing) in parts { missing.markNaN(part) }
        return .nanOnly
    }

    /// How `variable` is read from the first file (the others are looked at when read).
    package func chunkDecoding(for variable: CFGridVariable) -> CFChunkDecoding {
        guard chunkDecodeTasks > 0 else { return .netCDF(reason: "chunk decoding off") }
        let dataset = segments[0].dataset
        guard let local = dataset.gridVariable(variable.name) else {
            return .netCDF(reason: "no such variable")
        }
        switch chunkReaders.reader(for: local, path: dataset.path, format: dataset.format) {
        case .success: return .parallel(tasks: chunkDecodeTasks)
        case .failure(let unsupported): return .netCDF(reason: unsupported.reason)
        }
    }

    /// The parallel chunk reader of `v` in the open file, or `nil` (read through netCDF-C).
    private func chunkReader(_ v: CFGridVariable) -> ChunkedVariableReader? {
        guard chunkDecodeTasks > 0 else { return nil }
        let dataset = segments[openSegment].dataset
        return try? chunkReaders.reader(for: v, path: dataset.path, format: dataset.format).get()
    }

    /// Reads a hyperslab as Float32 (float variables) into `output`, decoding chunks in
    /// parallel when possible, else through netCDF-C.
    private func readFloats(
        _ v: CFGridVariable, start: [Int], count: [Int],
        into output: UnsafeMutableBufferPointer<Float>
    ) throws(NetCDFError) {
        if let reader = chunkReader(v), v.variable.type == .float,
            try reader.readFloats(
                start: start, count: count, into: output.baseAddress!, tasks: chunkDecodeTasks)
        {
            return
        }
        try openFile!.readFloats(v.variable, start: start, count: count, into: output)
    }

    /// Reads a hyperslab as Double (any numeric variable), decoding chunks in parallel when
    /// possible, else through netCDF-C.
    private func readDoubles(_ v: CFGridVariable, start: [Int], count: [Int])
        throws(NetCDFError) -> [Double]
    {
        if let reader = chunkReader(v) {
            var failure: NetCDFError?
            let total = count.reduce(1, *)
            var done = false
            let values = [Double](unsafeUninitializedCapacity: total) { buffer, initialized in
                do throws(NetCDFError) {
                    done = try reader.readDoubles(
                        start: start, count: count, into: buffer.baseAddress!,
                        tasks: chunkDecodeTasks)
                } catch {
                    failure = error
                }
                if !done { buffer.initialize(repeating: 0) }
                initialized = total
            }
            if let failure { throw failure }
            if done { return values }
        }
        return try openFile!.readDoubles(v.variable, start: start, count: count)
    }

    /// Variables of the open file whose chunk cache has been looked at.
    private var cacheChecked: Set<Int32> = []

    /// Reads one file's slab into `output` (`[time][y][x]`).
    /// - Returns: the missing test of the values written.
    private func readSlab(
        _ v: CFGridVariable, times: Range<Int>, xs: Range<Int>, ys: Range<Int>,
        into output: UnsafeMutableBufferPointer<Float>
    ) throws(NetCDFError) -> CFFloatMissing {
        let rank = v.variable.shape.count
        var start = [Int](repeating: 0, count: rank)
        var count = [Int](repeating: 1, count: rank)
        start[v.xDimension] = xs.lowerBound
        count[v.xDimension] = xs.count
        start[v.yDimension] = ys.lowerBound
        count[v.yDimension] = ys.count
        if let t = v.timeDimension {
            start[t] = times.lowerBound
            count[t] = times.count
        }
        let packing = v.packing
        let fileOrder = (v.timeDimension ?? -1) < v.yDimension && v.yDimension < v.xDimension
        if packing.allowsFloatPath(v.variable.type), fileOrder {
            // Already [time][y][x] and physical: netCDF-C writes straight into the output.
            if !cacheChecked.contains(v.variable.id) {
                cacheChecked.insert(v.variable.id)
                // Unfiltered chunks without a cache go from the file to the output directly
                // (no copy through HDF5's chunk cache); a chunk is never decoded twice.
                if try openFile!.isFiltered(v.variable) == false,
                    v.chunkSizes != nil
                {
                    try openFile!.setChunkCache(v.variable, bytes: 0)
                }
            }
            try readFloats(v, start: start, count: count, into: output)
            let (missing, low, high) = packing.floatTests
            return CFFloatMissing(values: missing, low: low, high: high)
        }
        // Strides of the slab in file order (last dimension fastest).
        var strides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) {
            strides[d] = strides[d + 1] * count[d + 1]
        }
        let sx = strides[v.xDimension]
        let sy = strides[v.yDimension]
        let st = v.timeDimension.map { strides[$0] } ?? 0
        let width = xs.count
        let height = ys.count
        if packing.allowsFloatPath(v.variable.type) {
            var raw = [Float](repeating: 0, count: count.reduce(1, *))
            try raw.withUnsafeMutableBufferPointer { buffer throws(NetCDFError) in
                try readFloats(v, start: start, count: count, into: buffer)
            }
            let tests = packing.floatTests
            let missing = CFFloatMissing(values: tests.missing, low: tests.low, high: tests.high)
            scatter(
                raw, times: times.count, height: height, width: width, st: st, sy: sy,
                sx: sx, into: output
            ) { value in missing.isMissing(value) ? .nan : value }
        } else {
            let raw = try readDoubles(v, start: start, count: count)
            scatter(
                raw, times: times.count, height: height, width: width, st: st, sy: sy,
                sx: sx, into: output, packing.decode)
        }
        return .nanOnly
    }

    /// Copies a slab in file order into `[time][y][x]` order, decoding each value.
    @inline(__always)
    private func scatter<T>(
        _ raw: [T], times: Int, height: Int, width: Int, st: Int, sy: Int, sx: Int,
        into target: UnsafeMutableBufferPointer<Float>, _ decode: (T) -> Float
    ) {
        raw.withUnsafeBufferPointer { source in
            var out = 0
            for t in 0..<times {
                for y in 0..<height {
                    var from = t * st + y * sy
                    for _ in 0..<width {
                        target[out] = decode(source[from])
                        out += 1
                        from += sx
                    }
                }
            }
        }
    }
}
