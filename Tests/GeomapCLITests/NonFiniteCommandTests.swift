import Foundation
import GeomapCore
import Models
import Tensor
import TestSupport
import Testing

/// A copy of the model file at `source` whose tensor `name` is multiplied by `factor` (finite
/// weights that overflow to ±Inf at run time: accepted at load, non-finite outputs).
private func overflowing(
    _ source: URL, tensor name: String, factor: Float, to url: URL
) throws -> String {
    let file = try SafetensorsFile(contentsOf: source)
    var tensors = file.allTensors()
    let i = try #require(tensors.firstIndex { $0.name == name })
    let t = tensors[i].tensor
    tensors[i].tensor = Tensor(
        shape: t.shape, scalars: t.scalars.map { $0 == 0 ? factor : $0 * factor })
    try SafetensorsWriter.write(tensors, metadata: file.metadata, to: url)
    return url.path
}

@Suite("Non-finite model outputs: flagged, counted, exit 1")
struct NonFiniteCommandTests {
    @Test("basin predict with an overflowing model: flags non_finite_output, exit 1, counted")
    func basins() throws {
        let dir = try makeTemporaryDirectory("nonfinite-basins")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try overflowing(
            TestPaths.repository.appendingPathComponent("models/stefaland-demo.safetensors"),
            tensor: "embedding_scale", factor: 3e38,
            to: dir.appendingPathComponent("overflow.safetensors"))
        let samples = TestPaths.samples
        let statics = ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map {
            samples.appendingPathComponent("static/\($0).tif").path
        }
        let result = try runGeomap(
            [
                "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
                "--forcings", samples.appendingPathComponent("forcings.nc").path,
                "--model", model, "--start", "2016-06-01", "--end", "2016-06-10",
                "--out", dir.path, "--no-weights-cache", "--static-raster",
            ] + statics)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("70 basin-days of 7 basins with non-finite model output"))
        let lines = result.stderr.split(separator: "\n").filter {
            $0.contains("model output not finite")
        }
        #expect(lines.count == 7, "\(result.stderr)")
        #expect(lines.allSatisfy { $0.contains("on 10 of 10 days") })
    }

    @Test("tile predict with an overflowing weight: non-finite tiles are nodata, exit 1, counted")
    func tiles() throws {
        let dir = try makeTemporaryDirectory("nonfinite-tiles")
        defer { try? FileManager.default.removeItem(at: dir) }
        let random = dir.appendingPathComponent("random.safetensors")
        try MoEMAETileModel.writeRandomModel(
            architecture: "moe-mae-xxs", classes: ["a", "b", "c"], reshape: nil, to: random)
        let model = try overflowing(
            random, tensor: "layers.0.attn.q_proj.weight", factor: 3e38,
            to: dir.appendingPathComponent("overflow.safetensors"))
        let out = dir.appendingPathComponent("out")
        let result = try runGeomap([
            "predict", "--in", TestPaths.samples.appendingPathComponent("region.tif").path,
            "--model", model, "--out", out.path, "--quiet",
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains("tiles run gave a non-finite model output (NaN or ±Inf)"),
            "\(result.stderr)")
    }
}
