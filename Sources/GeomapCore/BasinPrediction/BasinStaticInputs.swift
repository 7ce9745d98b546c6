import Foundation
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

    /// - Parameter basins: basin ids in the basin file's order.
    /// - Throws: ``BasinInputError``: an attribute given by both sources, every model
    ///   attribute without a source (one error), basins missing from the CSV (one error),
    ///   units, and the readers' errors.
    static func assemble(
        _ request: BasinInputRequest, basins: [String], model: StefaLandModel,
        mapping: VariableMapping, log: (String) -> Void
    ) throws -> Result {
        let modelAttributes = model.configuration.staticVariables
        guard !modelAttributes.isEmpty else {
            return Result(
                attributes: BasinAttributes(basinIDs: basins, attributes: [], values: []),
                messages: [])
        }
        let sources = try mapping.attributeSources(for: modelAttributes)
        let rasterNames = request.staticRasters.map(\.name)
        if let twice = rasterNames.first(where: { n in rasterNames.filter { $0 == n }.count > 1 })
        {
            throw BasinInputError("--static-raster", "\(twice) is given twice")
        }
        var columns: [String] = []
        if let path = request.attributesPath {
            let lines = try BasinCSV.readLines(URL(fileURLWithPath: path))
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
                mapping.path,
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
            throw BasinInputError(
                "--static-raster", "static rasters are not supported yet; use --attributes")
        }
        let user = BasinAttributes(
            basinIDs: basins, attributes: sources,
            values: sources.flatMap { Array(values[$0]!) })
        fileUnits = fileUnits.filter { sources.contains($0.key) }
        let attributes = try mapping.mapAttributes(
            user, modelAttributes: modelAttributes,
            modelUnits: BasinInputAssembler.units(modelAttributes, model.staticStatistics),
            fileUnits: fileUnits)
        return Result(attributes: attributes, messages: messages)
    }
}
