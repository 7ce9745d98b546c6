/// What CF says about one netCDF file: dimensions, variables, the time axis, the horizontal grid
/// and the gridded data variables, found from attributes.

/// How stored values become physical values, and which stored values are missing
/// (`_FillValue`, `missing_value`, `valid_range`/`valid_min`/`valid_max`, `scale_factor`,
/// `add_offset`).
package struct CFPacking: Sendable, Equatable {
    package var scale: Double = 1
    package var offset: Double = 0
    /// Stored values meaning "missing" (fill value and missing values, in stored units).
    package var missing: [Double] = []
    /// The valid interval, in stored units (already converted when given unpacked).
    package var validMin: Double = -.infinity
    package var validMax: Double = .infinity

    /// Whether the variable is packed (a scale or offset other than identity).
    package var isPacked: Bool { scale != 1 || offset != 0 }

    package init(_ variable: NetCDFVariable) {
        scale = variable.number("scale_factor") ?? 1
        offset = variable.number("add_offset") ?? 0
        if let fill = variable.attribute("_FillValue")?.numbers {
            missing += fill
        } else if let fill = variable.type.defaultFill {
            missing.append(fill)
        }
        missing += variable.attribute("missing_value")?.numbers ?? []
        // CF §8.1: valid_* in the packed type are in stored units, else in unpacked units.
        func stored(_ attribute: AttributeValue?) -> [Double] {
            guard let values = attribute?.numbers else { return [] }
            if attribute?.numericType == variable.type || !isPacked { return values }
            return values.map { ($0 - offset) / scale }
        }
        let range = stored(variable.attribute("valid_range"))
        if range.count == 2 {
            validMin = min(range[0], range[1])
            validMax = max(range[0], range[1])
        }
        if let low = stored(variable.attribute("valid_min")).first { validMin = low }
        if let high = stored(variable.attribute("valid_max")).first { validMax = high }
    }

    /// Whether values can be read and tested as Float32 without loss (an unpacked float
    /// variable): the fast path of ``CFForcing/read(_:times:window:)``.
    func allowsFloatPath(_ type: NetCDFType) -> Bool { type == .float && !isPacked }

    /// The missing values and valid bounds as Float32, for the float path.
    var floatTests: (missing: [Float], low: Float, high: Float) {
        (missing.map { Float($0) }, Float(validMin), Float(validMax))
    }

    /// The physical value of a stored value, or NaN when it is missing, out of range, ±Inf
    /// or beyond ±``CFFloatMissing/magnitudeLimit`` once unpacked.
    @inline(__always)
    package func decode(_ raw: Double) -> Float {
        if !raw.isFinite || raw < validMin || raw > validMax { return .nan }
        for m in missing where raw == m || abs(raw - m) <= 1e-7 * abs(m) { return .nan }
        let value = Float(raw * scale + offset)
        return CFFloatMissing.isPhysical(value) ? value : .nan
    }
}

/// A data variable on the grid (with or without time), as reported and read.
package struct CFGridVariable: Sendable {
    package var variable: NetCDFVariable
    package var name: String { variable.name }
    package var standardName: String? { variable.text("standard_name") }
    package var longName: String? { variable.text("long_name") }
    /// The `units` attribute (what the values mean after unpacking).
    package var units: String? { variable.text("units") }
    /// Index in the variable's dimensions of the time, y and x axes (time `nil` for static
    /// fields).
    package var timeDimension: Int?
    package var yDimension: Int
    package var xDimension: Int
    package var packing: CFPacking
    /// Chunk lengths (file order), or `nil` when contiguous.
    package var chunkSizes: [Int]?

    /// Time steps per chunk along the time dimension (1 for contiguous variables, where any
    /// slab is as good as another).
    package var timeChunkLength: Int {
        guard let t = timeDimension, let chunks = chunkSizes else { return 1 }
        return max(1, chunks[t])
    }
}

/// The CF reading of one file.
package struct CFDataset: Sendable {
    package var path: String
    package var format: String
    package var dimensions: [NetCDFDimension]
    package var variables: [NetCDFVariable]
    package var globalAttributes: [NetCDFAttribute]
    /// The time axis, when the file has one.
    package var timeAxis: CFTimeAxis?
    /// The horizontal grid, when the file has 1-D x/y (or longitude/latitude) axes.
    package var grid: CFGrid?
    /// Data variables on the grid (time, y, x in any order; other dimensions of length 1).
    package var gridVariables: [CFGridVariable]
    /// What could not be interpreted when reading with `describingProblems` (a time axis
    /// without CF units or with an unknown calendar, a broken grid_mapping), one line each;
    /// always empty otherwise (those problems throw).
    package var problems: [String] = []

    /// The global `featureType` (`timeSeries` for geomap's per-basin files).
    package var featureType: String? {
        globalAttributes.first { $0.name == "featureType" }?.value.text
    }

    /// Reads the metadata of `path` and interprets it.
    ///
    /// - Throws: ``NetCDFError`` for unreadable files, a time variable without CF units
    ///   (`<unit> since <date>`), an unknown calendar, a broken grid_mapping, or a grid
    ///   coordinate that is NaN or infinite.
    ///
    /// - Parameter describingProblems: record CF problems in ``problems`` and leave the part
    ///   concerned out (no time axis, no grid CRS) instead of throwing — for describing a file
    ///   (`geomap info`), never for computing with it.
    package init(path: String, describingProblems: Bool = false) throws(NetCDFError) {
        let file = try NetCDFFile(opening: path)
        try self.init(file: file, describingProblems: describingProblems)
    }

    /// Interprets an open file (`describingProblems` as in ``init(path:describingProblems:)``).
    package init(file: borrowing NetCDFFile, describingProblems: Bool = false)
        throws(NetCDFError)
    {
        path = file.path
        format = try file.formatName()
        dimensions = try file.dimensions()
        variables = try file.variables()
        globalAttributes = try file.globalAttributes()
        gridVariables = []
        let coordinates = variables.filter { v in
            v.dimensions.count == 1 && v.dimensions[0] == v.name
        }
        var problems: [String] = []
        func tolerated<T>(_ body: () throws(NetCDFError) -> T?) throws(NetCDFError) -> T? {
            do { return try body() } catch {
                guard describingProblems, error.status == 0 else { throw error }
                problems.append(error.message)
                return nil
            }
        }
        timeAxis = try tolerated { () throws(NetCDFError) in
            try CFDataset.findTime(coordinates, all: variables, file: file)
        }
        grid =
            try tolerated { () throws(NetCDFError) in
                try CFDataset.findGrid(coordinates, file: file)
            } ?? nil
        if let grid {
            for v in variables {
                guard
                    let entry = try CFDataset.gridVariable(
                        v, grid: grid, time: timeAxis,
                        file: file)
                else { continue }
                gridVariables.append(entry)
            }
            if self.grid?.crs == nil {
                let fields = gridVariables
                let all = variables
                let path = path
                self.grid?.crs = try tolerated { () throws(NetCDFError) in
                    try CFDataset.gridCRS(fields, grid: grid, variables: all, path: path)
                }
            }
        }
        self.problems = problems
    }

    private static func findTime(
        _ coordinates: [NetCDFVariable], all: [NetCDFVariable], file: borrowing NetCDFFile
    ) throws(NetCDFError) -> CFTimeAxis? {
        let candidates = coordinates.filter { cfAxisRole(of: $0) == .time }
        let pick =
            candidates.first
            ?? all.first { $0.dimensions.count == 1 && cfAxisRole(of: $0) == .time }
        guard let time = pick else { return nil }
        let unitsText = time.text("units")
        let calendarText = time.text("calendar")
        guard let calendar = CFCalendar(attribute: calendarText) else {
            throw .convention(
                file.path,
                "time variable '\(time.name)' has an unknown calendar '\(calendarText ?? "")' "
                    + "(CF calendars: standard, gregorian, proleptic_gregorian, julian, "
                    + "noleap, 365_day, all_leap, 366_day, 360_day)")
        }
        guard let unitsText, let units = CFTimeUnits(unitsText, calendar: calendar) else {
            let shown = unitsText.map { "'\($0)'" } ?? "none"
            throw .convention(
                file.path,
                "time variable '\(time.name)' has no CF time units (units = \(shown); expected "
                    + "'<days|hours|minutes|seconds> since <date>')")
        }
        let steps = time.shape.reduce(1, *)
        guard steps <= maximumTimeSteps else {
            throw .convention(
                file.path,
                "time variable '\(time.name)' has \(steps) steps, more than geomap's limit of "
                    + "\(maximumTimeSteps)")
        }
        let values = try file.readDoubles(time)
        for (step, value) in values.enumerated() where !units.isUsable(value) {
            throw .convention(
                file.path,
                "time variable '\(time.name)' holds \(value) at step \(step), not a usable time "
                    + "(NaN, infinite, a fill value of an unwritten step, or beyond ±3 million "
                    + "years)")
        }
        return CFTimeAxis(variableName: time.name, units: units, values: values)
    }

    /// The most time steps a file may declare (2^27, 134 million: 1 GiB of time values);
    /// larger axes (2^31 − 1 unwritten records, say) are refused before anything is read.
    static let maximumTimeSteps = 1 << 27

    private static func findGrid(_ coordinates: [NetCDFVariable], file: borrowing NetCDFFile)
        throws(NetCDFError) -> CFGrid?
    {
        func first(_ role: CFAxisRole) -> NetCDFVariable? {
            coordinates.first { cfAxisRole(of: $0) == role }
        }
        let kind: CFGrid.Kind
        let xVar: NetCDFVariable
        let yVar: NetCDFVariable
        if let px = first(.projectionX), let py = first(.projectionY) {
            kind = .projected
            (xVar, yVar) = (px, py)
        } else if let lon = first(.longitude), let lat = first(.latitude) {
            kind = .geographic
            (xVar, yVar) = (lon, lat)
        } else {
            return nil
        }
        var x = try file.readDoubles(xVar)
        var y = try file.readDoubles(yVar)
        if kind == .projected {
            // Projection coordinates in km are converted to the metres of the CRS.
            for (v, isX) in [(xVar, true), (yVar, false)] {
                let units = v.text("units")?.lowercased()
                if units == "km" || units == "kilometre" || units == "kilometer" {
                    if isX { x = x.map { $0 * 1000 } } else { y = y.map { $0 * 1000 } }
                }
            }
        }
        for (v, values) in [(xVar, x), (yVar, y)] {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw .convention(
                    file.path,
                    "coordinate variable '\(v.name)' holds \(values[i]) at index \(i); grid "
                        + "coordinates must be finite")
            }
        }
        let crs: CFGridCRS? = nil
        var grid = CFGrid(kind: kind, xName: xVar.name, yName: yVar.name, x: x, y: y, crs: crs)
        if xVar.type == .float || yVar.type == .float {
            grid.axisEpsilon = Double(Float.ulpOfOne)
        }
        return grid
    }

    private static func gridVariable(
        _ v: NetCDFVariable, grid: CFGrid, time: CFTimeAxis?, file: borrowing NetCDFFile
    ) throws(NetCDFError) -> CFGridVariable? {
        guard v.type != .char, v.type != .string,
            let xd = v.dimensions.firstIndex(of: grid.xName),
            let yd = v.dimensions.firstIndex(of: grid.yName), v.dimensions.count >= 2
        else { return nil }
        var td: Int?
        for (i, dim) in v.dimensions.enumerated() where i != xd && i != yd {
            if let time, dim == time.variableName {
                td = i
            } else if v.shape[i] != 1 {
                return nil  // an extra dimension (level, bounds…): not a plain grid field
            }
        }
        if v.name == grid.xName || v.name == grid.yName { return nil }
        return CFGridVariable(
            variable: v, timeDimension: td, yDimension: yd, xDimension: xd,
            packing: CFPacking(v), chunkSizes: try file.chunkSizes(of: v))
    }

    private static func gridCRS(
        _ fields: [CFGridVariable], grid: CFGrid, variables: [NetCDFVariable], path: String
    ) throws(NetCDFError) -> CFGridCRS? {
        for field in fields {
            guard let reference = field.variable.text("grid_mapping") else { continue }
            // CF-1.7 extended form "crs: x y" — take the first variable name.
            let name = String(reference.split(separator: ":").first ?? "")
                .trimmingWhitespace
            guard let mapping = variables.first(where: { $0.name == name }) else {
                throw .convention(
                    path,
                    "variable '\(field.name)' names grid_mapping '\(name)', which does not exist")
            }
            return try CFGridCRS.from(gridMapping: mapping, path: path)
        }
        return grid.kind == .geographic ? .wgs84 : nil
    }

    /// The grid variable called `name`, or whose `standard_name` is `name`.
    package func gridVariable(_ name: String) -> CFGridVariable? {
        gridVariables.first { $0.name == name }
            ?? gridVariables.first { $0.standardName == name }
    }
}
