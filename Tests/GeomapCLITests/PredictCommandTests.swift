import Foundation
import GeoRaster
import GeomapCore
import Models
import TestSupport
import Testing

/// A random-weight XXS MoE-MAE model file with a 3-class head, made once per test.
private func randomModel(
    in directory: URL, classes: [String] = ["water", "forest", "urban"],
    reshape: String? = nil
) throws -> String {
    let url = directory.appendingPathComponent(
        reshape == nil ? "xxs.safetensors" : "bad.safetensors")
    try MoEMAETileModel.writeRandomModel(
        architecture: "moe-mae-xxs", classes: classes, reshape: reshape, to: url)
    return url.path
}

private var region: String { TestPaths.samples.appendingPathComponent("region.tif").path }

@Suite("geomap predict --in / geomap embed")
struct PredictCommandTests {
    @Test("predict on region.tif: COGs with class names, colours, nodata, styles on the input grid")
    func predictRegion() throws {
        let models = try makeTemporaryDirectory()
        let out = try makeTemporaryDirectory()
        let model = try randomModel(in: models)
        let result = try runGeomap([
            "predict", "--in", region, "--model", model, "--out", out.path, "--embeddings", "cls",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(
            files == [
                "region.classes.qml", "region.classes.tif", "region.classes.tif.aux.xml",
                "region.embeddings.qml", "region.embeddings.tif", "region.probabilities.qml",
                "region.probabilities.tif",
            ])
        let input = try Raster(opening: region)
        for name in ["classes", "probabilities", "embeddings"] {
            let raster = try Raster(opening: out.appendingPathComponent("region.\(name).tif").path)
            #expect(raster.metadata(domain: "IMAGE_STRUCTURE")["LAYOUT"] == "COG")
            // Same origin and CRS; pixel = one stride (40 × 30 m); covers the input extent.
            let t = raster.grid.geoTransform
            #expect(t.originX == input.grid.geoTransform.originX)
            #expect(t.originY == input.grid.geoTransform.originY)
            #expect(t.pixelWidth == 1200 && t.pixelHeight == -1200)
            #expect(raster.grid.width == 10 && raster.grid.height == 8)
            #expect(try raster.requireCRS(for: "t").isSame(as: input.requireCRS(for: "t")))
            #expect(raster.metadata()["GEOMAP_MODEL"] == "random-moe-mae-xxs")
        }
        let classes = try Raster(opening: out.appendingPathComponent("region.classes.tif").path)
        #expect(classes.bands[0].categoryNames == ["water", "forest", "urban"])
        #expect(classes.bands[0].noData == 255 && classes.bands[0].colorTableCount >= 3)
        let ids = try classes.read(window: classes.grid.fullWindow)
        #expect(ids.value(slot: 0, row: 0, column: 0) == nil)  // the all-fill corner tile
        #expect((0..<80).filter { ids.valid[$0] }.allSatisfy { ids.values[$0] < 3 })
        let probabilities = try Raster(
            opening: out.appendingPathComponent("region.probabilities.tif").path)
        #expect(probabilities.bands.map(\.description) == ["p_water", "p_forest", "p_urban"])
        #expect(abs(probabilities.bands[0].scale - 1.0 / 254) < 1e-12)
        let embeddings = try Raster(
            opening: out.appendingPathComponent("region.embeddings.tif").path)
        #expect(embeddings.bands.count == 108 && embeddings.bands[0].dataType == .float32)
        let style = try String(
            contentsOf: out.appendingPathComponent("region.classes.qml"), encoding: .utf8)
        #expect(style.contains("label=\"forest\""))
    }

    @Test("embed writes only the embedding raster; --stride 20 halves the output pixel")
    func embed() throws {
        let models = try makeTemporaryDirectory()
        let out = try makeTemporaryDirectory()
        let model = try randomModel(in: models, classes: [])
        let target = out.appendingPathComponent("e.tif").path
        let result = try runGeomap([
            "embed", "--in", region, "--model", model, "--pool", "mean", "--out", target,
            "--stride", "20", "--no-metadata",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == ["e.qml", "e.tif"])
        let raster = try Raster(opening: target)
        #expect(raster.grid.width == 20 && raster.grid.height == 15)
        #expect(raster.grid.geoTransform.pixelWidth == 600)
        #expect(raster.metadata()["GEOMAP_METADATA_TOKENS"] == "no (zero vectors)")
        #expect(raster.metadata()["GEOMAP_TASK"] == "embedding")
        // An encoder without a head cannot predict classes.
        let predict = try runGeomap([
            "predict", "--in", region, "--model", model, "--out", out.path,
        ])
        #expect(predict.status == 2)
        #expect(predict.stderr.contains("no classification head"))
    }

    @Test("bad input → exit 2, one clear line, no outputs left behind")
    func badInput() throws {
        let models = try makeTemporaryDirectory()
        let inputs = try makeTemporaryDirectory()
        let model = try randomModel(in: models)
        let fourBands = inputs.appendingPathComponent("four.tif").path
        let noDate = inputs.appendingPathComponent("nodate.vrt").path
        let noCRS = inputs.appendingPathComponent("nocrs.vrt").path
        try gdal(
            "gdal_translate",
            [
                "-q", "-b", "1", "-b", "2", "-b", "3", "-b", "4", region,
                fourBands,
            ])
        try writeVRT(noDate, georeferenced: true)
        try writeVRT(noCRS, georeferenced: false)
        let broken = try randomModel(in: models, reshape: "layers.0.attn.q_proj.weight")
        let cases: [([String], String)] = [
            (["--in", fourBands, "--model", model], "4 band(s), but the model needs 7"),
            (["--in", noCRS, "--model", model], "no CRS"),
            (["--in", region, "--model", broken], "layers.0.attn.q_proj.weight"),
            (["--in", region, "--model", "/nonexistent/m.safetensors"], "no such model file"),
            (["--in", region, "--model", model, "--stride", "41"], "--stride 41"),
            (["--in", region, "--model", model, "--date", "13/06/2017"], "ISO 8601"),
            (["--basins", "/nonexistent/b.shp", "--forcings", region], "/nonexistent/b.shp"),
        ]
        for (arguments, message) in cases {
            let out = try makeTemporaryDirectory()
            let result = try runGeomap(["predict"] + arguments + ["--out", out.path])
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
        }
        // No date: an error saying to pass --date or --no-metadata, unless one is given.
        do {
            let out = try makeTemporaryDirectory()
            let result = try runGeomap([
                "predict", "--in", noDate, "--model", model, "--out",
                out.path,
            ])
            #expect(result.status == 2)
            #expect(result.stderr.contains("--date") && result.stderr.contains("--no-metadata"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
            let dated = try runGeomap([
                "predict", "--in", noDate, "--model", model, "--out",
                out.path, "--date", "2017-06-13T10:10:32Z",
            ])
            #expect(dated.status == 0, "\(dated.stderr)")
        }
    }

    @Test("without --model: the bundled demo model, or one line naming it when it is missing")
    func defaultModel() throws {
        let out = try makeTemporaryDirectory()
        let empty = try makeTemporaryDirectory()
        // An 80 × 80 crop (4 tiles, date and CRS kept): the demo model is the full S encoder,
        // slow in a debug build on the whole sample.
        let crop = empty.appendingPathComponent("crop.tif").path
        try gdal("gdal_translate", ["-q", "-srcwin", "200", "100", "80", "80", region, crop])
        let result = try runGeomap(
            ["predict", "--in", crop, "--out", out.path],
            environment: ["GEOMAP_MODELS": empty.path, "GEOMAP_MODELS_PATH": empty.path])
        let demo = TestPaths.repository.appendingPathComponent("models/moe-mae-demo.safetensors")
        if FileManager.default.fileExists(atPath: demo.path) {
            #expect(result.status == 0, "\(result.stderr)")
            let classes = out.appendingPathComponent("crop.classes.tif").path
            #expect(FileManager.default.fileExists(atPath: classes))
        } else {
            #expect(result.status == 2)
            #expect(result.stderr.contains("moe-mae-demo") && result.stderr.contains("--model"))
        }
    }

    /// A VRT of region.tif's 7 bands without metadata (so without a date), with or without
    /// its CRS and geotransform.
    private func writeVRT(_ path: String, georeferenced: Bool) throws {
        let names = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"]
        let bands = names.enumerated().map { index, name in
            """
            <VRTRasterBand dataType="UInt16" band="\(index + 1)">
              <Description>\(name)</Description><NoDataValue>0</NoDataValue>
              <SimpleSource><SourceFilename relativeToVRT="0">\(region)</SourceFilename>
                <SourceBand>\(index + 1)</SourceBand></SimpleSource>
            </VRTRasterBand>
            """
        }.joined(separator: "\n")
        let georeferencing =
            georeferenced
            ? "<SRS>EPSG:32634</SRS><GeoTransform>455015, 30, 0, 4968015, 0, -30</GeoTransform>"
            : ""
        let xml =
            "<VRTDataset rasterXSize=\"400\" rasterYSize=\"300\">\(georeferencing)\n"
            + bands + "\n</VRTDataset>\n"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Runs a GDAL command-line tool.
    private func gdal(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) \(arguments)")
    }
}
