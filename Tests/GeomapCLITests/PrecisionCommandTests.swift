import Foundation
import GeoRaster
import GeomapCore
import Models
import Tensor
import TestSupport
import Testing

private var region: String { TestPaths.samples.appendingPathComponent("region.tif").path }

/// A random-weight S model file with a 3-class head (S: the architecture of the demo model).
private func sModel(in directory: URL) throws -> String {
    let url = directory.appendingPathComponent("s.safetensors")
    try MoEMAETileModel.writeRandomModel(
        architecture: "moe-mae-s", classes: ["water", "forest", "urban"], to: url)
    return url.path
}

/// Float32 values of band `band` of a raster, NaN where invalid.
private func values(_ path: String, band: Int = 0) throws -> [Float] {
    let raster = try Raster(opening: path)
    let block = try raster.read(window: raster.grid.fullWindow)
    let count = raster.grid.width * raster.grid.height
    return (0..<count).map {
        block.value(slot: band, row: $0 / raster.grid.width, column: $0 % raster.grid.width) ?? .nan
    }
}

@Suite("geomap predict/embed --precision")
struct PrecisionCommandTests {
    @Test("--precision bf16 under GEOMAP_KERNELS=avx2: one-line notice, the fp32 outputs")
    func forcedFallback() throws {
        let models = try makeTemporaryDirectory()
        let model = try sModel(in: models)
        var outputs: [[Float]] = []
        for (precision, environment) in [
            ("fp32", ["GEOMAP_KERNELS": "avx2"]), ("bf16", ["GEOMAP_KERNELS": "avx2"]),
        ] {
            let out = try makeTemporaryDirectory()
            let embeddings = out.appendingPathComponent("e.tif").path
            let result = try runGeomap(
                [
                    "embed", "--in", region, "--model", model, "--pool", "mean", "--out",
                    embeddings, "--precision", precision, "--quiet",
                ], environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            if precision == "bf16" {
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(result.stderr)")
                #expect(
                    result.stderr.contains("bf16 precision unavailable")
                        && result.stderr.contains("running in fp32"), "\(result.stderr)")
            } else {
                #expect(result.stderr.isEmpty, "\(result.stderr)")
            }
            outputs.append(try values(embeddings))
        }
        #expect(outputs[0].count == outputs[1].count)
        #expect(zip(outputs[0], outputs[1]).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    @Test(
        "--precision bf16 where the CPU has AVX512_BF16: no notice, probabilities within 0.01",
        .enabled(
            if: MatmulPrecision.bf16Available,
            "skipped: this CPU lacks AVX512_BF16 (or GEOMAP_KERNELS caps the level)"))
    func bf16Predict() throws {
        let models = try makeTemporaryDirectory()
        let model = try sModel(in: models)
        var probabilities: [[Float]] = []
        for precision in ["fp32", "bf16"] {
            let out = try makeTemporaryDirectory()
            let result = try runGeomap([
                "predict", "--in", region, "--model", model, "--out", out.path, "--float",
                "--precision", precision, "--quiet",
            ])
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
            let path = out.appendingPathComponent("region.probabilities.tif").path
            probabilities.append(try (0..<3).flatMap { try values(path, band: $0) })
        }
        let pairs = zip(probabilities[0], probabilities[1]).filter { !$0.0.isNaN }
        #expect(!pairs.isEmpty)
        #expect(pairs.allSatisfy { abs($0.0 - $0.1) <= 0.01 })
    }

    @Test(
        "bad --precision values and --precision in basin mode exit 2 with one line",
        arguments: [
            ["predict", "--in", "R", "--precision", "fp16"],
            ["embed", "--in", "R", "--pool", "mean", "--out", "e.tif", "--precision", "BF16x"],
            ["predict", "--basins", "b.shp", "--forcings", "f.nc", "--precision", "bf16"],
            [
                "embed", "--basins", "b.shp", "--forcings", "f.nc", "--out", "e.nc", "--precision",
                "fp32",
            ],
        ])
    func badPrecision(arguments: [String]) throws {
        let result = try runGeomap(arguments.map { $0 == "R" ? region : $0 })
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("--precision"), "\(result.stderr)")
    }
}
