import Foundation
import Models
import Tensor
import TestSupport
import Testing

@Suite("MoE-MAE import of upstream checkpoints and strict model files")
struct MoEMAEImportTests {
    /// Imports the upstream-layout XXS fixture into a temporary model file.
    func importXXS(_ directory: URL) throws -> URL {
        let output = directory.appendingPathComponent("xxs.safetensors")
        try ArchitectureRegistry.importModel(
            checkpoint: MoEMAEFixtures.directory.appendingPathComponent("xxs.upstream.pth"),
            architecture: "moe-mae-xxs", options: ImportOptions(), output: output)
        return output
    }

    @Test("an upstream training checkpoint imports as is and matches the XXS goldens")
    func upstreamCheckpointParity() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try importXXS(directory)
        let file = try ModelFile(contentsOf: url)
        // Shared V/W2 stored once, decoder and the patch_embed alias dropped.
        #expect(file.safetensors.entries.count == MoEMAEConfig.xxs.tensorShapes.count)
        #expect(
            !file.safetensors.names.contains {
                $0.hasPrefix("decoder") || $0.hasPrefix("encoder.")
            })
        #expect(file.manifest.architecture == "moe-mae-xxs")
        let model = try MoEMAEModel(file: file)
        #expect(model.encoder.config == .xxs)
        #expect(model.encoder.config.parameterCount == 657_817)
        let g = try MoEMAEFixtures.tensors("xxs.goldens.safetensors")
        try MoEMAEParityTests().check(encoder: model.encoder, goldens: g, label: "XXS")
    }

    @Test("import records the BigEarthNet-L float32 constants, band names, tile 40 and patch 4")
    func manifestRecordsNormalisation() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = try ModelFile(contentsOf: importXXS(directory)).manifest
        let variables = manifest.input.variables
        #expect(variables.map(\.name) == (1...7).map { "SR_B\($0)" })
        // Spec §1.2, "as float32" columns.
        #expect(
            variables.map(\.mean) == [
                9405.1943359375, 9649.6767578125, 10425.685546875, 10444.5888671875,
                16067.626953125, 12699.18359375, 10596.474609375,
            ])
        #expect(
            variables.map(\.std) == [
                6016.34423828125, 6095.47216796875, 5839.4619140625, 6068.4931640625,
                6271.43994140625, 4256.0458984375, 3130.77587890625,
            ])
        #expect(manifest.input.normalization == .standardize)
        #expect(manifest.input.settings?["tileSize"] == .number(40))
        #expect(manifest.input.settings?["patchSize"] == .number(4))
        #expect(manifest.output.task == .embedding)
        #expect(manifest.provenance.checkpointSHA256?.count == 64)
    }

    @Test("--stats replaces the recorded normalisation")
    func statsOverride() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stats = directory.appendingPathComponent("stats.json")
        let bands = (1...7).map { "\"SR_B\($0)\": {\"mean\": \($0)000, \"std\": 500}" }
        try Data("{\(bands.joined(separator: ", "))}".utf8).write(to: stats)
        let output = directory.appendingPathComponent("m.safetensors")
        try ArchitectureRegistry.importModel(
            checkpoint: MoEMAEFixtures.directory.appendingPathComponent("xxs.upstream.pth"),
            architecture: "moe-mae-xxs", options: ImportOptions(statsPath: stats.path),
            output: output)
        let model = try MoEMAEModel(contentsOf: output)
        #expect(model.mean == [1000, 2000, 3000, 4000, 5000, 6000, 7000])
        #expect(model.std == [Float](repeating: 500, count: 7))
    }

    @Test("unequal copies of a shared V are refused, naming the tensor; nothing is written")
    func unequalSharedCopies() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("bad.safetensors")
        let error = #expect(throws: ModelError.self) {
            try ArchitectureRegistry.importModel(
                checkpoint: MoEMAEFixtures.directory.appendingPathComponent("xxs.unequal-v.pth"),
                architecture: "moe-mae-xxs", options: ImportOptions(), output: output)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("encoder.layers.4.moe.experts.2.V.weight"), "\(text)")
        #expect(text.contains("xxs.unequal-v.pth"), "\(text)")
        #expect(!text.contains("\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a checkpoint of another size is refused with the misshapen tensor named")
    func wrongSize() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: ModelError.self) {
            try ArchitectureRegistry.importModel(
                checkpoint: MoEMAEFixtures.directory.appendingPathComponent("xxs.upstream.pth"),
                architecture: "moe-mae-s", options: ImportOptions(),
                output: directory.appendingPathComponent("s.safetensors"))
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("pos_embed"))
    }

    @Test("a model file with a wrong tensor shape is refused, naming the tensor")
    func wrongShapeInModelFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try ModelFile(contentsOf: importXXS(directory))
        let name = "layers.3.attn.k_proj.weight"
        let tensors = good.safetensors.allTensors().map { item in
            item.name == name ? (name: name, tensor: Tensor(zeros: [54, 107])) : item
        }
        let bad = directory.appendingPathComponent("bad.safetensors")
        try ModelFile.write(manifest: good.manifest, tensors: tensors, to: bad)
        let error = #expect(throws: ModelError.self) { try MoEMAEModel(contentsOf: bad) }
        let text = error.map { "\($0)" } ?? ""
        #expect(
            text.contains(name) && text.contains("[54, 107]") && text.contains("bad.safetensors"),
            "\(text)")
        // A missing tensor too.
        try ModelFile.write(
            manifest: good.manifest,
            tensors: tensors.filter { $0.name != name }, to: bad)
        let missing = #expect(throws: ModelError.self) { try MoEMAEModel(contentsOf: bad) }
        #expect("\(missing.map { "\($0)" } ?? "")".contains("missing tensor \(name)"))
    }

    @Test(
        "hyper-parameters or input settings out of range are refused at load, naming the file",
        arguments: [
            ("hyperParameters", "kvGroups", JSONValue.number(0), "kvGroups 0"),
            ("hyperParameters", "kvGroups", .number(7), "kvGroups 7"),
            ("hyperParameters", "layerNormEpsilon", .number(-1), "layerNormEpsilon -1"),
            ("hyperParameters", "layerNormEpsilon", .number(0), "layerNormEpsilon 0"),
            ("hyperParameters", "channels", .number(0), "channels 0 is not positive"),
            ("settings", "tileSize", .number(1e300), "tileSize"),
            ("settings", "tileSize", .number(20), "tileSize"),
            ("settings", "tileSize", .number(40.5), "tileSize"),
            ("settings", "resolution", .number(0), "resolution"),
            ("settings", "resolution", .number(-30), "resolution"),
            ("settings", "resolution", .number(1e-300), "resolution"),
            ("settings", "patchSize", .number(8), "input.settings.patchSize 8.0 differs"),
        ])
    func outOfRange(place: String, key: String, value: JSONValue, named: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try ModelFile(contentsOf: importXXS(directory))
        var manifest = good.manifest
        if place == "settings" {
            guard case .object(var settings)? = manifest.input.settings else {
                Issue.record("no input settings")
                return
            }
            settings[key] = value
            manifest.input.settings = .object(settings)
        } else {
            guard case .object(var parameters) = manifest.hyperParameters else {
                Issue.record("no hyper-parameters")
                return
            }
            parameters[key] = value
            manifest.hyperParameters = .object(parameters)
        }
        let bad = directory.appendingPathComponent("bad.safetensors")
        try ModelFile.write(manifest: manifest, tensors: good.safetensors.allTensors(), to: bad)
        let error = #expect(throws: ModelError.self) {
            try MoEMAETileModel(file: ModelFile(contentsOf: bad))
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.hasPrefix(bad.path + ": ") && text.contains(named), "\(text)")
    }

    @Test("a model file without normalisation is refused")
    func missingNormalisation() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try ModelFile(contentsOf: importXXS(directory))
        var manifest = good.manifest
        manifest.input.variables[2].std = nil
        let bad = directory.appendingPathComponent("nonorm.safetensors")
        try ModelFile.write(manifest: manifest, tensors: good.safetensors.allTensors(), to: bad)
        let error = #expect(throws: ModelError.self) { try MoEMAEModel(contentsOf: bad) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("SR_B3"))
    }
}
