import Foundation
import GeoProjection
import GeoRaster
import GeomapCore
import Models
import Tensor
import TestSupport
import Testing

@Suite("Tile prediction pipeline")
struct TilePredictorTests {
    func request(_ input: String, _ directory: URL, stem: String = "region")
        -> TilePredictionRequest
    {
        var request = TilePredictionRequest(inputPath: input)
        request.classesPath = directory.appendingPathComponent("\(stem).classes.tif").path
        request.probabilitiesPath =
            directory.appendingPathComponent("\(stem).probabilities.tif").path
        request.embeddingsPath = directory.appendingPathComponent("\(stem).embeddings.tif").path
        request.pooling = .mean
        return request
    }

    @Test("region.tif: COG outputs with class names, colours, nodata, styles, aligned grid")
    func regionEndToEnd() throws {
        let directory = try makeTemporaryDirectory()
        let summary = try TilePredictor.run(
            request(TileFixtures.region, directory), model: EchoTileModel())
        #expect(summary.tiles == 80 && summary.tilesRun + summary.tilesSkipped == 80)
        #expect(summary.tilesSkipped >= 1)  // the all-fill corner tile
        #expect(summary.outputWidth == 10 && summary.outputHeight == 8)
        #expect(
            try TileFixtures.listing(directory) == [
                "region.classes.qml", "region.classes.tif", "region.classes.tif.aux.xml",
                "region.embeddings.qml", "region.embeddings.tif", "region.probabilities.qml",
                "region.probabilities.tif",
            ])
        let classes = try Raster(opening: summary.outputs[0])
        let expected = GeoTransform([455_015, 1200, 0, 4_968_015, 0, -1200])
        #expect(classes.grid.geoTransform == expected)
        #expect(classes.grid.width == 10 && classes.grid.height == 8)
        #expect(try classes.requireCRS(for: "test").isSame(as: CRS("EPSG:32634")))
        #expect(classes.metadata(domain: "IMAGE_STRUCTURE")["LAYOUT"] == "COG")
        #expect(classes.bands[0].dataType == .byte && classes.bands[0].noData == 255)
        #expect(classes.bands[0].categoryNames == ["dark", "bright"])
        #expect(try classes.colorTable(band: 1).first == RGBA(0x20, 0x20, 0x20))
        let ids = try classes.read(window: classes.grid.fullWindow)
        #expect(ids.value(slot: 0, row: 0, column: 0) == nil)  // the fill corner
        #expect(ids.value(slot: 0, row: 4, column: 5) != nil)
        let style = try String(
            contentsOf: directory.appendingPathComponent("region.classes.qml"), encoding: .utf8)
        #expect(style.contains("paletted") && style.contains("label=\"bright\""))

        let probabilities = try Raster(opening: summary.outputs[1])
        #expect(probabilities.metadata(domain: "IMAGE_STRUCTURE")["LAYOUT"] == "COG")
        #expect(probabilities.bands.map(\.description) == ["p_dark", "p_bright"])
        #expect(
            probabilities.bands.allSatisfy {
                $0.dataType == .byte && $0.noData == 255 && abs($0.scale - 1.0 / 254) < 1e-12
            })
        let p = try probabilities.read(window: probabilities.grid.fullWindow)
        for row in 0..<8 {
            for column in 0..<10 {
                let (dark, bright) = (
                    p.value(slot: 0, row: row, column: column),
                    p.value(slot: 1, row: row, column: column)
                )
                #expect((dark == nil) == (bright == nil))
                #expect((dark == nil) == (ids.value(slot: 0, row: row, column: column) == nil))
                if let dark, let bright { #expect(abs(dark + bright - 1) <= 1.0 / 254 + 1e-6) }
            }
        }

        let embeddings = try Raster(opening: summary.outputs[2])
        #expect(embeddings.metadata(domain: "IMAGE_STRUCTURE")["LAYOUT"] == "COG")
        #expect(embeddings.bands.count == 4 && embeddings.bands[0].description == "emb_0")
        #expect(embeddings.metadata()["GEOMAP_POOLING"] == "mean")
        // Latitude/longitude tokens are the tile centre through PROJ: cell (4, 5) is the
        // centre of tile (x = 200, y = 160) alone (stride = tile).
        let e = try embeddings.read(window: embeddings.grid.fullWindow)
        let centre = try CoordinateTransform(from: CRS("EPSG:32634"), to: .wgs84)
            .transform(x: 455_015 + 220 * 30, y: 4_968_015 - 180 * 30)
        #expect(abs(Double(e.value(slot: 1, row: 4, column: 5) ?? 0) - centre.y) < 1e-4)
        #expect(abs(Double(e.value(slot: 2, row: 4, column: 5) ?? 0) - centre.x) < 1e-4)
        #expect(e.value(slot: 3, row: 4, column: 5) == 164)  // 13 June 2017
    }

    @Test("overlapping stride: finer output grid, same extent, no nodata away from the fill")
    func overlappingStride() throws {
        let directory = try makeTemporaryDirectory()
        var request = request(TileFixtures.region, directory)
        request.stride = 20
        request.embeddingsPath = nil
        request.floatProbabilities = true
        let summary = try TilePredictor.run(request, model: EchoTileModel())
        #expect(summary.outputWidth == 20 && summary.outputHeight == 15)
        let probabilities = try Raster(opening: summary.outputs[1])
        #expect(probabilities.bands[0].dataType == .float32)
        #expect(probabilities.grid.geoTransform.pixelWidth == 600)
        let p = try probabilities.read(window: probabilities.grid.fullWindow)
        #expect(p.value(slot: 1, row: 14, column: 19) != nil)
        #expect(p.value(slot: 1, row: 0, column: 0) == nil)
    }

    @Test("seams: two uniform halves give constant outputs away from a clean boundary")
    func seams() throws {
        let directory = try makeTemporaryDirectory()
        let input = directory.appendingPathComponent("halves.tif").path
        // Boundary at column 203 (not on the tile grid); left dark, right bright.
        try TileFixtures.writeRaster(input, width: 400, height: 200) { band, _, column in
            column < 203 ? 8000 + Float(band) : 16000 + Float(band)
        }
        let left = 1 - EchoTileModel.bright(8004)
        let right = 1 - EchoTileModel.bright(16004)
        for stride in [40, 20, 10] {
            var request = request(input, directory, stem: "halves-\(stride)")
            request.stride = stride
            request.useMetadata = false
            request.floatProbabilities = true
            request.embeddingsPath = nil
            let summary = try TilePredictor.run(request, model: EchoTileModel())
            let raster = try Raster(opening: summary.outputs[1])
            let block = try raster.read(window: raster.grid.fullWindow)
            for row in 0..<raster.grid.height {
                var previous = Float.infinity
                for column in 0..<raster.grid.width {
                    let value = try #require(block.value(slot: 0, row: row, column: column))
                    let centre = (Double(column) + 0.5) * Double(stride)
                    if centre < 203 - 40 { #expect(abs(value - left) < 1e-5) }
                    if centre > 203 + 40 { #expect(abs(value - right) < 1e-5) }
                    #expect(value <= previous + 1e-6)  // monotone across the boundary
                    previous = value
                }
            }
            // Every row is the same: no horizontal tile-grid artefacts.
            for row in 1..<raster.grid.height {
                for column in 0..<raster.grid.width {
                    let here = block.value(slot: 0, row: row, column: column) ?? .nan
                    let top = block.value(slot: 0, row: 0, column: column) ?? .nan
                    #expect(abs(here - top) < 1e-6)
                }
            }
        }
    }

    @Test("a 15 m raster is warped to 30 m in its own CRS before tiling")
    func warping() throws {
        let directory = try makeTemporaryDirectory()
        let input = directory.appendingPathComponent("fine.tif").path
        try TileFixtures.writeRaster(input, width: 240, height: 160, pixel: 15) { band, row, _ in
            row < 80 ? 9000 : 15000 + Float(band)
        }
        var request = request(input, directory, stem: "fine")
        request.embeddingsPath = nil
        let summary = try TilePredictor.run(request, model: EchoTileModel())
        #expect(summary.warped)
        #expect(summary.outputWidth == 3 && summary.outputHeight == 2)
        let classes = try Raster(opening: summary.outputs[0])
        #expect(classes.grid.geoTransform == GeoTransform([455_000, 1200, 0, 4_968_000, 0, -1200]))
        let ids = try classes.read(window: classes.grid.fullWindow)
        #expect(ids.value(slot: 0, row: 0, column: 0) == 0)
        #expect(ids.value(slot: 0, row: 1, column: 0) == 1)
        #expect(!(try TileFixtures.listing(directory)).contains { $0.hasSuffix(".vrt") })
    }

    @Test("--bands maps file bands to model bands; a described band in the wrong place fails")
    func bandMapping() throws {
        let directory = try makeTemporaryDirectory()
        let reversed = directory.appendingPathComponent("reversed.vrt").path
        try TileFixtures.writeVRT(
            reversed, source: TileFixtures.region, bands: Array((1...7).reversed()),
            keepCRS: true, keepMetadata: true)
        var request = request(reversed, directory, stem: "reversed")
        request.embeddingsPath = nil
        #expect(
            throws: TilePredictionError.bandOrder(
                path: reversed, band: 1, found: "SR_B7", expected: "SR_B1")
        ) {
            try TilePredictor.run(request, model: EchoTileModel())
        }
        request.bands = Array((1...7).reversed())
        let summary = try TilePredictor.run(request, model: EchoTileModel())
        #expect(summary.outputs.count == 2)
        request.bands = [1, 2, 3]
        #expect(throws: TilePredictionError.self) {
            try TilePredictor.run(request, model: EchoTileModel())
        }
        request.bands = [1, 2, 3, 4, 5, 6, 9]
        #expect(
            throws: TilePredictionError.bandMapping(
                path: reversed, reason: "band 9 does not exist (the file has 7)")
        ) {
            try TilePredictor.run(request, model: EchoTileModel())
        }
    }

    @Test("bad input: 4 bands, no CRS, no date → clear errors and no files left behind")
    func badInput() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try makeTemporaryDirectory()
        let fourBands = inputs.appendingPathComponent("four.vrt").path
        try TileFixtures.writeVRT(
            fourBands, source: TileFixtures.region, bands: [1, 2, 3, 4], keepCRS: true,
            keepMetadata: true)
        #expect(
            throws: TilePredictionError.bandCount(
                path: fourBands, found: 4, expected: 7, names: EchoTileModel().input.bandNames)
        ) {
            try TilePredictor.run(request(fourBands, directory), model: EchoTileModel())
        }
        let noCRS = inputs.appendingPathComponent("nocrs.vrt").path
        try TileFixtures.writeVRT(
            noCRS, source: TileFixtures.region, bands: Array(1...7), keepCRS: false,
            keepMetadata: true)
        #expect(throws: TilePredictionError.missingCRS(path: noCRS)) {
            try TilePredictor.run(request(noCRS, directory), model: EchoTileModel())
        }
        let noDate = inputs.appendingPathComponent("nodate.vrt").path
        try TileFixtures.writeVRT(
            noDate, source: TileFixtures.region, bands: Array(1...7), keepCRS: true,
            keepMetadata: false)
        #expect(throws: TilePredictionError.missingDate(path: noDate)) {
            try TilePredictor.run(request(noDate, directory), model: EchoTileModel())
        }
        #expect(try TileFixtures.listing(directory).isEmpty)
        var dated = request(noDate, directory)
        dated.date = "2017-06-13T10:10:32Z"
        #expect(try TilePredictor.run(dated, model: EchoTileModel()).outputs.count == 3)
        var noMetadata = request(noDate, directory, stem: "nometa")
        noMetadata.useMetadata = false
        #expect(try TilePredictor.run(noMetadata, model: EchoTileModel()).outputs.count == 3)
    }

    @Test("refused inputs and options: data type, geographic or rotated grid, bad settings")
    func refusals() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try makeTemporaryDirectory()
        func vrt(
            _ name: String, crs: String = "EPSG:32634",
            geoTransform: String = "455015, 30, 0, 4968015, 0, -30", dataType: String = "UInt16"
        )
            throws -> String
        {
            let path = inputs.appendingPathComponent(name).path
            try TileFixtures.writeVRT(
                path, source: TileFixtures.region, bands: Array(1...7), keepCRS: true,
                keepMetadata: true, crs: crs, geoTransform: geoTransform, dataType: dataType)
            return path
        }
        let float = try vrt("float.vrt", dataType: "Float32")
        #expect(
            throws: TilePredictionError.dataType(
                path: float, band: 1, found: "Float32", expected: "UInt16")
        ) {
            try TilePredictor.run(request(float, directory), model: EchoTileModel())
        }
        let geographic = try vrt(
            "geographic.vrt", crs: "EPSG:4326", geoTransform: "20.4, 0.0003, 0, 44.9, 0, -0.0003")
        #expect(throws: TilePredictionError.geographicCRS(path: geographic, crs: "EPSG:4326")) {
            try TilePredictor.run(request(geographic, directory), model: EchoTileModel())
        }
        let rotated = try vrt("rotated.vrt", geoTransform: "455015, 30, 2, 4968015, 2, -30")
        #expect(throws: TilePredictionError.rotatedRaster(path: rotated)) {
            try TilePredictor.run(request(rotated, directory), model: EchoTileModel())
        }
        var threshold = request(TileFixtures.region, directory)
        threshold.maxInvalidShare = 1.5
        #expect(throws: TilePredictionError.invalidThreshold(1.5)) {
            try TilePredictor.run(threshold, model: EchoTileModel())
        }
        var nothing = TilePredictionRequest(inputPath: TileFixtures.region)
        nothing.pooling = .cls
        #expect(
            throws: TilePredictionError.output(
                path: TileFixtures.region, reason: "no output asked for")
        ) {
            try TilePredictor.run(nothing, model: EchoTileModel())
        }
        var unpooled = request(TileFixtures.region, directory)
        unpooled.pooling = nil
        #expect(throws: TilePredictionError.self) {
            try TilePredictor.run(unpooled, model: EchoTileModel())
        }
        #expect(try TileFixtures.listing(directory).isEmpty)
        for error in [
            TilePredictionError.dataType(
                path: "f.tif", band: 1, found: "Float32",
                expected: "UInt16"),
            .geographicCRS(path: "g.tif", crs: "EPSG:4326"), .rotatedRaster(path: "r.tif"),
        ] {
            #expect(error.description.split(separator: "\n").count == 1)
            #expect(error.exitStatus == .badInput)
        }
    }

    @Test("a model error mid-run leaves no output under a final name")
    func failureLeavesNothing() throws {
        struct FailingModel: TileModel {
            var base = EchoTileModel()
            var name: String { base.name }
            var path: String { base.path }
            var input: TileInputSpec { base.input }
            var classes: [TileClass] { base.classes }
            var task: ClassificationTask { base.task }
            var embeddingWidth: Int { base.embeddingWidth }
            struct Boom: Error {}
            func run(
                raw: Tensor, places: TilePlaces?, probabilities: Bool,
                pooling: Pooling?
            ) throws -> TileOutputs {
                throw Boom()
            }
        }
        let directory = try makeTemporaryDirectory()
        #expect(throws: FailingModel.Boom.self) {
            try TilePredictor.run(request(TileFixtures.region, directory), model: FailingModel())
        }
        #expect(try TileFixtures.listing(directory).isEmpty)
    }
}

@Suite("Tile model loading")
struct TileModelLoaderTests {
    @Test("a model file of a non-tile architecture is refused with a clear error")
    func nonTileArchitecture() throws {
        let directory = try makeTemporaryDirectory()
        let url = directory.appendingPathComponent("linear.safetensors")
        let manifest = ModelManifest(
            architecture: "linear", name: "lin", description: "a test",
            hyperParameters: .object([:]), input: InputSpec(kind: .features, variables: []),
            output: OutputSpec(task: .regression), provenance: Provenance(source: "test"))
        try ModelFile.write(
            manifest: manifest, tensors: [("weight", Tensor(shape: [1, 1], scalars: [1]))],
            to: url)
        do {
            _ = try TileModelLoader.load(url)
            Issue.record("a linear model loaded as a tile model")
        } catch let error as TilePredictionError {
            #expect(error.description.contains("'linear' is not a tile model"))
        }
    }
}
