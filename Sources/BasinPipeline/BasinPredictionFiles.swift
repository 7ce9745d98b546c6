import BasinInputs
import Foundation
package import GeoNetCDF
import GeoProjection
package import GeoVector
import ZonalAggregation

/// What a basin run records about itself in its outputs' global attributes.
package struct BasinRunMetadata: Sendable {
    /// The model's name (manifest) and file.
    package var modelName: String
    package var modelPath: String
    /// Whether the model is a demonstration model (manifest provenance).
    package var demo: Bool
    /// The input files (basins, forcings, attributes, rasters, mapping), as given.
    package var sources: [String]
    /// The command line (`history`).
    package var command: String
    package var geomapVersion: String

    package init(
        modelName: String, modelPath: String, demo: Bool, sources: [String], command: String,
        geomapVersion: String
    ) {
        self.modelName = modelName
        self.modelPath = modelPath
        self.demo = demo
        self.sources = sources
        self.command = command
        self.geomapVersion = geomapVersion
    }
}

/// The CF-1.8 NetCDF outputs of the basin pipeline (timeSeries with polygon geometry, see
/// ``GeoNetCDF/BasinSeriesWriter``): predictions (one variable per predicted quantity plus
/// `prediction_flag`) and embeddings (`basin_embedding(station, time, embedding)`).
package enum BasinPredictionFiles {
    /// The flag variable's name.
    package static let flagVariable = "prediction_flag"
    /// The embeddings' data variable and extra dimension.
    package static let embeddingVariable = "basin_embedding"
    package static let embeddingDimension = "embedding"

    /// Writes the predictions (under a temporary name, renamed when complete).
    /// - Parameter basins: the basins as read, in prediction order (drawn in WGS 84).
    /// - Throws: ``GeoVector/VectorError`` when the basins cannot be reprojected,
    ///   ``GeoNetCDF/NetCDFError`` when writing fails.
    /// - Parameter archive: for the archive of `--archive`: the time dimension unlimited and
    ///   these global attributes added (`nil`: a plain output).
    package static func writePredictions(
        _ predictions: BasinPredictions, basins: BasinSet, metadata: BasinRunMetadata,
        to path: String, archive: [NetCDFAttribute]? = nil
    ) throws {
        let variables =
            predictions.variables.map { v in
                DSGVariable(
                    name: v.name, units: v.units, longName: v.longName,
                    standardName: v.standardName,
                    attributes: [
                        .text("ancillary_variables", flagVariable),
                        .text("source", "StefaLand model \(metadata.modelName)"),
                    ])
            } + [flagDefinition]
        var layout = try layout(
            basins: basins, dates: predictions.dates, variables: variables, metadata: metadata,
            title: "StefaLand daily predictions per basin")
        if let archive {
            layout.unlimitedTime = true
            layout.extraAttributes += archive
        }
        let writer = try BasinSeriesWriter(path: path, layout: layout)
        let (n, days, width) = (
            predictions.basinIDs.count, predictions.dates.count, predictions.variables.count
        )
        for (v, variable) in predictions.variables.enumerated() {
            var values = [Float](repeating: .nan, count: n * days)
            for i in 0..<(n * days) { values[i] = predictions.values[i * width + v] }
            try writer.write(variable.name, basins: 0..<n, times: 0..<days, values: values)
        }
        try writer.write(
            flagVariable, basins: 0..<n, times: 0..<days,
            values: predictions.flags.map { Float($0.rawValue) })
        try writer.finish()
    }

    /// Opens an embeddings file for streaming: write groups of basins with
    /// ``writeEmbeddings(_:to:basins:days:width:)``, then the flags (`flagVariable`,
    /// `[basins × days]`), then `finish()`. The variable is `(station, embedding, time)`
    /// (CF §2.4: other dimensions left of time).
    package static func embeddingWriter(
        basins: BasinSet, dates: [CFDate], width: Int, metadata: BasinRunMetadata, to path: String
    ) throws -> BasinSeriesWriter {
        let variable = DSGVariable(
            name: embeddingVariable, units: "1",
            longName: "StefaLand encoder embedding (hidden state after the encoder-to-decoder "
                + "projection, time tokens only)",
            extraDimensions: [DSGDimension(name: embeddingDimension, length: width)],
            attributes: [.text("ancillary_variables", flagVariable)])
        let layout = try layout(
            basins: basins, dates: dates, variables: [variable, flagDefinition],
            metadata: metadata, title: "StefaLand basin embeddings per day")
        return try BasinSeriesWriter(path: path, layout: layout)
    }

    /// Writes one group of basins' embeddings.
    /// - Parameter block: `[basins × days × width]` as ``BasinRunner/embed(_:progress:sink:)``
    ///   gives it (stored transposed, `[basins × width × days]`).
    package static func writeEmbeddings(
        _ block: [Float], to writer: BasinSeriesWriter, basins: Range<Int>, days: Int, width: Int
    ) throws {
        var stored = [Float](repeating: .nan, count: block.count)
        for b in 0..<basins.count {
            for t in 0..<days {
                for k in 0..<width {
                    stored[(b * width + k) * days + t] = block[(b * days + t) * width + k]
                }
            }
        }
        try writer.write(embeddingVariable, basins: basins, times: 0..<days, values: stored)
    }

    /// The flag variable: byte values with their meanings (``BasinDayFlag``).
    static var flagDefinition: DSGVariable {
        DSGVariable(
            name: flagVariable, units: "", longName: "prediction status of the basin-day",
            attributes: [
                NetCDFAttribute(
                    "flag_values",
                    .numbers(BasinDayFlag.allCases.map { Double($0.rawValue) }, .byte)),
                .text("flag_meanings", "ok missing_forcing basin_not_run non_finite_output"),
                .text(
                    "comment",
                    "missing_forcing: an input of that day was missing (value _FillValue); "
                        + "basin_not_run: the basin could not be run (see the run's log); "
                        + "non_finite_output: the model's output was NaN or infinite "
                        + "(value _FillValue)"),
            ], storage: .byte)
    }

    static func layout(
        basins: BasinSet, dates: [CFDate], variables: [DSGVariable], metadata: BasinRunMetadata,
        title: String
    ) throws -> BasinSeriesLayout {
        guard let first = dates.first else {
            throw NetCDFError.convention(metadata.command, "no days to write")
        }
        let units = CFTimeUnits(
            String(
                format: "days since %04d-%02d-%02d 00:00:00", first.year, first.month,
                first.day),
            calendar: .prolepticGregorian)!
        let day0 = BasinDay.number(first)!
        let times = dates.map { Double(BasinDay.number($0)! - day0) }
        let last = dates.last!
        let period =
            String(format: "%04d-%02d-%02d", first.year, first.month, first.day)
            + "/" + String(format: "%04d-%02d-%02d", last.year, last.month, last.day)
        var extra: [NetCDFAttribute] = [
            .text("model", metadata.modelName), .text("model_file", metadata.modelPath),
            .text("model_is_demo", metadata.demo ? "true" : "false"),
            .text("source_files", metadata.sources.joined(separator: ", ")),
            .text("time_coverage_start", period.components(separatedBy: "/")[0]),
            .text("time_coverage_end", period.components(separatedBy: "/")[1]),
            .text("period", period),
        ]
        if metadata.demo {
            extra.append(
                .text(
                    "comment",
                    "Made with a DEMONSTRATION model trained on synthetic basins; the values "
                        + "say nothing about real catchments (docs/models/)."))
        }
        return BasinSeriesLayout(
            basins: try DSGBasins.make(from: basins), timeUnits: units, times: times,
            variables: variables, title: title,
            source: "geomap \(metadata.geomapVersion), StefaLand model \(metadata.modelName)",
            history: metadata.command, references: "docs/basin-prediction.md",
            geomapVersion: metadata.geomapVersion, extraAttributes: extra)
    }
}
