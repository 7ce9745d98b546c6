import Foundation
import Models
import Tensor
import TestSupport
import Testing

/// Import through ``ArchitectureRegistry/importModel`` with `--arch stefaland`.
func importStefaLand(
    _ checkpoint: URL, stats: URL = StefaLandGolden.statsURL, settings: [String: String] = [:],
    into directory: URL
) throws -> ModelFile {
    try ArchitectureRegistry.importModel(
        checkpoint: checkpoint, architecture: "stefaland",
        options: ImportOptions(statsPath: stats.path, settings: settings),
        output: directory.appendingPathComponent("model.safetensors"))
}

/// A safetensors state dict of zeros with the names and shapes of a key table made by the
/// PyTorch mirror (`NAME_{pretrain,finetuned}_keys.json`), optionally edited.
func zeroCheckpoint(
    _ table: String, in directory: URL,
    edit: (inout [(name: String, tensor: Tensor)]) -> Void = { _ in }
) throws -> URL {
    let data = try Data(contentsOf: StefaLandGolden.directory.appendingPathComponent(table))
    let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[Any]])
    var items = try rows.map { row -> (name: String, tensor: Tensor) in
        let name = try #require(row[0] as? String)
        let shape = try #require(row[1] as? [Int])
        return (name, Tensor(zeros: shape))
    }
    edit(&items)
    let url = directory.appendingPathComponent(table + ".safetensors")
    try SafetensorsWriter.write(items, metadata: [:], to: url)
    return url
}

@Suite("geomap models import --arch stefaland: key tables and errors")
struct StefaLandImportTests {
    @Test(
        "the released sizes' key tables import: 485 pretraining tensors, and the δMG layout",
        arguments: ["released_pretrain_keys.json", "released_finetuned_keys.json"])
    func releasedKeyTables(table: String) throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let golden = try StefaLandGolden("released")
        let checkpoint = try zeroCheckpoint(table, in: directory)
        #expect(
            try Checkpoint(contentsOf: checkpoint).stateDict.items.count
                == (table.contains("pretrain") ? 485 : 532))
        let file = try importStefaLand(
            checkpoint,
            stats: StefaLandGolden.directory.appendingPathComponent("released_stats.json"),
            settings: golden.orderSettings, into: directory)
        let c = try StefaLandModel(file: file).configuration
        #expect(c.dModel == 256 && c.encoderLayers == 4 && c.feedForward == 512 && c.heads == 4)
        #expect(c.dynamicVariables == golden.mirror.dynamic)
        #expect(c.staticVariables == golden.mirror.static)
        #expect(
            c.head
                == (table.contains("pretrain")
                    ? nil
                    : .init(
                        adapter: "dual_residual", residualLSTM: true, outputs: 1)))
        #expect(
            file.manifest.output.variables?.map(\.name)
                == (table.contains("pretrain") ? nil : ["streamflow"]))
        #expect(file.safetensors.names.count == c.modelFileTensorShapes.count)
    }

    @Test("a safetensors checkpoint without --set dynamic/static is an error (order unknown)")
    func safetensorsOrder() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try zeroCheckpoint("small_pretrain_keys.json", in: directory)
        let error = try #require(throws: ModelError.self) {
            try importStefaLand(checkpoint, into: directory)
        }
        #expect(error.description.contains("does not record the order of the dynamic variables"))
    }

    @Test("missing statistics are an error listing every missing variable, and nothing is written")
    func missingStatistics() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try zeroCheckpoint("small_pretrain_keys.json", in: directory)
        let stats = directory.appendingPathComponent("stats.json")
        try Data(#"{"P": {"mean": 1, "std": 2}, "Tmin": {"mean": 0, "std": 1}}"#.utf8).write(
            to: stats)
        let error = try #require(throws: ModelError.self) {
            try importStefaLand(
                checkpoint, stats: stats, settings: try StefaLandGolden("small").orderSettings,
                into: directory)
        }
        #expect(
            error.description.contains(
                "no normalisation statistics for Tmax, elevation, slope, clay, forest_fraction"))
        #expect(error.path == stats.path)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == ["small_pretrain_keys.json.safetensors", "stats.json"])
    }

    @Test("a statistics file with a zero std is an error naming the variable")
    func zeroStd() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try zeroCheckpoint("small_pretrain_keys.json", in: directory)
        let stats = directory.appendingPathComponent("stats.json")
        try Data(#"{"P": {"mean": 1, "std": 0}}"#.utf8).write(to: stats)
        let error = try #require(throws: ModelError.self) {
            try importStefaLand(
                checkpoint, stats: stats, settings: try StefaLandGolden("small").orderSettings,
                into: directory)
        }
        #expect(error.description.contains("variable P has mean 1.0 and std 0.0"))
    }

    @Test("a statistics entry with a misspelt key is refused, naming the variable and the key")
    func unknownStatisticsKey() throws {
        let directory = try makeTemporaryDirectory("stefaland-stats")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stats = directory.appendingPathComponent("stats.json")
        try Data(#"{"P": {"mean": 1, "std": 2, "unit": "mm/day"}}"#.utf8).write(to: stats)
        let error = #expect(throws: ModelError.self) {
            try StefaLandStatistics(contentsOf: stats)
        }
        #expect(
            error?.description
                == stats.path
                + ": variable P: unknown key 'unit' (an entry has mean, std and units)")
    }

    @Test("a wrong tensor shape is an error naming the tensor")
    func wrongShape() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = "nn_model.adapter.combined_transform.3.weight"
        let checkpoint = try zeroCheckpoint("small_finetuned_keys.json", in: directory) { items in
            let i = items.firstIndex { $0.name == bad }!
            items[i].tensor = Tensor(zeros: [32, 63])
        }
        let error = try #require(throws: ModelError.self) {
            try importStefaLand(
                checkpoint,
                settings: try StefaLandGolden("small").orderSettings.merging(
                    ["targets": "q:mm/day,sm:1"]) { a, _ in a }, into: directory)
        }
        #expect(error.description.contains("tensor \(bad) has shape [32, 63], expected [32, 64]"))
    }

    @Test(
        "a checkpoint with an Inf or NaN weight is refused at import, naming the tensor",
        arguments: [Float.infinity, -Float.infinity, .nan])
    func nonFiniteWeight(value: Float) throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = "nn_model.adapter.combined_transform.3.weight"
        let checkpoint = try zeroCheckpoint("small_finetuned_keys.json", in: directory) { items in
            let i = items.firstIndex { $0.name == bad }!
            var scalars = items[i].tensor.scalars
            scalars[5] = value
            items[i].tensor = Tensor(shape: items[i].tensor.shape, scalars: scalars)
        }
        let error = try #require(throws: ModelError.self) {
            try importStefaLand(
                checkpoint,
                settings: try StefaLandGolden("small").orderSettings.merging(
                    ["targets": "q:mm/day,sm:1"]) { a, _ in a }, into: directory)
        }
        #expect(error.description.contains("tensor \(bad) holds a non-finite value"))
        #expect(error.description.contains("at element 5"))
        // Nothing written.
        #expect(
            !FileManager.default.fileExists(
                atPath: directory.appendingPathComponent("model.safetensors").path))
    }

    @Test("a missing or unexpected tensor is an error naming it")
    func missingAndExtra() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = try StefaLandGolden("small").orderSettings.merging(
            ["targets": "q:mm/day,sm:1"]) { a, _ in a }
        let extra = try zeroCheckpoint("small_finetuned_keys.json", in: directory) { items in
            items.append((name: "nn_model.localized_adapter.weight", tensor: Tensor(zeros: [2])))
        }
        let e1 = try #require(throws: ModelError.self) {
            try importStefaLand(extra, settings: settings, into: directory)
        }
        #expect(e1.description.contains("unexpected tensor nn_model.localized_adapter.weight"))
        let gone = "nn_model.pretrained_model.encoder.transformer_encoder.layers.1.norm2.bias"
        let missing = try zeroCheckpoint("small_finetuned_keys.json", in: directory) { items in
            items.removeAll { $0.name == gone }
        }
        let e2 = try #require(throws: ModelError.self) {
            try importStefaLand(missing, settings: settings, into: directory)
        }
        #expect(e2.description.contains("missing tensor \(gone)"))
    }

    @Test("physics-model tensors outside nn_model. are refused")
    func physicsModel() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try zeroCheckpoint("small_finetuned_keys.json", in: directory) { items in
            items.append((name: "phy_model.parameters", tensor: Tensor(zeros: [3])))
        }
        let error = try #require(throws: ModelError.self) {
            try importStefaLand(
                checkpoint, settings: try StefaLandGolden("small").orderSettings, into: directory)
        }
        #expect(error.description.contains("physics-model parameters are not supported"))
    }

    @Test("a two-output head without --set targets is an error")
    func targetsRequired() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try zeroCheckpoint("small_finetuned_keys.json", in: directory)
        let error = try #require(throws: ModelError.self) {
            try importStefaLand(
                checkpoint, settings: try StefaLandGolden("small").orderSettings, into: directory)
        }
        #expect(error.description.contains("predicts 2 quantities"))
    }
}
