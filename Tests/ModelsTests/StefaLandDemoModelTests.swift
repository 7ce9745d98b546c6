import Foundation
import Models
import Tensor
import Testing
import TestSupport

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
}
