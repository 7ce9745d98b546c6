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

        /// What ``xRange``/``yRange`` hold: the first and last coordinate values, which CF
        /// places at cell centres (a raster's bounds are cell edges).
        var rangeKind = "cell_centres"

        enum CodingKeys: String, CodingKey {
            case kind
            case xAxis = "x_axis"
            case yAxis = "y_axis"
            case width, height
            case xRange = "x_range"
            case yRange = "y_range"
            case rangeKind = "range_kind"
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
    /// Why there is no grid, when there is none.
    @NullEncoded var noGridReason: String?
    /// What could not be interpreted (bad time units, unknown calendar, broken grid_mapping):
    /// the rest of the file is still described.
    var problems: [String]

    enum CodingKeys: String, CodingKey {
        case kind, path, format, conventions
        case featureType = "feature_type"
        case title, dimensions
        case variables, time, grid
        case noGridReason = "no_grid_reason"
        case problems
    }

    /// Reads and interprets `path`.
    ///
    /// A time variable without CF units, an unknown calendar or a broken grid_mapping is
    /// listed in ``problems`` and the rest described.
    ///
    /// - Throws: ``NetCDFError`` for a file netCDF-C cannot read.
    static func make(path: String) throws -> NetCDFInfoReport {
        let dataset = try CFDataset(path: path, describingProblems: true)
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
            time: time, grid: grid, noGridReason: grid == nil ? whyNoGrid(dataset) : nil,
            problems: dataset.problems)
    }

    /// Why `dataset` has no grid geomap reads, in terms of its first multi-dimensional
    /// variable: no coordinate variables for its last two dimensions (2-D latitude/longitude
    /// of a curvilinear grid), or coordinate variables CF does not identify as axes.
    static func whyNoGrid(_ dataset: CFDataset) -> String {
        let coordinates = Set(
            dataset.variables.filter { $0.dimensions.count == 1 && $0.dimensions[0] == $0.name }
                .map(\.name))
        let auxiliary = Set(
            dataset.variables.flatMap { ($0.text("coordinates") ?? "").split(separator: " ") }
                .map(String.init))
        guard
            let field = dataset.variables.first(where: {
                $0.dimensions.count >= 2 && !coordinates.contains($0.name)
                    && !auxiliary.contains($0.name)
            })
        else { return "no data variable has two or more dimensions" }
        let spatial = Array(field.dimensions.suffix(2))
        let mapping = field.text("grid_mapping").map { "; grid_mapping \($0) is present" } ?? ""
        let missing = spatial.filter { !coordinates.contains($0) }
        if !missing.isEmpty {
            let auxiliary =
                field.text("coordinates").map {
                    " (its coordinates attribute names \($0): a curvilinear grid with 2-D "
                        + "latitude/longitude, which geomap does not read)"
                } ?? ""
            return
                "dimension\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) of "
                + "\(field.name) \(missing.count == 1 ? "has" : "have") no coordinate "
                + "variable\(auxiliary)\(mapping)"
        }
        return "the coordinate variables \(spatial.joined(separator: ", ")) of \(field.name) are "
            + "not marked as CF axes (standard_name projection_x_coordinate/"
            + "projection_y_coordinate or longitude/latitude, or axis X/Y)\(mapping)"
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
                "Grid: \(grid.kind), \(grid.width) × \(grid.height) (cell centres \(grid.xAxis) "
                    + "\(x), \(grid.yAxis) \(y))")
            if let crs = grid.crs {
                let code = crs.epsg.map { "EPSG:\($0)" } ?? "no EPSG code"
                let name = crs.name.map { " \($0)" } ?? ""
                lines.append("Grid CRS: \(code)\(name), from \(crs.source)")
            } else {
                lines.append("Grid CRS: unknown (projected axes without grid_mapping)")
            }
            lines.append("Grid variables: \(grid.variables.joined(separator: ", "))")
        } else {
            lines.append("Grid: none (\(noGridReason ?? "no x/y axes"))")
        }
        lines += problems.map { "Problem: \($0)" }
        return lines.joined(separator: "\n")
    }
}
