import Foundation
import Models
import Tensor
import TestSupport
import Testing

func sampleManifest(architecture: String = "linear", in inFeatures: Int = 3, out: Int = 2)
    throws -> ModelManifest
{
    ModelManifest(
        architecture: architecture, name: "t", description: "test model",
        hyperParameters: try JSONValue(
            encoding: LinearArchitecture.Configuration(
                inFeatures: inFeatures, outFeatures: out, bias: true)),
        input: InputSpec(
            kind: .features, variables: [VariableSpec(name: "a", mean: 1, std: 2)],
            normalization: .standardize),
        output: OutputSpec(
            task: .multiClass, classes: [ClassSpec(name: "water", color: "#0000ff")]),
        provenance: Provenance(source: "unit test", license: "MIT", demo: true))
}

@Suite("Model files and strict weight loading")
struct ModelFileTests {
    @Test("manifest and weights round-trip through a model file")
    func roundTrip() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.safetensors")
        let manifest = try sampleManifest()
        let w = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [2], scalars: [0.5, -0.5])
        try ModelFile.write(manifest: manifest, tensors: [("weight", w), ("bias", b)], to: url)
        let file = try ModelFile(contentsOf: url)
        #expect(file.manifest == manifest)
        #expect(ModelFile.isModelFile(url))
        let model = try LinearModel(file: file)
        let y = model(Tensor(shape: [1, 3], scalars: [1, 0, -1]))
        let expected: [Float] = [-1.5, -2.5]
        #expect(y.scalars == expected)
    }

    @Test("a missing, misshapen or extra tensor is an error naming it")
    func strictness() throws {
        let t = Tensor(zeros: [2, 3])
        let store = WeightStore(
            [("a", t), ("b", Tensor(zeros: [4])), ("c", t)], path: "x.safetensors")
        #expect(throws: ModelError("x.safetensors", "missing tensor nope")) {
            try store.tensor("nope", shape: [1])
        }
        #expect(throws: ModelError("x.safetensors", "tensor a has shape [2, 3], expected [3, 2]")) {
            try store.tensor("a", shape: [3, 2])
        }
        _ = try store.tensor("b", shape: [4])
        #expect(try store.optionalTensor("zz", shape: [1]) == nil)
        #expect(throws: ModelError("x.safetensors", "unexpected tensor c")) {
            try store.verifyAllConsumed()
        }
        _ = try store.tensor("c", shape: [2, 3])
        try store.verifyAllConsumed()
    }

    @Test("a model file whose weights do not match its hyper-parameters fails to load")
    func wrongTensor() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.safetensors")
        try ModelFile.write(
            manifest: try sampleManifest(in: 4),
            tensors: [("weight", Tensor(zeros: [2, 3])), ("bias", Tensor(zeros: [2]))], to: url)
        let file = try ModelFile(contentsOf: url)
        #expect(throws: ModelError(url.path, "tensor weight has shape [2, 3], expected [2, 4]")) {
            try LinearModel(file: file)
        }
    }

    @Test("plain safetensors and bad manifests are not model files")
    func notModelFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("plain.safetensors")
        try SafetensorsWriter.write([("w", Tensor(zeros: [1]))], to: plain)
        #expect(!ModelFile.isModelFile(plain))
        #expect { try ModelFile(contentsOf: plain) } throws: {
            "\($0)".contains("not a geomap model file")
        }
        let bad = dir.appendingPathComponent("bad.safetensors")
        try SafetensorsWriter.write(
            [("w", Tensor(zeros: [1]))],
            metadata: ["geomap": #"{"format":"geomap-model","formatVersion":1}"#], to: bad)
        #expect { try ModelFile(contentsOf: bad) } throws: {
            "\($0)".contains("invalid geomap manifest: missing architecture")
        }
        var future = try sampleManifest()
        future.formatVersion = 99
        let newer = dir.appendingPathComponent("newer.safetensors")
        try ModelFile.write(manifest: future, tensors: [], to: newer)
        #expect { try ModelFile(contentsOf: newer) } throws: { "\($0)".contains("newer") }
    }

    @Test("JSONValue carries an architecture configuration both ways")
    func jsonValue() throws {
        let config = LinearArchitecture.Configuration(inFeatures: 5, outFeatures: 7, bias: false)
        let value = try JSONValue(encoding: config)
        #expect(value["inFeatures"] == .number(5))
        #expect(try value.decode(LinearArchitecture.Configuration.self) == config)
    }
}

@Suite("Architecture registry and import")
struct RegistryTests {
    @Test("importing a safetensors state dict with the linear architecture writes a valid model")
    func importLinear() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("ckpt.safetensors")
        let w = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        try SafetensorsWriter.write(
            [
                ("module.head.weight", w),
                ("module.head.bias", Tensor(shape: [2], scalars: [1, 1])),
            ], to: source)
        let out = dir.appendingPathComponent("model.safetensors")
        let model = try ArchitectureRegistry.importModel(
            checkpoint: source, architecture: "linear",
            options: ImportOptions(
                name: "probe", settings: ["prefix": "head.", "task": "multi-label"]),
            output: out)
        #expect(model.manifest.name == "probe")
        #expect(model.manifest.output.task == .multiLabel)
        #expect(model.manifest.provenance.checkpointSHA256?.count == 64)
        #expect(try LinearModel(file: model).weight == w)
    }

    @Test("unknown architectures and invalid checkpoints leave no output behind")
    func failures() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("ckpt.safetensors")
        try SafetensorsWriter.write(
            [("weight", Tensor(zeros: [2, 3])), ("extra", Tensor(zeros: [1]))], to: source)
        let out = dir.appendingPathComponent("model.safetensors")
        #expect {
            try ArchitectureRegistry.importModel(
                checkpoint: source, architecture: "resnet",
                options: ImportOptions(), output: out)
        } throws: { "\($0)".contains("unknown architecture 'resnet' (known: linear") }
        #expect(throws: ModelError(source.path, "unexpected tensor extra")) {
            try ArchitectureRegistry.importModel(
                checkpoint: source, architecture: "linear",
                options: ImportOptions(), output: out)
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["ckpt.safetensors"])
    }

    @Test("SHA-256 of known inputs")
    func digest() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("abc.safetensors")
        try SafetensorsWriter.write([("w", Tensor(zeros: [1]))], to: url)
        let checkpoint = try Checkpoint(contentsOf: url)
        let expected = try String(
            decoding: runProcess("/usr/bin/sha256sum", [url.path]), as: UTF8.self)
        #expect(expected.hasPrefix(checkpoint.sha256))
    }
}

func runProcess(_ executable: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}

@Suite("Manifest vocabulary")
struct ManifestVocabularyTests {
    /// A model file whose manifest JSON is the sample's with `from` replaced by `to`.
    private func fileReplacing(_ from: String, with to: String, in dir: URL) throws -> URL {
        var manifest = try sampleManifest()
        manifest.input.variables[0].role = .band
        let json = String(decoding: try JSONEncoder().encode(manifest), as: UTF8.self)
        #expect(json.contains(from), "\(json)")
        let url = dir.appendingPathComponent("\(UUID().uuidString).safetensors")
        try SafetensorsWriter.write(
            [("w", Tensor(zeros: [1]))],
            metadata: ["geomap": json.replacingOccurrences(of: from, with: to)], to: url)
        return url
    }

    @Test(
        "a value outside the vocabulary is refused at load, naming the key and the choices",
        arguments: [
            (#""task":"multi-class""#, #""task":"classify""#, "task 'classify' is not one of"),
            (#""kind":"features""#, #""kind":"raster""#, "input kind 'raster' is not one of"),
            (
                #""normalization":"standardize""#, #""normalization":"minmax""#,
                "normalization 'minmax' is not one of"
            ),
            (#""role":"band""#, #""role":"label""#, "variable role 'label' is not one of"),
        ])
    func refused(from: String, to: String, message: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try fileReplacing(from, with: to, in: dir)
        #expect { try ModelFile(contentsOf: url) } throws: { error in
            "\(error)".contains(message) && "\(error)".contains(url.lastPathComponent)
        }
    }

    @Test("files that spell standardize 'zscore' still load (the bundled MoE-MAE demo does)")
    func zscoreAlias() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try fileReplacing(
            #""normalization":"standardize""#, with: #""normalization":"zscore""#, in: dir)
        #expect(try ModelFile(contentsOf: url).manifest.input.normalization == .standardize)
    }

    @Test("the bundled models load with the strict vocabulary")
    func bundledModels() throws {
        let models = TestPaths.repository.appendingPathComponent("models")
        for name in ["moe-mae-demo", "stefaland-demo"] {
            let file = try ModelFile(
                contentsOf: models.appendingPathComponent("\(name).safetensors"))
            try ArchitectureRegistry.architecture(for: file.manifest.architecture).validate(file)
        }
    }
}
