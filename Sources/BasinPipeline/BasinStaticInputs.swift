import BasinInputs
import Foundation
import GeoVector
import Models

/// The model's static attributes from `--attributes` (a CSV keyed by basin id; units only
/// through the mapping file's `attributes` entries) and `--static-raster` sources (units from
/// the rasters' band unit type, or the mapping), renamed and converted into the model's
/// variables, order and units.
enum BasinStaticInputs {
    struct Result {
        var attributes: BasinAttributes
        var messages: [String]
    }

    /// - Parameter set: the basins as read (ids in the basin file's order).
    /// - Throws: ``BasinInputError``: an attribute given by both sources, every model
    ///   attribute without a source (one error), basins missing from the CSV (one error),
    ///   units, and the readers' errors.
    static func assemble(
        _ request: BasinInputRequest, basins set: BasinSet, model: StefaLandModel,
        mapping: VariableMapping, log: (String) -> Void
    ) throws -> Result {
        let basins = set.basins.map(\.id)
        let modelAttributes = model.configuration.staticVariables
        guard !modelAttributes.isEmpty else {
            return Result(
                attributes: BasinAttributes(basinIDs: basins, attributes: [], values: []),
                messages: [])
        }
        let sources = try mapping.attributeSources(for: modelAttributes)
        let rasterNames = request.staticRasters.map(\.name)
        if let twice = rasterNames.first(where: { n in rasterNames.filter { $0 == n }.count > 1 }) {
            let paths = request.staticRasters.filter { $0.name == twice }.map(\.path)
            throw BasinInputError(
                "--static-raster",
                "attribute '\(twice)' is given twice (\(paths.joined(separator: ", ")))")
        }
        var columns: [String] = []
        if let path = request.attributesPath {
            let lines = try BasinCSV.readRecords(URL(fileURLWithPath: path))
            columns = lines.first?.fields ?? []
        }
        var fromCSV: [String] = []
        var fromRasters: [String] = []
        var missing: [String] = []
        for (target, source) in zip(modelAttributes, sources) {
            let inRaster = rasterNames.contains(source)
            let inCSV = columns.dropFirst().contains(source)
            if inRaster, inCSV {
                throw BasinInputError(
                    request.attributesPath!,
                    "\(target) is given twice: by the column \(source) and by --static-raster "
                        + "\(source)")
            }
            if inRaster {
                fromRasters.append(source)
            } else if request.attributesPath != nil {
                fromCSV.append(source)  // BasinAttributes.read lists absent columns
            } else {
                missing.append(target == source ? target : "\(target) (from \(source))")
            }
        }
        guard missing.isEmpty else {
            throw BasinInputError(
                request.mappingPath ?? request.attributesPath
                    ?? (rasterNames.isEmpty ? "--attributes" : "--static-raster"),
                "no source for model attributes: " + missing.joined(separator: ", ")
                    + " (give --attributes CSV or --static-raster NAME=FILE)")
        }
        var messages: [String] = []
        for name in rasterNames where !sources.contains(name) {
            messages.append("--static-raster \(name) is not a model attribute; not used")
        }
        var values = [String: ArraySlice<Float>]()
        if let path = request.attributesPath, !fromCSV.isEmpty {
            let table = try BasinAttributes.read(
                URL(fileURLWithPath: path), attributes: fromCSV, basins: basins)
            for (a, name) in table.attributes.enumerated() {
                values[name] = table.values[(a * basins.count)..<((a + 1) * basins.count)]
            }
        }
        var fileUnits: [String: String] = [:]
        if !fromRasters.isEmpty {
            let used = request.staticRasters.filter { fromRasters.contains($0.name) }
            let rasters = try StaticRasterAttributes.read(
                used, basins: set, cacheDirectory: request.cacheDirectory, log: log)
            let table = rasters.attributes
            for (a, name) in table.attributes.enumerated() {
                values[name] = table.values[(a * basins.count)..<((a + 1) * basins.count)]
                fileUnits[name] = rasters.units[a]
            }
        }
        let user = BasinAttributes(
            basinIDs: basins, attributes: sources,
            values: sources.flatMap { Array(values[$0]!) })
        for (a, name) in sources.enumerated() {
            let missing = basins.indices.filter { user.values[a * basins.count + $0].isNaN }
            if !missing.isEmpty {
                messages.append(
                    "attribute \(name) is missing (NaN) for basins "
                        + missing.map { basins[$0] }.joined(separator: ", "))
            }
        }
        let attributes = try mapping.mapAttributes(
            user, modelAttributes: modelAttributes,
            modelUnits: BasinInputAssembler.units(modelAttributes, model.staticStatistics),
            fileUnits: fileUnits)
        return Result(attributes: attributes, messages: messages)
    }
}
