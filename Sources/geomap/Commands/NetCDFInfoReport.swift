import Foundation
import GeoNetCDF
import GeoProjection

/// The facts `geomap info` reports for a NetCDF file (like `ncdump -h`, plus the CF reading:
/// decoded time axis and grid CRS); encoded as-is for `--json`.
struct NetCDFInfoReport: Encodable {
    struct DimensionReport: Encodable {
        var name: String
        var length: Int
        var unlimited: Bool
    }

    struct VariableReport: Encodable {
        var name: String
        var type: String
        var dimensions: [String]
        @NullEncoded var units: String?
        @NullEncoded var longName: String?
        @NullEncoded var standardName: String?

        enum CodingKeys: String, CodingKey {
            case name, type, dimensions, units
            case longName = "long_name"
            case standardName = "standard_name"
        }
    }

    struct TimeReport: Encodable {
        var variable: String
        var units: String
        var calendar: String
        var count: Int
        @NullEncoded var first: String?
        @NullEncoded var last: String?
        var step: String

        enum CodingKeys: String, CodingKey {
            case variable, units, calendar, count, first, last, step
        }
    }

    struct GridCRSReport: Encodable {
        @NullEncoded var epsg: Int?
        @NullEncoded var name: String?
        var mappingName: String
        var source: String
        var definition: String

        enum CodingKeys: String, CodingKey {
            case epsg, name
            case mappingName = "grid_mapping_name"
            case source, definition
        }
    }

    struct GridReport: Encodable {
        var kind: String
        var xAxis: String
        var yAxis: String
        var width: Int
        var height: Int
        var xRange: [Double]
        var yRange: [Double]
        @NullEncoded var xStep: Double?
        @NullEncoded var yStep: Double?
        @NullEncoded var crs: GridCRSReport?
        var variables: [String]

        enum CodingKeys: String, CodingKey {
            case kind
            case xAxis = "x_axis"
            case yAxis = "y_axis"
            case width, height
            case xRange = "x_range"
            case yRange = "y_range"
            case xStep = "x_step"
            case yStep = "y_step"
            case crs, variables
        }
    }

    var kind = "netcdf"
    var path: String
    var format: String
    @NullEncoded var conventions: String?
    @NullEncoded var featureType: String?
    @NullEncoded var title: String?
    var dimensions: [DimensionReport]
    var variables: [VariableReport]
    @NullEncoded var time: TimeReport?
    @NullEncoded var grid: GridReport?

    enum CodingKeys: String, CodingKey {
        case kind, path, format, conventions
        case featureType = "feature_type"
        case title, dimensions
        case variables, time, grid
    }

    /// Reads and interprets `path`.
    ///
    /// - Throws: ``NetCDFError`` for an unreadable file, a time variable without CF units, an
    ///   unknown calendar or a broken grid_mapping.
    static func make(path: String) throws -> NetCDFInfoReport {
        let dataset = try CFDataset(path: path)
        func global(_ name: String) -> String? {
            dataset.globalAttributes.first { $0.name == name }?.value.text
        }
        let time = dataset.timeAxis.map { axis in
            TimeReport(
                variable: axis.variableName, units: axis.units.description,
                calendar: axis.calendar.rawValue, count: axis.count,
                first: axis.values.first.map { axis.units.date($0).description },
                last: axis.values.last.map { axis.units.date($0).description },
                step: axis.stepDescription)
        }
        let grid = dataset.grid.map { grid in
            GridReport(
                kind: grid.kind.rawValue, xAxis: grid.xName, yAxis: grid.yName,
                width: grid.width, height: grid.height,
                xRange: [grid.x.first, grid.x.last].compactMap { $0 },
                yRange: [grid.y.first, grid.y.last].compactMap { $0 },
                xStep: CFGrid.spacing(grid.x), yStep: CFGrid.spacing(grid.y),
                crs: grid.crs.map(describe),
                variables: dataset.gridVariables.map(\.name))
        }
        return NetCDFInfoReport(
            path: path, format: try NetCDFFile(opening: path).formatName(),
            conventions: global("Conventions"), featureType: dataset.featureType,
            title: global("title"),
            dimensions: dataset.dimensions.map {
                DimensionReport(name: $0.name, length: $0.length, unlimited: $0.isUnlimited)
            },
            variables: dataset.variables.map {
                VariableReport(
                    name: $0.name, type: $0.type.description, dimensions: $0.dimensions,
                    units: $0.text("units"), longName: $0.text("long_name"),
                    standardName: $0.text("standard_name"))
            },
            time: time, grid: grid)
    }

    /// The grid CRS with the EPSG code and name PROJ finds for it (when PROJ reads it).
    private static func describe(_ crs: CFGridCRS) -> GridCRSReport {
        let parsed = try? CRS(crs.definition)
        return GridCRSReport(
            epsg: parsed?.epsgCode, name: parsed?.name, mappingName: crs.mappingName,
            source: crs.source, definition: crs.definition)
    }

    /// The text or JSON form.
    func render(json: Bool) throws -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
        return text
    }

    /// The compact text form.
    var text: String {
        var lines = ["File: \(path)", "Kind: NetCDF (\(format))"]
        if let conventions { lines.append("Conventions: \(conventions)") }
        if let featureType { lines.append("Feature type: \(featureType)") }
        if let title { lines.append("Title: \(title)") }
        lines.append("Dimensions:")
        lines += dimensions.map {
            "  \($0.name) = \($0.length)\($0.unlimited ? " (unlimited)" : "")"
        }
        lines.append("Variables:")
        for v in variables {
            var line = "  \(v.type) \(v.name)(\(v.dimensions.joined(separator: ", ")))"
            if let units = v.units { line += " [\(units)]" }
            if let longName = v.longName { line += " \"\(longName)\"" }
            if let standard = v.standardName { line += " standard_name=\(standard)" }
            lines.append(line)
        }
        if let time {
            let span = [time.first, time.last].compactMap { $0 }.joined(separator: " … ")
            lines.append(
                "Time: \(time.variable), \(time.count) steps, \(span), step \(time.step), "
                    + "calendar \(time.calendar), units \"\(time.units)\"")
        } else {
            lines.append("Time: none")
        }
        if let grid {
            let x = grid.xRange.map(vectorNumber).joined(separator: " … ")
            let y = grid.yRange.map(vectorNumber).joined(separator: " … ")
            lines.append(
                "Grid: \(grid.kind), \(grid.width) × \(grid.height) (\(grid.xAxis) \(x), "
                    + "\(grid.yAxis) \(y))")
            if let crs = grid.crs {
                let code = crs.epsg.map { "EPSG:\($0)" } ?? "no EPSG code"
                let name = crs.name.map { " \($0)" } ?? ""
                lines.append("Grid CRS: \(code)\(name), from \(crs.source)")
            } else {
                lines.append("Grid CRS: unknown (projected axes without grid_mapping)")
            }
            lines.append("Grid variables: \(grid.variables.joined(separator: ", "))")
        } else {
            lines.append("Grid: none")
        }
        return lines.joined(separator: "\n")
    }
}
