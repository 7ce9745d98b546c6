import Foundation
import Models
import Tensor
import Testing
import TestSupport

@Suite("geomap models import --arch stefaland")
struct StefaLandImportTests {
    func importModel(_ checkpoint: URL, stats: URL = StefaLandGolden.statsURL,
        settings: [String: String] = [:], into directory: URL) throws -> ModelFile
    {
        try ArchitectureRegistry.importModel(
            checkpoint: checkpoint, architecture: "stefaland",
            options: ImportOptions(statsPath: stats.path, settings: settings),
            output: directory.appendingPathComponent("model.safetensors"))
    }

    @Test("a fine-tuned δMG state dict imports and reproduces the goldens")
    func fineTuned() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try importModel(
            StefaLandGolden.finetunedURL, settings: ["targets": "streamflow:mm/day,soil_moisture:m3/m3"],
            into: directory)
        let golden = try StefaLandGolden("small")
        let model = try StefaLandModel(file: file)
        #expect(model.configuration.dynamicVariables == golden.mirror.dynamic)
        #expect(model.configuration.staticVariables == golden.mirror.static)
        #expect(model.configuration.head?.outputs == 2)
        #expect(file.manifest.output.variables?.map(\.name) == ["streamflow", "soil_moisture"])
        #expect(file.manifest.output.variables?.map(\.units) == ["mm/day", "m3/m3"])
        let x = model.normalize(
            dynamic: try golden.io.tensor("x_raw"), static: try golden.io.tensor("c_raw"))
        let out = model(dynamic: x.dynamic, static: x.static, embeddings: true)
        #expect(relativeError(try #require(out.predictions), try golden.io.tensor("predictions")) < 1e-4)
        #expect(relativeError(try #require(out.embeddings), try golden.io.tensor("embeddings")) < 1e-4)
        // Only inference tensors are kept.
        #expect(!file.safetensors.names.contains { $0.hasPrefix("pretrained_model.decoder") })
        #expect(!file.safetensors.names.contains { $0.hasPrefix("direct_input_projection") })
    }

    @Test("a pretraining checkpoint (model_state_dict, module., LSTM decoder) imports as an encoder")
    func pretraining() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try importModel(StefaLandGolden.pretrainURL, into: directory)
        let golden = try StefaLandGolden("small")
        let model = try StefaLandModel(file: file)
        #expect(model.configuration.head == nil)
        #expect(file.manifest.output.task == "embedding")
        let out = model(
            dynamic: try golden.io.tensor("x"), static: try golden.io.tensor("c"), embeddings: true)
        #expect(out.predictions == nil)
        #expect(relativeError(try #require(out.embeddings), try golden.io.tensor("embeddings")) < 1e-4)
        let stats = file.manifest.input.variables
        #expect(stats.map(\.name) == golden.mirror.dynamic + golden.mirror.static)
        #expect(stats.allSatisfy { $0.mean != nil && ($0.std ?? 0) > 0 })
    }

    @Test("missing statistics are an error listing every missing variable, and nothing is written")
    func missingStatistics() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stats = directory.appendingPathComponent("stats.json")
        try Data(#"{"P": {"mean": 1, "std": 2}, "Tmin": {"mean": 0, "std": 1}}"#.utf8).write(to: stats)
        let error = try #require(throws: ModelError.self) {
            try importModel(StefaLandGolden.pretrainURL, stats: stats, into: directory)
        }
        #expect(error.description.contains("no normalisation statistics for Tmax, elevation, slope, clay, forest_fraction"))
        #expect(error.path == stats.path)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left == ["stats.json"])
    }

    @Test("a wrong tensor shape is an error naming the tensor")
    func wrongShape() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Checkpoint(contentsOf: StefaLandGolden.finetunedURL)
        let bad = "nn_model.adapter.combined_transform.3.weight"
        let items = checkpoint.stateDict.items.map { item -> (name: String, tensor: Tensor) in
            item.name == bad
                ? (item.name, Tensor(zeros: [item.tensor.shape[0], item.tensor.shape[1] - 1]))
                : (item.name, item.tensor)
        }
        let broken = directory.appendingPathComponent("broken.safetensors")
        try SafetensorsWriter.write(items, metadata: [:], to: broken)
        let error = try #require(throws: ModelError.self) {
            try importModel(broken, settings: try StefaLandGolden("small").orderSettings, into: directory)
        }
        #expect(error.description.contains("tensor \(bad) has shape [32, 63], expected [32, 64]"))
    }

    @Test("an unexpected extra tensor is an error naming it")
    func extraTensor() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Checkpoint(contentsOf: StefaLandGolden.finetunedURL)
        var items = checkpoint.stateDict.items.map { (name: $0.name, tensor: $0.tensor) }
        items.append((name: "nn_model.localized_adapter.weight", tensor: Tensor(zeros: [2])))
        let broken = directory.appendingPathComponent("extra.safetensors")
        try SafetensorsWriter.write(items, metadata: [:], to: broken)
        let error = try #require(throws: ModelError.self) {
            try importModel(broken, settings: try StefaLandGolden("small").orderSettings, into: directory)
        }
        #expect(error.description.contains("nn_model.localized_adapter.weight"))
    }

    @Test("a two-output head without --set targets is an error")
    func targetsRequired() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(throws: ModelError.self) {
            try importModel(StefaLandGolden.finetunedURL, into: directory)
        }
        #expect(error.description.contains("predicts 2 quantities"))
    }

    /// A state dict of zeros with the names and shapes of a key table made by the mirror.
    func zeroCheckpoint(_ table: String, in directory: URL) throws -> URL {
        let data = try Data(contentsOf: StefaLandGolden.directory.appendingPathComponent(table))
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[Any]])
        let items = try rows.map { row -> (name: String, tensor: Tensor) in
            let name = try #require(row[0] as? String)
            let shape = try #require(row[1] as? [Int])
            return (name, Tensor(zeros: shape))
        }
        let url = directory.appendingPathComponent(table + ".safetensors")
        try SafetensorsWriter.write(items, metadata: [:], to: url)
        return url
    }

    @Test("the released sizes' key tables import: 485 pretraining tensors, and the δMG layout",
        arguments: ["released_pretrain_keys.json", "released_finetuned_keys.json"])
    func releasedKeyTables(table: String) throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let golden = try StefaLandGolden("released")
        let checkpoint = try zeroCheckpoint(table, in: directory)
        #expect(try Checkpoint(contentsOf: checkpoint).stateDict.items.count
            == (table.contains("pretrain") ? 485 : 532))
        let file = try importModel(
            checkpoint, stats: StefaLandGolden.directory.appendingPathComponent("released_stats.json"),
            settings: golden.orderSettings, into: directory)
        let c = try StefaLandModel(file: file).configuration
        #expect(c.dModel == 256 && c.encoderLayers == 4 && c.feedForward == 512 && c.heads == 4)
        #expect(c.dynamicVariables == golden.mirror.dynamic)
        #expect(c.staticVariables == golden.mirror.static)
        #expect(c.head == (table.contains("pretrain") ? nil : .init(
            adapter: "dual_residual", residualLSTM: true, outputs: 1)))
    }

    @Test("a safetensors checkpoint without --set dynamic/static is an error (order unknown)")
    func safetensorsOrder() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try zeroCheckpoint("released_pretrain_keys.json", in: directory)
        let error = try #require(throws: ModelError.self) {
            try importModel(
                checkpoint,
                stats: StefaLandGolden.directory.appendingPathComponent("released_stats.json"),
                into: directory)
        }
        #expect(error.description.contains("does not record the order of the dynamic variables"))
    }
}
