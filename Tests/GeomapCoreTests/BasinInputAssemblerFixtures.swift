import Foundation
import GeoNetCDF
import Models
import TestSupport

@testable import BasinPipeline
@testable import GeomapCore
@testable import ZonalAggregation

/// Inputs for the assembler tests, all derived from `samples/` and written as real files.
enum AssemblerFixtures {
    static var basins: String { TestPaths.samples.appendingPathComponent("basins.shp").path }
    static var forcings: String { TestPaths.samples.appendingPathComponent("forcings.nc").path }
    static let basinIDs = ["B001", "B002", "B003", "B004", "B005", "B006", "B007"]
    static let variables = ["pr", "tasmax", "tasmin", "rsds", "hurs"]
    static let attributes = ["elevation", "slope", "clay", "sand", "silt", "forest_fraction"]

    static func model() throws -> StefaLandModel {
        try StefaLandModel(file: ModelFile(contentsOf: modelURL))
    }

    static var modelURL: URL {
        TestPaths.repository.appendingPathComponent("models/stefaland-demo.safetensors")
    }

    /// `basin_id,<model attributes>` with distinct values per basin.
    static func attributesCSV(in dir: URL, basins: [String] = basinIDs) throws -> String {
        var text = "basin_id," + attributes.joined(separator: ",") + "\n"
        for (i, id) in basins.enumerated() {
            let x = Double(i)
            text += "\(id),\(200 + 50 * x),\(1 + 0.5 * x),0.2,0.3,0.5,\(0.1 * x)\n"
        }
        let url = dir.appendingPathComponent("attributes.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A mapping file with the attributes' units (identity names) and optional forcing entries.
    static func mapping(
        in dir: URL, forcings: [String: (to: String, units: String?)] = [:],
        name: String = "mapping.json"
    ) throws -> String {
        var forcingEntries: [String: [String: String]] = [:]
        for (key, entry) in forcings {
            var e = ["to": entry.to]
            if let units = entry.units { e["units"] = units }
            forcingEntries[key] = e
        }
        let units = ["m", "degree", "1", "1", "1", "1"]
        var attributeEntries: [String: [String: String]] = [:]
        for (name, unit) in zip(attributes, units) {
            attributeEntries[name] = ["to": name, "units": unit]
        }
        let data = try JSONSerialization.data(
            withJSONObject: ["forcings": forcingEntries, "attributes": attributeEntries])
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// One variable of the sample forcing: `[time][lat][lon]`, NaN where missing.
    struct Field {
        var name: String
        var units: String
        var values: [Float]
    }

    /// The sample grid and time axis, and the fields of `names`.
    static func sampleFields(_ names: [String] = variables) throws
        -> (x: [Double], y: [Double], times: [Double], fields: [Field])
    {
        let forcing = try CFForcing(path: forcings)
        let fields = try names.map { name in
            let variable = try forcing.variable(name)
            return Field(
                name: name, units: variable.units ?? "",
                values: try forcing.read(variable, times: 0..<forcing.timeAxis.count))
        }
        return (forcing.grid.x, forcing.grid.y, forcing.timeAxis.values, fields)
    }

    /// Writes a CF lat/lon grid: `times` (indices into the sample's steps) of `fields`,
    /// longitudes shifted by `lonShift` degrees. Fill value 1e20.
    static func writeGrid(
        _ path: String, x: [Double], y: [Double], times allTimes: [Double], steps: Range<Int>,
        fields: [Field], lonShift: Double = 0, units: [String: String] = [:],
        transform: (String, Float) -> Float = { $1 }
    ) throws {
        let file = try NetCDFFile(creatingClassicModel: path)
        let td = try file.defineDimension("time", length: steps.count)
        let yd = try file.defineDimension("lat", length: y.count)
        let xd = try file.defineDimension("lon", length: x.count)
        let tv = try file.defineVariable("time", type: .double, dimensions: [td])
        try file.putAttribute(.text("units", "days since 2016-01-01 00:00:00"), on: tv)
        try file.putAttribute(.text("calendar", "standard"), on: tv)
        try file.putAttribute(.text("axis", "T"), on: tv)
        let yv = try file.defineVariable("lat", type: .double, dimensions: [yd])
        try file.putAttribute(.text("units", "degrees_north"), on: yv)
        let xv = try file.defineVariable("lon", type: .double, dimensions: [xd])
        try file.putAttribute(.text("units", "degrees_east"), on: xv)
        var ids: [Int32] = []
        for field in fields {
            let id = try file.defineVariable(field.name, type: .float, dimensions: [td, yd, xd])
            try file.putAttribute(.text("units", units[field.name] ?? field.units), on: id)
            try file.putAttribute(NetCDFAttribute("_FillValue", .numbers([1e20], .float)), on: id)
            ids.append(id)
        }
        try file.putAttribute(.text("Conventions", "CF-1.8"), on: nil)
        try file.endDefinitions()
        try file.write(Array(allTimes[steps]), to: tv, start: [0], count: [steps.count])
        try file.write(y, to: yv, start: [0], count: [y.count])
        try file.write(x.map { $0 + lonShift }, to: xv, start: [0], count: [x.count])
        let cells = x.count * y.count
        for (field, id) in zip(fields, ids) {
            let slab = field.values[(steps.lowerBound * cells)..<(steps.upperBound * cells)]
            let values = slab.map { $0.isNaN ? Float(1e20) : transform(field.name, $0) }
            try file.write(
                values, to: id, start: [0, 0, 0], count: [steps.count, y.count, x.count])
        }
        try file.close()
    }

    /// A wide per-basin CSV `basin_id,time,<variables>` of `table` (all its days).
    static func wideCSV(_ table: BasinTable, to url: URL, blank: Set<String> = []) throws {
        var text = "basin_id,time," + table.variables.joined(separator: ",") + "\n"
        for (b, id) in table.basinIDs.enumerated() {
            for (d, date) in table.dates.enumerated() {
                text += "\(id),\(date)"
                for v in table.variables.indices {
                    let value = table[variable: v, basin: b, day: d]
                    text += blank.contains(id) || value.isNaN ? "," : ",\(value)"
                }
                text += "\n"
            }
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// `geomap zonal` means of the sample forcing: (basin, date, variable) → value, in the
    /// file's units.
    static func zonalMeans(in dir: URL) throws -> [ZonalFixtures.Key: Double] {
        var options = ZonalOptions(
            basinsPath: basins, statistics: [.mean],
            output: dir.appendingPathComponent("zonal.csv"))
        options.forcingPaths = [forcings]
        options.variables = variables
        _ = try ZonalJob.run(options, log: { _ in })
        return try ZonalFixtures.values(at: options.output)
    }
}
