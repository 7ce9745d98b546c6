internal import Foundation
internal import OutputFiles

/// Writes a CF-1.8 per-basin time-series file (``BasinSeriesLayout``) in the encoding verified
/// to pass cfchecks and to open in GDAL/QGIS as polygons (ecosystem notes §3.1): NetCDF-4
/// classic model, deflate, data chunked along time.
///
/// The metadata, ids and geometry are written at creation; data values are streamed with
/// ``write(_:basins:times:values:)`` (a range of time steps of all basins, or one basin's series).
/// The file is written under a short temporary name beside `path`
/// (`.geomap-<pid>-<x>.partial.nc`, see ``OutputFiles/TemporaryName``) and renamed by
/// ``finish()``; a writer dropped without `finish`, or failing, closes its netCDF handle and
/// removes its partial file. Not Sendable: use from one task.
package final class BasinSeriesWriter {
    /// The final path.
    package let path: String
    /// The temporary path written until ``finish()``.
    package let partialPath: String
    package let layout: BasinSeriesLayout
    private var file: NetCDFFile?
    private var variableIDs: [String: Int32] = [:]

    /// The `_FillValue` of data variables.
    package static let fillValue: Float = -9999

    /// Creates the file and writes everything but the data values.
    ///
    /// - Throws: ``NetCDFError`` for a layout CF cannot express (no stations, a basin without
    ///   polygons, time bounds of the wrong length, duplicate names) or a failed `nc_*` call.
    package init(path: String, layout: BasinSeriesLayout) throws(NetCDFError) {
        self.path = path
        self.partialPath = TemporaryName.beside(path, suffix: "partial")
        self.layout = layout
        try BasinSeriesWriter.validate(layout, path: path)
        TemporaryRegistry.shared.register(partialPath)
        let file: NetCDFFile
        do {
            file = try NetCDFFile(creatingClassicModel: partialPath)
        } catch {
            TemporaryRegistry.shared.unregister(partialPath)
            throw error.naming(path, for: partialPath)
        }
        do {
            try define(file)
            try file.endDefinitions()
            try writeStatic(file)
        } catch {
            file.abandon()
            try? FileManager.default.removeItem(atPath: partialPath)
            TemporaryRegistry.shared.unregister(partialPath)
            throw error.naming(path, for: partialPath)
        }
        self.file = consume file
    }

    deinit {
        if let open = file.take() {
            open.abandon()
            try? FileManager.default.removeItem(atPath: partialPath)
            TemporaryRegistry.shared.unregister(partialPath)
        }
    }

    private static func validate(_ layout: BasinSeriesLayout, path: String) throws(NetCDFError) {
        guard !layout.basins.isEmpty else { throw .convention(path, "no basins to write") }
        for basin in layout.basins
        where basin.polygons.isEmpty
            || basin.polygons.contains(where: { $0.exterior.count < 3 })
        {
            throw .convention(path, "basin '\(basin.id)' has no polygon to write")
        }
        if let bounds = layout.timeBounds, bounds.count != layout.times.count {
            throw .convention(path, "time bounds count differs from the time steps")
        }
        var names = Set([
            "time", "time_bnds", "basin_id", "basin_name", "basin_code", "lat",
            "lon", "crs", "geometry_container", "node_count", "part_node_count",
            "interior_ring", "x", "y",
        ])
        for name in layout.variables.map(\.name) + layout.basinFields.map(\.name)
            + layout.timeTexts.map(\.name)
        {
            guard names.insert(name).inserted else {
                throw .convention(path, "variable name '\(name)' is used twice")
            }
        }
        for text in layout.timeTexts where text.values.count != layout.times.count {
            throw .convention(path, "'\(text.name)' needs one text per time step")
        }
        for field in layout.basinFields where field.values.count != layout.basins.count {
            throw .convention(path, "field '\(field.name)' needs one value per basin")
        }
        let ids = layout.basins.map(\.id)
        guard Set(ids).count == ids.count else {
            throw .convention(path, "basin ids are not unique")
        }
    }

    /// Closed rings in CF orientation, per basin: `[polygon][ring]`, ring 0 exterior.
    private func rings(_ basin: DSGBasin) -> [[[SIMD2<Double>]]] {
        basin.polygons.map { polygon in
            [orient(polygon.exterior, anticlockwise: true)]
                + polygon.holes.filter { $0.count >= 3 }.map { orient($0, anticlockwise: false) }
        }
    }

    private func orient(_ ring: [SIMD2<Double>], anticlockwise: Bool) -> [SIMD2<Double>] {
        var points = ring
        if points.count > 1, points.first == points.last { points.removeLast() }
        var area = 0.0
        for i in points.indices {
            let a = points[i]
            let b = points[(i + 1) % points.count]
            area += a.x * b.y - b.x * a.y
        }
        if (area > 0) != anticlockwise { points.reverse() }
        points.append(points[0])
        return points
    }

    /// `ascii` (the verified encoding) unless some id needs UTF-8.
    private var idEncoding: String {
        layout.basins.allSatisfy { $0.id.utf8.allSatisfy { $0 < 128 } } ? "ascii" : "utf-8"
    }

    private var nameLength: Int {
        let longest = layout.basins.map { max($0.id.utf8.count, $0.name.utf8.count) }.max() ?? 1
        return max(1, longest)
    }

    private func define(_ file: borrowing NetCDFFile) throws(NetCDFError) {
        let allRings = layout.basins.map(rings)
        let nodes = allRings.reduce(0) { $0 + $1.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } }
        let parts = allRings.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        let station = try file.defineDimension("station", length: layout.basins.count)
        // NC_UNLIMITED is 0: the data writes give the dimension its length.
        let time = try file.defineDimension(
            "time", length: layout.unlimitedTime ? 0 : layout.times.count)
        let strlen = try file.defineDimension("name_strlen", length: nameLength)
        let node = try file.defineDimension("node", length: nodes)
        let part = try file.defineDimension("part", length: parts)
        var dimensionIDs: [String: Int32] = ["station": station, "time": time]

        func variable(
            _ name: String, _ type: NetCDFType, _ dims: [Int32],
            _ attributes: [NetCDFAttribute]
        ) throws(NetCDFError) {
            let id = try file.defineVariable(name, type: type, dimensions: dims)
            for attribute in attributes { try file.putAttribute(attribute, on: id) }
            variableIDs[name] = id
        }
        let geographic = layout.geometryCRS.isGeographic
        var timeAttributes: [NetCDFAttribute] = [
            .text("standard_name", "time"), .text("long_name", "time"),
            .text("units", layout.timeUnits.description),
            .text("calendar", layout.timeUnits.calendar.rawValue), .text("axis", "T"),
        ]
        if layout.timeBounds != nil { timeAttributes.append(.text("bounds", "time_bnds")) }
        try variable("time", .double, [time], timeAttributes)
        if layout.timeBounds != nil {
            let nv = try file.defineDimension("nv", length: 2)
            try variable("time_bnds", .double, [time, nv], [])
        }
        try variable(
            "basin_id", .char, [station, strlen],
            [
                .text("cf_role", "timeseries_id"), .text("long_name", "basin identifier"),
                .text("_Encoding", idEncoding),
            ])
        let onGeometry: [NetCDFAttribute] = [
            .text("geometry", "geometry_container"), .text("grid_mapping", "crs"),
            .text("coordinates", "lat lon"),
        ]
        // basin_code first: GIS readers list it as the first field (the id).
        try variable(
            "basin_code", .char, [station, strlen],
            [
                .text("long_name", "basin identifier (as a GIS field)"),
                .text("_Encoding", idEncoding),
            ] + onGeometry)
        try variable(
            "basin_name", .char, [station, strlen],
            [.text("long_name", "basin name"), .text("_Encoding", "utf-8")] + onGeometry)
        try variable(
            "lat", .double, [station],
            [
                .text("standard_name", "latitude"),
                .text("long_name", "basin representative latitude"),
                .text("units", "degrees_north"),
            ])
        try variable(
            "lon", .double, [station],
            [
                .text("standard_name", "longitude"),
                .text("long_name", "basin representative longitude"),
                .text("units", "degrees_east"),
            ])
        try variable("crs", .int, [], layout.geometryCRS.attributes)
        try variable(
            "geometry_container", .int, [],
            [
                .text("geometry_type", "polygon"), .text("node_count", "node_count"),
                .text("part_node_count", "part_node_count"),
                .text("interior_ring", "interior_ring"),
                .text("node_coordinates", "x y"), .text("grid_mapping", "crs"),
                .text("coordinates", "lat lon"),
            ])
        try variable(
            "node_count", .int, [station],
            [.text("long_name", "count of coordinates in each basin geometry")])
        try variable(
            "part_node_count", .int, [part],
            [.text("long_name", "count of coordinates in each geometry part")])
        try variable(
            "interior_ring", .int, [part],
            [.text("long_name", "type of each geometry part (1 = hole)")])
        // No standard_name on the nodes: compliance-checker would then count two longitudes.
        try variable(
            "x", .double, [node],
            [
                .text("units", geographic ? "degrees_east" : "m"), .text("axis", "X"),
                .text(
                    "long_name",
                    geographic
                        ? "longitude of basin outline nodes"
                        : "x coordinate of basin outline nodes"),
            ])
        try variable(
            "y", .double, [node],
            [
                .text("units", geographic ? "degrees_north" : "m"), .text("axis", "Y"),
                .text(
                    "long_name",
                    geographic
                        ? "latitude of basin outline nodes"
                        : "y coordinate of basin outline nodes"),
            ])
        for text in layout.timeTexts {
            let width = max(1, text.values.map(\.utf8.count).max() ?? 1)
            let strlen = try file.defineDimension("\(text.name)_strlen", length: width)
            try variable(text.name, .char, [time, strlen], [.text("long_name", text.longName)])
        }
        for field in layout.basinFields {
            var attributes: [NetCDFAttribute] = [
                .text("long_name", field.longName),
                NetCDFAttribute("_FillValue", .numbers([Double(Self.fillValue)], .double)),
            ]
            if let units = field.units { attributes.append(.text("units", units)) }
            try variable(field.name, .double, [station], attributes + onGeometry)
        }
        for v in layout.variables {
            // Extra dimensions sit left of time, as CF §2.4 recommends.
            var dims = [station]
            for extra in v.extraDimensions {
                if let existing = dimensionIDs[extra.name] {
                    dims.append(existing)
                } else {
                    let id = try file.defineDimension(extra.name, length: extra.length)
                    dimensionIDs[extra.name] = id
                    dims.append(id)
                }
            }
            dims.append(time)
            var attributes: [NetCDFAttribute] =
                v.storage == .float
                ? [NetCDFAttribute("_FillValue", .numbers([Double(Self.fillValue)], .float))]
                : []
            attributes.append(.text("long_name", v.longName))
            if !v.units.isEmpty { attributes.append(.text("units", v.units)) }
            if let standard = v.standardName {
                attributes.append(.text("standard_name", standard))
            }
            attributes += [
                .text("coordinates", "time lat lon basin_id"),
                .text("geometry", "geometry_container"), .text("grid_mapping", "crs"),
            ]
            if let methods = v.cellMethods { attributes.append(.text("cell_methods", methods)) }
            try variable(
                v.name, v.storage == .float ? .float : .byte, dims, attributes + v.attributes)
            let chunks =
                [min(layout.basins.count, 16)] + v.extraDimensions.map(\.length)
                + [min(max(layout.times.count, 1), 512)]
            try file.setChunkingAndDeflate(variableIDs[v.name]!, chunks: chunks)
        }
        let globals: [NetCDFAttribute] = [
            .text("Conventions", "CF-1.8"), .text("featureType", "timeSeries"),
            .text("title", layout.title), .text("source", layout.source),
            .text("history", layout.history), .text("references", layout.references),
            .text("geomap_version", layout.geomapVersion),
        ]
        for attribute in globals + layout.extraAttributes {
            try file.putAttribute(attribute, on: nil)
        }
    }

    private func writeStatic(_ file: borrowing NetCDFFile) throws(NetCDFError) {
        let n = layout.basins.count
        let id = { (name: String) in self.variableIDs[name]! }
        try file.write(layout.times, to: id("time"), start: [0], count: [layout.times.count])
        if let bounds = layout.timeBounds {
            try file.write(
                bounds.flatMap { [$0.0, $0.1] }, to: id("time_bnds"),
                start: [0, 0], count: [bounds.count, 2])
        }
        let ids = layout.basins.map(\.id)
        try file.write(strings: ids, to: id("basin_id"), width: nameLength)
        try file.write(strings: ids, to: id("basin_code"), width: nameLength)
        try file.write(
            strings: layout.basins.map(\.name), to: id("basin_name"),
            width: nameLength)
        try file.write(layout.basins.map(\.latitude), to: id("lat"), start: [0], count: [n])
        try file.write(layout.basins.map(\.longitude), to: id("lon"), start: [0], count: [n])
        var nodeCounts: [Int32] = []
        var partCounts: [Int32] = []
        var interior: [Int32] = []
        var xs: [Double] = []
        var ys: [Double] = []
        for basin in layout.basins {
            var count = 0
            for polygon in rings(basin) {
                for (r, ring) in polygon.enumerated() {
                    partCounts.append(Int32(ring.count))
                    interior.append(r == 0 ? 0 : 1)
                    xs += ring.map(\.x)
                    ys += ring.map(\.y)
                    count += ring.count
                }
            }
            nodeCounts.append(Int32(count))
        }
        try file.write(nodeCounts, to: id("node_count"), start: [0], count: [n])
        try file.write(partCounts, to: id("part_node_count"), start: [0], count: [partCounts.count])
        try file.write(interior, to: id("interior_ring"), start: [0], count: [interior.count])
        try file.write(xs, to: id("x"), start: [0], count: [xs.count])
        try file.write(ys, to: id("y"), start: [0], count: [ys.count])
        for text in layout.timeTexts where !text.values.isEmpty {
            let width = max(1, text.values.map(\.utf8.count).max() ?? 1)
            try file.write(strings: text.values, to: id(text.name), width: width)
        }
        for field in layout.basinFields {
            let values = field.values.map { $0.isNaN ? Double(Self.fillValue) : $0 }
            try file.write(values, to: id(field.name), start: [0], count: [n])
        }
    }

    /// Writes a block of a data variable.
    ///
    /// - Parameters:
    ///   - name: the data variable.
    ///   - basins: basin indices, the positions along `station` (all: `0..<layout.basins.count`).
    ///   - times: time-step indices.
    ///   - values: `[station][extra…][time]` (the variable's dimension order), NaN for
    ///     missing (written as `_FillValue`; byte variables take whole numbers −128…127).
    /// - Throws: ``NetCDFError`` for an unknown variable, a wrong value count, or a failed write.
    package func write(_ name: String, basins: Range<Int>, times: Range<Int>, values: [Float])
        throws(NetCDFError)
    {
        guard let spec = layout.variables.first(where: { $0.name == name }),
            let varid = variableIDs[name]
        else { throw .convention(path, "no data variable '\(name)' in this file") }
        guard file != nil else { throw .convention(path, "the file is already finished") }
        guard basins.lowerBound >= 0, basins.upperBound <= layout.basins.count,
            times.lowerBound >= 0, times.upperBound <= layout.times.count
        else { throw .convention(path, "write of '\(name)' is outside the file's extent") }
        let extra = spec.extraDimensions.map(\.length)
        let count = [basins.count] + extra + [times.count]
        guard values.count == count.reduce(1, *) else {
            throw .convention(
                path, "write of '\(name)' got \(values.count) values for a block of \(count)")
        }
        if spec.storage == .byte,
            let bad = values.first(where: { !($0 >= -128 && $0 <= 127 && $0 == $0.rounded()) })
        {
            throw .convention(path, "write of '\(name)': \(bad) is not a byte value")
        }
        let cleaned = values.map { $0.isNaN ? Self.fillValue : $0 }
        let start = [basins.lowerBound] + extra.map { _ in 0 } + [times.lowerBound]
        do {
            try file!.write(cleaned, to: varid, start: start, count: count)
        } catch {
            throw error.naming(path, for: partialPath)
        }
    }

    /// Writes one basin's whole series: `values` is `[extra…][time]`.
    package func write(_ name: String, basin: Int, values: [Float]) throws(NetCDFError) {
        try write(
            name, basins: basin..<(basin + 1), times: 0..<layout.times.count,
            values: values)
    }

    /// Closes the file and renames it to its final path.
    ///
    /// - Throws: ``NetCDFError`` when closing (flushing) or renaming fails; the netCDF handle
    ///   is released and the partial file removed either way.
    package func finish() throws(NetCDFError) {
        guard let open = file.take() else {
            throw .convention(path, "the file is already finished")
        }
        defer {
            try? FileManager.default.removeItem(atPath: partialPath)
            TemporaryRegistry.shared.unregister(partialPath)
        }
        do {
            try open.close()
        } catch {
            throw error.naming(path, for: partialPath)
        }
        do {
            try POSIXFileSystem().rename(partialPath, to: path)
        } catch let error as EnvironmentError {
            throw NetCDFError(
                status: error.code, function: "rename", path: path,
                message: String(cString: strerror(error.code)))
        } catch {
            throw NetCDFError(status: 0, function: "rename", path: path, message: "\(error)")
        }
    }

    /// Checks a written file before it is committed: it opens, has `basins` stations and
    /// `times` time steps, and holds every variable in `variables`.
    /// - Throws: ``NetCDFError`` naming what is missing or wrong.
    package static func verify(path: String, basins: Int, times: Int, variables: [String])
        throws(NetCDFError)
    {
        let file = try NetCDFFile(opening: path)
        let dimensions = try file.dimensions()
        for (name, length) in [("station", basins), ("time", times)] {
            guard let found = dimensions.first(where: { $0.name == name }) else {
                throw .convention(path, "dimension '\(name)' is missing")
            }
            guard found.length == length else {
                throw .convention(
                    path, "dimension '\(name)' has length \(found.length), expected \(length)")
            }
        }
        let present = Set(try file.variables().map(\.name))
        for name in variables where !present.contains(name) {
            throw .convention(path, "variable '\(name)' is missing")
        }
        try file.close()
    }
}

extension NetCDFError {
    /// The same error naming `path` where it named the temporary `partial`.
    func naming(_ path: String, for partial: String) -> NetCDFError {
        NetCDFError(
            status: status, function: function,
            path: self.path == partial ? path : self.path,
            message: message.replacingOccurrences(of: partial, with: path))
    }
}
