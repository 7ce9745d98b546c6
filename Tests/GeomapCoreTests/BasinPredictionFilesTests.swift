import Foundation
import GeoNetCDF
import GeoVector
import Models
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

@Suite("Basin prediction and embedding NetCDF files")
struct BasinPredictionFilesTests {
    let metadata = BasinRunMetadata(
        modelName: "stefaland-demo", modelPath: "models/stefaland-demo.safetensors", demo: true,
        sources: ["samples/basins.shp", "synthetic"], command: "test", geomapVersion: "test")

    @Test("predictions: values, flags with their meanings, global attributes, OGR polygons")
    func predictions() throws {
        let model = try shortWindowDemoModel()
        var inputs = try syntheticBasinInputs(model: model, days: 50, firstOutputDay: 10)
        inputs.forcings[variable: 0, basin: 1, day: 20] = .nan
        inputs.problems[3] = "outside the forcing grid"
        let outputs = [
            BasinOutputVariable(name: "streamflow", units: "mm/day", longName: "streamflow depth")
        ]
        let (predictions, _) = BasinRunner(model: model).predict(inputs, outputs: outputs)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("basins.nc").path
        try BasinPredictionFiles.writePredictions(
            predictions, basins: inputs.basins, metadata: metadata, to: path)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

        let file = try NetCDFFile(opening: path)
        let variables = Dictionary(uniqueKeysWithValues: try file.variables().map { ($0.name, $0) })
        let q = try #require(variables["streamflow"])
        #expect(q.dimensions == ["station", "time"] && q.shape == [7, 40])
        #expect(q.attribute("units")?.text == "mm/day")
        #expect(q.attribute("long_name")?.text == "streamflow depth")
        #expect(q.attribute("ancillary_variables")?.text == "prediction_flag")
        let flag = try #require(variables["prediction_flag"])
        #expect(flag.type == .byte && flag.attribute("units") == nil)
        #expect(flag.attribute("flag_values")?.numbers == [0, 1, 2, 3])
        #expect(flag.attribute("flag_values")?.numericType == .byte)
        #expect(
            flag.attribute("flag_meanings")?.text
                == "ok missing_forcing basin_not_run non_finite_output")
        let values = try file.readFloats(q, start: [0, 0], count: [7, 40])
        let flags = try file.readDoubles(flag)
        #expect(flags == predictions.flags.map { Double($0.rawValue) })
        #expect(flags[1 * 40 + 10] == 1 && flags[3 * 40] == 2 && flags[0] == 0)
        for i in values.indices {
            #expect((values[i] != BasinSeriesWriter.fillValue) == (flags[i] == 0))
            if flags[i] == 0 { #expect(values[i] == predictions.values[i]) }
        }
        let time = try #require(variables["time"])
        #expect(time.attribute("units")?.text == "days since 2016-01-11")
        #expect(try file.readDoubles(time) == (0..<40).map(Double.init))
        let globals = try file.globalAttributes()
        func global(_ name: String) -> String? { globals.first { $0.name == name }?.value.text }
        #expect(global("model") == "stefaland-demo")
        #expect(global("model_is_demo") == "true")
        #expect(global("period") == "2016-01-11/2016-02-19")
        #expect(global("source_files") == "samples/basins.shp, synthetic")
        #expect(global("Conventions") == "CF-1.8")
        _ = consume file

        let back = try BasinReader.read(path: path)
        #expect(back.basins.map(\.id) == inputs.basins.basins.map(\.id))
        #expect(back.crs.epsg == 4326)
        #expect(back.basins.allSatisfy { !$0.geometry.polygons.isEmpty })
    }

    @Test("embeddings: streamed groups land in (station, embedding, time)")
    func embeddings() throws {
        let model = try shortWindowDemoModel()
        let inputs = try syntheticBasinInputs(model: model, days: 40, firstOutputDay: 15)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("e.nc").path
        let d = model.configuration.dModel
        let dates = Array(inputs.outputDates)
        let writer = try BasinPredictionFiles.embeddingWriter(
            basins: inputs.basins, dates: dates, width: d, metadata: metadata, to: path)
        var first: [Float] = []
        let outcome = try BasinRunner(model: model, sequencesPerCall: 3).embed(inputs) {
            basins, block in
            if basins.lowerBound == 0 { first = Array(block[0..<d]) }
            try BasinPredictionFiles.writeEmbeddings(
                block, to: writer, basins: basins, days: 25, width: d)
        }
        try writer.write(
            BasinPredictionFiles.flagVariable, basins: 0..<7, times: 0..<25,
            values: outcome.flags.map { Float($0.rawValue) })
        try writer.finish()
        let file = try NetCDFFile(opening: path)
        let e = try #require(try file.variables().first { $0.name == "basin_embedding" })
        #expect(e.dimensions == ["station", "embedding", "time"] && e.shape == [7, d, 25])
        #expect(try file.readFloats(e, start: [0, 0, 0], count: [1, d, 1]) == first)
        let all = try file.readFloats(e, start: [0, 0, 0], count: [7, d, 25])
        #expect(all.allSatisfy { $0.isFinite && $0 != BasinSeriesWriter.fillValue })
    }
}
