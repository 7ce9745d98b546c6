import BasinInputs
package import Foundation
import GeoNetCDF
import GeoVector
import OutputFiles

/// Joins the outputs of a basin run's groups (``BasinGroup``: `<stem>.group-IIII.nc` and
/// `.gpkg`) into the outputs of the whole file (`<stem>.nc`, `<stem>.gpkg`): how `geomap run`
/// finishes a basin job split into groups, and how `geomap merge` joins shards.
///
/// - The NetCDF files are concatenated along the station (basin) dimension in the order given
///   (group order), into a CF-1.8 timeSeries file with the polygon geometry container written
///   by the same ``GeoNetCDF/BasinSeriesWriter`` as a whole-file run: the same dimensions,
///   variables, variable and global attributes (`history` is the groups' command line without
///   `--group`/`--group-size`, i.e. the whole-file command), the same `prediction_flag`, the
///   values copied as stored (bit for bit). Data are copied in blocks of basins, so memory
///   holds the basins' outlines and one block, not the values of all basins.
/// - The GeoPackages' `basins` features are written one group at a time into one layer with
///   the groups' fields (which must agree), in the same order.
///
/// Every file must have the same time axis, variables and fields, and the GeoPackages the
/// NetCDF files' basins in order; anything else is refused naming the file. The joined files
/// are written through an ``OutputFiles/OutputSet`` (staged, checked, renamed; the lock of
/// `<stem>`, as a whole-file run of the same stem takes): never a partial file under the final
/// name.
package enum BasinOutputJoin {
    /// Values per read-and-write block when copying data (16 MiB of Float32).
    static let blockValues = 4 << 20

    /// Joins `netCDFs` (in order) into `<directory>/<stem>.nc` and, when `geoPackages` is not
    /// empty, `geoPackages` into `<directory>/<stem>.gpkg`.
    /// - Returns: the final paths written.
    /// - Throws: ``BasinInputError``, `NetCDFError`, `VectorError` naming the file that does not
    ///   join (exit 2); ``OutputFiles/OutputError`` (75 when another run holds the outputs'
    ///   lock), `EnvironmentError` (74), exit 3 when a joined file fails its check.
    @discardableResult
    package static func join(
        netCDFs: [URL], geoPackages: [URL], directory: URL, stem: String
    ) throws -> [String] {
        guard !netCDFs.isEmpty else {
            throw BasinInputError(
                directory.appendingPathComponent("\(stem).nc").path, "no group files to join")
        }
        var names = ["\(stem).nc"]
        if !geoPackages.isEmpty { names.append("\(stem).gpkg") }
        let outputs = try OutputSet(
            directory: directory.path, key: stem, names: names,
            inputs: (netCDFs + geoPackages).map(\.path))
        let written = try outputs.produce {
            () throws -> (ids: [String], times: Int, variables: [String]) in
            let series = try joinNetCDF(
                netCDFs, to: outputs.stagedPath(names[0]),
                final: directory.appendingPathComponent(names[0]))
            if !geoPackages.isEmpty {
                try joinGeoPackages(
                    geoPackages, ids: series.ids, to: outputs.stagedPath(names[1]))
            }
            return series
        }
        outputs.validate(names[0]) { path in
            try BasinSeriesWriter.verify(
                path: path, basins: written.ids.count, times: written.times,
                variables: written.variables)
        }
        if names.count > 1 {
            outputs.validate(names[1]) { path in
                try BasinGeoPackageWriter.verify(
                    path: path, layerName: "basins", features: written.ids.count)
            }
        }
        return try outputs.commit()
    }

    // MARK: - NetCDF

    /// Variables of the file format that are not data variables or basin fields.
    static let structural: Set<String> = [
        "time", "time_bnds", "basin_id", "basin_name", "basin_code", "lat", "lon", "crs",
        "geometry_container", "node_count", "part_node_count", "interior_ring", "x", "y",
    ]

    /// Writes the concatenation of `paths` to `target`, the staged name of `final`.
    static func joinNetCDF(_ paths: [URL], to target: String, final: URL) throws -> (
        ids: [String], times: Int, variables: [String]
    ) {
        // The first file's metadata (checked against every other file's), every file's
        // basins and per-basin fields, appended in order.
        var layout: BasinSeriesLayout?
        var joinedBasins: [DSGBasin] = []
        var fields: [[Double]] = []
        var counts: [Int] = []
        for url in paths {
            var part = try read(url.path)
            counts.append(part.basins.count)
            joinedBasins += part.basins
            part.basins = []
            if let layout {
                try agree(part, with: layout, path: url.path, first: paths[0].path)
            } else {
                fields = part.basinFields.map { _ in [] }
                layout = part
            }
            for (f, field) in part.basinFields.enumerated() { fields[f] += field.values }
        }
        guard var joined = layout else { throw BasinInputError(target, "no group files") }
        joined.basins = joinedBasins
        for f in joined.basinFields.indices { joined.basinFields[f].values = fields[f] }
        // The groups' `--out` names where they wrote; the whole file's names where it is,
        // when that differs (a sharded run's groups, in `shards/I-of-N/`).
        joined.history = wholeCommand(joined.history) { value in
            let whole = value.hasSuffix(".nc") ? final : final.deletingLastPathComponent()
            let resolved = URL(fileURLWithPath: value).standardizedFileURL.path
            return resolved == whole.standardizedFileURL.path ? value : whole.path
        }
        let writer = try BasinSeriesWriter(path: target, layout: joined)
        var offset = 0
        for (url, count) in zip(paths, counts) {
            let file = try NetCDFFile(opening: url.path)
            let variables = try file.variables()
            for spec in joined.variables {
                guard let variable = variables.first(where: { $0.name == spec.name }) else {
                    throw NetCDFError.convention(url.path, "variable '\(spec.name)' is missing")
                }
                let inner = Array(variable.shape.dropFirst())
                let perBasin = max(1, inner.reduce(1, *))
                let block = max(1, blockValues / perBasin)
                var start = 0
                while start < count {
                    let n = min(block, count - start)
                    let values = try file.readFloats(
                        variable, start: [start] + inner.map { _ in 0 }, count: [n] + inner)
                    try writer.write(
                        spec.name, basins: (offset + start)..<(offset + start + n),
                        times: 0..<joined.times.count, values: values)
                    start += n
                }
            }
            try file.close()
            offset += count
        }
        try writer.finish()
        return (
            joined.basins.map(\.id), joined.times.count, joined.variables.map(\.name)
        )
    }

    /// `part` may follow `whole` in one file: the same time axis, variables and metadata.
    static func agree(
        _ part: BasinSeriesLayout, with whole: BasinSeriesLayout, path: String, first: String
    ) throws {
        func refuse(_ what: String) -> BasinInputError {
            BasinInputError(path, "does not join \(first): \(what)")
        }
        guard part.timeUnits == whole.timeUnits, part.times == whole.times else {
            throw refuse(
                "its time axis differs (\(part.times.count) steps in \(part.timeUnits) against "
                    + "\(whole.times.count) in \(whole.timeUnits))")
        }
        let (a, b) = (part.variables.map(\.name), whole.variables.map(\.name))
        guard a == b else {
            throw refuse(
                "its variables differ (\(a.joined(separator: ", ")) against "
                    + "\(b.joined(separator: ", ")))")
        }
        guard
            part.variables.map({ $0.extraDimensions })
                == whole.variables.map({ $0.extraDimensions })
        else { throw refuse("its variables' dimensions differ") }
        guard part.basinFields.map(\.name) == whole.basinFields.map(\.name) else {
            throw refuse("its per-basin fields differ")
        }
        // `--out` aside: a sharded run's groups wrote into different folders.
        let anywhere: (String) -> String = { _ in "…" }
        guard part.title == whole.title, part.source == whole.source,
            wholeCommand(part.history, out: anywhere)
                == wholeCommand(whole.history, out: anywhere)
        else { throw refuse("it comes from another run (title, source or command differ)") }
        guard part.extraAttributes == whole.extraAttributes else {
            throw refuse("its global attributes (model, period, sources) differ")
        }
    }

    /// The command line of a group (`… --group 3 --group-size 256`) as the whole file's run
    /// would have it: without `--group` and `--group-size`, and with `out` applied to the
    /// value of `--out` when given.
    static func wholeCommand(_ history: String, out: ((String) -> String)? = nil) -> String {
        var words: [String] = []
        var skip = false
        var outValue = false
        for word in history.split(separator: " ", omittingEmptySubsequences: false) {
            if skip {
                skip = false
                continue
            }
            if outValue {
                outValue = false
                words.append(out.map { $0(String(word)) } ?? String(word))
                continue
            }
            if word == "--group" || word == "--group-size" {
                skip = true
                continue
            }
            if word.hasPrefix("--group=") || word.hasPrefix("--group-size=") { continue }
            if word == "--out" { outValue = true }
            if let out, word.hasPrefix("--out=") {
                words.append("--out=" + out(String(word.dropFirst("--out=".count))))
                continue
            }
            words.append(String(word))
        }
        return words.joined(separator: " ")
    }

    /// The layout of a basin series file as ``BasinSeriesWriter`` wrote it (basins with
    /// their polygons, time axis, variables with their own attributes, globals but a group
    /// archive's ``BasinArchive/inputsAttribute``).
    static func read(_ path: String) throws -> BasinSeriesLayout {
        let file = try NetCDFFile(opening: path)
        let variables = try file.variables()
        func variable(_ name: String) throws -> NetCDFVariable {
            guard let found = variables.first(where: { $0.name == name }) else {
                throw NetCDFError.convention(
                    path, "variable '\(name)' is missing (not a geomap basin series file)")
            }
            return found
        }
        let ids = try file.readStrings(try variable("basin_id"))
        let names = try file.readStrings(try variable("basin_name"))
        let latitudes = try file.readDoubles(try variable("lat"))
        let longitudes = try file.readDoubles(try variable("lon"))
        let nodeCounts = try file.readDoubles(try variable("node_count")).map { Int($0) }
        let partCounts = try file.readDoubles(try variable("part_node_count")).map { Int($0) }
        let interior = try file.readDoubles(try variable("interior_ring"))
        let xs = try file.readDoubles(try variable("x"))
        let ys = try file.readDoubles(try variable("y"))
        guard ids.count == names.count, ids.count == latitudes.count,
            ids.count == nodeCounts.count, partCounts.count == interior.count,
            xs.count == ys.count, nodeCounts.reduce(0, +) == xs.count,
            partCounts.reduce(0, +) == xs.count
        else {
            throw NetCDFError.convention(path, "its basin geometry is inconsistent")
        }
        var layoutBasins: [DSGBasin] = []
        var (part, node) = (0, 0)
        for s in ids.indices {
            var polygons: [DSGPolygon] = []
            var left = nodeCounts[s]
            while left > 0 {
                guard part < partCounts.count, partCounts[part] <= left else {
                    throw NetCDFError.convention(path, "its basin geometry is inconsistent")
                }
                let ring = (node..<(node + partCounts[part])).map { SIMD2(xs[$0], ys[$0]) }
                if interior[part] != 0, !polygons.isEmpty {
                    polygons[polygons.count - 1].holes.append(ring)
                } else {
                    polygons.append(DSGPolygon(exterior: ring))
                }
                left -= partCounts[part]
                node += partCounts[part]
                part += 1
            }
            layoutBasins.append(
                DSGBasin(
                    id: ids[s], name: names[s], latitude: latitudes[s],
                    longitude: longitudes[s], polygons: polygons))
        }
        let time = try variable("time")
        guard let unitsText = time.text("units"),
            let calendar = CFCalendar(attribute: time.text("calendar")),
            let units = CFTimeUnits(unitsText, calendar: calendar)
        else { throw NetCDFError.convention(path, "its time axis has no CF units") }
        let times = try file.readDoubles(time)
        var bounds: [(Double, Double)]?
        if let boundsVariable = variables.first(where: { $0.name == "time_bnds" }) {
            let flat = try file.readDoubles(boundsVariable)
            bounds = stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
        }
        var data: [DSGVariable] = []
        var fields: [DSGBasinField] = []
        for v in variables where !structural.contains(v.name) {
            if v.dimensions == ["station"] {
                fields.append(
                    DSGBasinField(
                        name: v.name, units: v.text("units"), longName: v.text("long_name") ?? "",
                        values: try file.readDoubles(v)))
                continue
            }
            guard v.dimensions.count >= 2, v.dimensions.first == "station",
                v.dimensions.last == "time"
            else { continue }
            data.append(dataVariable(v))
        }
        let crs = try variable("crs")
        let geographic = try variable("x").text("units") == "degrees_east"
        var title = ""
        var source = ""
        var history = ""
        var references = ""
        var version = ""
        var extra: [NetCDFAttribute] = []
        for attribute in try file.globalAttributes() {
            let text = attribute.value.text ?? ""
            switch attribute.name {
            case "Conventions", "featureType": continue
            case "title": title = text
            case "source": source = text
            case "history": history = text
            case "references": references = text
            case "geomap_version": version = text
            // A group's archive key (it names the group): the joined file is no archive.
            case BasinArchive.inputsAttribute: continue
            default: extra.append(attribute)
            }
        }
        try file.close()
        return BasinSeriesLayout(
            basins: layoutBasins, timeUnits: units, times: times, timeBounds: bounds,
            variables: data, basinFields: fields,
            geometryCRS: DSGGeometryCRS(attributes: crs.attributes, isGeographic: geographic),
            title: title, source: source, history: history, references: references,
            geomapVersion: version, extraAttributes: extra)
    }

    /// A data variable as the writer defined it: the attributes the writer sets itself taken
    /// apart, every other one kept in order.
    static func dataVariable(_ v: NetCDFVariable) -> DSGVariable {
        var longName = ""
        var units = ""
        var standardName: String?
        var cellMethods: String?
        var attributes: [NetCDFAttribute] = []
        for attribute in v.attributes {
            let text = attribute.value.text
            switch attribute.name {
            case "_FillValue", "coordinates", "geometry", "grid_mapping": continue
            case "long_name": longName = text ?? ""
            case "units": units = text ?? ""
            case "standard_name": standardName = text
            case "cell_methods": cellMethods = text
            default: attributes.append(attribute)
            }
        }
        let extra = zip(v.dimensions, v.shape).dropFirst().dropLast().map {
            DSGDimension(name: $0.0, length: $0.1)
        }
        return DSGVariable(
            name: v.name, units: units, longName: longName, standardName: standardName,
            cellMethods: cellMethods, extraDimensions: Array(extra), attributes: attributes,
            storage: v.type == .byte ? .byte : .float)
    }

    // MARK: - GeoPackage

    /// Writes the features of `paths` (in order) into one `basins` layer at `target`; their
    /// basin ids must be `ids` in order.
    static func joinGeoPackages(_ paths: [URL], ids: [String], to target: String) throws {
        let first = try BasinReader.read(path: paths[0].path)
        let fields = try summaryFields(first)
        var seen = 0
        func rows(_ set: BasinSet, path: String) throws(VectorError) -> [(
            geometry: MultiPolygon, values: [FieldValue]
        )] {
            guard set.fields == first.fields else {
                throw VectorError(
                    path: path,
                    message: "does not join \(paths[0].path): its fields differ ("
                        + set.fields.map(\.name).joined(separator: ", ") + ")")
            }
            let mine = set.basins.map(\.id)
            guard seen + mine.count <= ids.count, Array(ids[seen..<(seen + mine.count)]) == mine
            else {
                throw VectorError(
                    path: path,
                    message: "its basins are not those of the NetCDF files in the same order")
            }
            seen += mine.count
            return set.basins.map { (geometry: $0.geometry, values: $0.attributes) }
        }
        try BasinGeoPackageWriter.write(
            path: target, layerName: first.layerName, crsWKT: first.crs.wkt, fields: fields,
            batches: paths.count
        ) { (index: Int) throws(VectorError) in
            let path = paths[index].path
            if index == 0 { return try rows(first, path: path) }
            return try rows(try BasinReader.read(path: path), path: path)
        }
        guard seen == ids.count else {
            throw VectorError(
                path: paths[paths.count - 1].path,
                message: "the GeoPackages hold \(seen) basins, the NetCDF files \(ids.count)")
        }
    }

    /// The summary fields of a group's layer (text, real, integer).
    static func summaryFields(_ set: BasinSet) throws(VectorError) -> [SummaryField] {
        var fields: [SummaryField] = []
        for field in set.fields {
            let kind: SummaryField.Kind
            switch field.kind {
            case .string: kind = .string
            case .real: kind = .real
            case .integer: kind = .integer
            default:
                throw VectorError(
                    path: set.path,
                    message: "field '\(field.name)' (\(field.typeName)) is not a summary field")
            }
            fields.append(SummaryField(field.name, kind))
        }
        return fields
    }
}
