import Foundation
import Models
import Tensor
import TestSupport
import Testing

@Suite("The bundled StefaLand demo model")
struct StefaLandDemoModelTests {
    @Test("models/stefaland-demo.safetensors loads strictly and matches PyTorch on held-out basins")
    func demoParity() throws {
        let url = TestPaths.repository.appendingPathComponent("models/stefaland-demo.safetensors")
        let file = try ModelFile(contentsOf: url)
        #expect(file.manifest.provenance.demo)
        #expect(file.manifest.output.variables?.map(\.name) == ["streamflow"])
        #expect(file.manifest.output.variables?.first?.units == "mm/day")
        let model = try StefaLandModel(file: file)
        #expect(model.configuration.warmUp == 90 && model.configuration.sequenceLength == 365)
        #expect(model.configuration.dynamicVariables == ["pr", "tasmax", "tasmin", "rsds", "hurs"])
        let io = try SafetensorsFile(
            contentsOf: StefaLandGolden.directory.appendingPathComponent("demo_io.safetensors"))
        let x = model.normalize(dynamic: try io.tensor("x_raw"), static: try io.tensor("c_raw"))
        let out = model(dynamic: x.dynamic, static: x.static, embeddings: true)
        #expect(relativeError(try #require(out.predictions), try io.tensor("predictions")) < 1e-4)
        #expect(relativeError(try #require(out.embeddings), try io.tensor("embeddings")) < 1e-4)
    }

    @Test("a model file whose statistics are unusable is refused at load, naming the variable")
    func unusableStatistics() throws {
        let url = TestPaths.repository.appendingPathComponent("models/stefaland-demo.safetensors")
        let file = try ModelFile(contentsOf: url)
        let dir = try makeTemporaryDirectory("stefaland-stats")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, edit) in [
            ("zero-std", { (v: inout VariableSpec) in v.std = 0 }),
            ("no-mean", { (v: inout VariableSpec) in v.mean = nil }),
        ] as [(String, (inout VariableSpec) -> Void)] {
            var manifest = file.manifest
            let i = try #require(manifest.input.variables.firstIndex { $0.name == "tasmax" })
            edit(&manifest.input.variables[i])
            let out = dir.appendingPathComponent("\(label).safetensors")
            try ModelFile.write(
                manifest: manifest, tensors: file.safetensors.allTensors(), to: out)
            let error = #expect(throws: ModelError.self, "\(label)") {
                try StefaLandModel(file: try ModelFile(contentsOf: out))
            }
            #expect(
                error.map { "\($0)" }?.contains(
                    "no normalisation statistics for dynamic variable tasmax") == true,
                "\(label): \(String(describing: error))")
        }
    }

    @Test(
        "a window setting the manifest repeats must equal the hyper-parameter; warm-up in range",
        arguments: [
            (
                "input", "warmUp", JSONValue.number(-3),
                "input.settings.warmUp -3.0 differs from "
                    + "hyperParameters.warmUp 90 the model runs with"
            ),
            (
                "input", "sequenceLength", .number(0),
                "input.settings.sequenceLength 0.0 differs "
                    + "from hyperParameters.sequenceLength 365 the model runs with"
            ),
            (
                "output", "embeddingWidth", .string("64"),
                "output.settings.embeddingWidth "
                    + "string(\"64\") differs from hyperParameters.dModel 64 the model runs with"
            ),
            (
                "hyperParameters", "warmUp", .number(-1),
                "warm-up -1 is not between 0 and the "
                    + "sequence length 365 − 1"
            ),
        ])
    func repeatedSettings(place: String, key: String, value: JSONValue, message: String) throws {
        let url = TestPaths.repository.appendingPathComponent("models/stefaland-demo.safetensors")
        let file = try ModelFile(contentsOf: url)
        let dir = try makeTemporaryDirectory("stefaland-settings")
        defer { try? FileManager.default.removeItem(at: dir) }
        var manifest = file.manifest
        func edited(_ json: JSONValue?) throws -> JSONValue {
            guard case .object(var members)? = json else {
                throw ModelError("", "\(place) has no settings object")
            }
            members[key] = value
            return .object(members)
        }
        switch place {
        case "input": manifest.input.settings = try edited(manifest.input.settings)
        case "output": manifest.output.settings = try edited(manifest.output.settings)
        default: manifest.hyperParameters = try edited(manifest.hyperParameters)
        }
        let out = dir.appendingPathComponent("edited.safetensors")
        try ModelFile.write(manifest: manifest, tensors: file.safetensors.allTensors(), to: out)
        let error = #expect(throws: ModelError.self) {
            try StefaLandModel(file: try ModelFile(contentsOf: out))
        }
        #expect(error.map { "\($0)" } == out.path + ": " + message)
    }
}
