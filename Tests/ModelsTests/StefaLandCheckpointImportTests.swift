import Foundation
import Models
import Tensor
import TestSupport
import Testing

@Suite("geomap models import --arch stefaland: PyTorch checkpoints of both layouts")
struct StefaLandCheckpointImportTests {
    @Test("a fine-tuned δMG state dict (.pth, nn_model.) imports and reproduces the goldens")
    func fineTuned() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try importStefaLand(
            StefaLandGolden.finetunedURL,
            settings: ["targets": "streamflow:mm/day,soil_moisture:m3/m3"], into: directory)
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
        #expect(
            relativeError(try #require(out.predictions), try golden.io.tensor("predictions")) < 1e-4
        )
        #expect(
            relativeError(try #require(out.embeddings), try golden.io.tensor("embeddings")) < 1e-4)
        #expect(!file.safetensors.names.contains { $0.hasPrefix("pretrained_model.decoder") })
        #expect(!file.safetensors.names.contains { $0.hasPrefix("direct_input_projection") })
    }

    @Test(
        "a pretraining checkpoint (.pth: model_state_dict, module., LSTM decoder) imports as an encoder"
    )
    func pretraining() throws {
        let directory = try makeTemporaryDirectory("stefaland-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try importStefaLand(StefaLandGolden.pretrainURL, into: directory)
        let golden = try StefaLandGolden("small")
        let model = try StefaLandModel(file: file)
        #expect(model.configuration.head == nil)
        #expect(file.manifest.output.task == .embedding)
        let out = model(
            dynamic: try golden.io.tensor("x"), static: try golden.io.tensor("c"), embeddings: true)
        #expect(out.predictions == nil)
        #expect(
            relativeError(try #require(out.embeddings), try golden.io.tensor("embeddings")) < 1e-4)
        #expect(
            file.manifest.input.variables.map(\.name) == golden.mirror.dynamic
                + golden.mirror.static)
    }
}
