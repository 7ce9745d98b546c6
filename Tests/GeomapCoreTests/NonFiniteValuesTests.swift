import Foundation
import GeoNetCDF
import GeoProjection
import GeoRaster
import GeoVector
import Models
import Tensor
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore
@testable import TilePipeline
@testable import ZonalAggregation

/// Issue 12 item 6: ±Inf and absurd magnitudes are missing values in every reader, NaN or
/// infinite weights are refused, and a non-finite model output is never written as a value.
@Suite("Non-finite inputs, weights and outputs")
struct NonFiniteValuesTests {
    /// Day, lat row and lon column of the sample forcing cells made non-physical; the cells
    /// lie under the sample basins.
    static let cells = [(day: 200, row: 8, column: 11), (day: 420, row: 9, column: 12)]

    /// The sample forcing rewritten with `value` in ``cells`` of `pr`.
    static func forcing(_ path: String, value: Float) throws {
        let sample = try AssemblerFixtures.sampleFields()
        let (width, height) = (sample.x.count, sample.y.count)
        var fields = sample.fields
        for cell in cells {
            fields[0].values[(cell.day * height + cell.row) * width + cell.column] = value
        }
        try AssemblerFixtures.writeGrid(
            path, x: sample.x, y: sample.y, times: sample.times,
            steps: 0..<sample.times.count, fields: fields)
    }

    @Test(
        "a +Inf, −Inf or 3e38 forcing cell is missing exactly as a fill value is",
        arguments: [Float.infinity, -Float.infinity, 3e38])
    func forcingCells(value: Float) throws {
        let dir = try makeTemporaryDirectory("nonfinite-forcing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.nc").path
        let filled = dir.appendingPathComponent("filled.nc").path
        try Self.forcing(bad, value: value)
        try Self.forcing(filled, value: .nan)  // written as the fill value 1e20
        func table(_ path: String) throws -> [Float] {
            var request = BasinInputRequest(
                basinsPath: AssemblerFixtures.basins, forcingPaths: [path],
                attributesPath: try AssemblerFixtures.attributesCSV(in: dir),
                mappingPath: try AssemblerFixtures.mapping(in: dir))
            request.cacheDirectory = nil
            let inputs = try BasinInputAssembler.assemble(
                request, model: try AssemblerFixtures.model(), modelPath: "demo", log: { _ in })
            return inputs.forcings.values
        }
        let values = try table(bad)
        #expect(values.allSatisfy { $0.isNaN || abs($0) < 1e6 })
        // Bit for bit what the fill value gives (NaN where every cell of a basin is missing).
        let reference = try table(filled)
        #expect(values.count == reference.count)
        #expect(zip(values, reference).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test("zonal means leave ±Inf and 3e38 cells out, as declared fill values")
    func zonalForcing() throws {
        let dir = try makeTemporaryDirectory("nonfinite-zonal")
        defer { try? FileManager.default.removeItem(at: dir) }
        var results: [[ZonalFixtures.Key: Double]] = []
        let cases: [(String, Float)] = [
            ("inf", .infinity), ("big", 3e38), ("fill", .nan), ("finite", 5000),
        ]
        for (name, value) in cases {
            let path = dir.appendingPathComponent("\(name).nc").path
            try Self.forcing(path, value: value)
            var options = ZonalOptions(
                basinsPath: AssemblerFixtures.basins, statistics: [.mean, .max],
                output: dir.appendingPathComponent("\(name).csv"))
            options.forcingPaths = [path]
            options.variables = ["pr"]
            _ = try ZonalJob.run(options, log: { _ in })
            results.append(try ZonalFixtures.values(at: options.output))
        }
        #expect(results[0] == results[2] && results[1] == results[2])
        // The cells do lie under basins: a finite value there changes the means.
        #expect(results[3] != results[2])
        #expect(results[2].values.allSatisfy { !$0.isFinite || abs($0) < 1e6 })
    }

    /// `samples/static/elevation.tif` as Float32 with `value` in a 2×2 block of cells.
    static func elevation(_ path: String, value: Float, noData: Double?) throws {
        let source = try Raster(
            opening: TestPaths.samples.appendingPathComponent(
                "static/elevation.tif"
            ).path)
        let grid = source.grid
        var values = try source.read(
            window: PixelWindow(x: 0, y: 0, width: grid.width, height: grid.height), bands: [1]
        ).values
        let (row, column) = (grid.height / 2, grid.width / 2)
        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            values[(row + dy) * grid.width + column + dx] = value
        }
        let writer = try COGWriter(
            path: path, grid: grid,
            bands: [BandSpec(description: "elevation", noData: noData)],
            dataType: .float32, options: COGOptions(producer: "geomap tests"))
        try writer.write(rows: 0..<grid.height, values: values)
        try writer.finish()
    }

    @Test(
        "+Inf, −Inf and 3e38 static raster cells are missing, as nodata cells are",
        arguments: [Float.infinity, -Float.infinity, 3e38])
    func staticRasterCells(value: Float) throws {
        let dir = try makeTemporaryDirectory("nonfinite-static")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("elevation.tif").path
        let nodata = dir.appendingPathComponent("reference.tif").path
        try Self.elevation(bad, value: value, noData: nil)
        try Self.elevation(nodata, value: -9999, noData: -9999)
        let basins = try BasinReader.read(path: AssemblerFixtures.basins)
        func attribute(_ path: String) throws -> [Float] {
            try StaticRasterAttributes.read(
                [StaticRasterSource(name: "elevation", path: path, band: 1, statistic: .mean)],
                basins: basins, cacheDirectory: nil, log: { _ in }
            ).attributes.values
        }
        let values = try attribute(bad)
        #expect(values.allSatisfy { $0.isFinite && abs($0) < 1e4 })
        #expect(values == (try attribute(nodata)))
    }

    /// A copy of the model file `name` in `models/` with `tensor`'s element 0 set to `value`.
    static func model(_ name: String, tensor: String, value: Float, in dir: URL) throws -> URL {
        let source = try SafetensorsFile(
            contentsOf: TestPaths.repository.appendingPathComponent("models/\(name)"))
        var tensors = source.allTensors()
        let index = try #require(tensors.firstIndex { $0.name == tensor })
        var scalars = tensors[index].tensor.scalars
        scalars[0] = value
        tensors[index].tensor = Tensor(shape: tensors[index].tensor.shape, scalars: scalars)
        let url = dir.appendingPathComponent("\(value)-\(name)")
        try SafetensorsWriter.write(tensors, metadata: source.metadata, to: url)
        return url
    }

    @Test(
        "a StefaLand model file with an Inf or NaN weight is refused at load, naming the tensor",
        arguments: [Float.infinity, .nan, -Float.infinity])
    func stefaLandWeight(value: Float) throws {
        let dir = try makeTemporaryDirectory("nonfinite-weights")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.model(
            "stefaland-demo.safetensors", tensor: "decoder.w_ih", value: value, in: dir)
        #expect {
            _ = try StefaLandModel(file: ModelFile(contentsOf: url))
        } throws: { error in
            let text = "\(error)"
            return text.contains("decoder.w_ih") && text.contains("non-finite")
                && text.contains(url.lastPathComponent)
        }
    }

    @Test("a tile model file with a NaN weight is refused at load, naming the tensor")
    func tileModelWeight() throws {
        let dir = try makeTemporaryDirectory("nonfinite-weights")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try SafetensorsFile(
            contentsOf: TestPaths.repository.appendingPathComponent(
                "models/moe-mae-demo.safetensors"))
        let name = try #require(source.names.first { $0.hasSuffix("weight") })
        let url = try Self.model("moe-mae-demo.safetensors", tensor: name, value: .nan, in: dir)
        #expect {
            _ = try TileModelLoader.load(url)
        } throws: { error in
            "\(error)".contains(name) && "\(error)".contains("non-finite")
        }
    }

    @Test("a finite weight that overflows: days flagged non_finite_output, never written, counted")
    func basinOutputs() throws {
        let dir = try makeTemporaryDirectory("nonfinite-outputs")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 3e38 is a finite weight (accepted) whose products overflow to ±Inf.
        let url = try Self.model(
            "stefaland-demo.safetensors", tensor: "embedding_scale", value: 3e38, in: dir)
        let model = try StefaLandModel(file: ModelFile(contentsOf: url))
        var request = BasinInputRequest(
            basinsPath: AssemblerFixtures.basins, forcingPaths: [AssemblerFixtures.forcings],
            attributesPath: try AssemblerFixtures.attributesCSV(in: dir),
            mappingPath: try AssemblerFixtures.mapping(in: dir))
        request.start = CFDate(year: 2016, month: 6, day: 1)
        request.end = CFDate(year: 2016, month: 6, day: 30)
        let inputs = try BasinInputAssembler.assemble(
            request, model: model, modelPath: url.path, log: { _ in })
        let outputs = BasinOutputVariable.variables(
            of: try ModelFile(contentsOf: url).manifest, count: model.configuration.head!.outputs)
        let (predictions, problems) = BasinRunner(model: model).predict(inputs, outputs: outputs)
        #expect(problems.isEmpty)
        #expect(predictions.flags.allSatisfy { $0 == .nonFiniteOutput })
        #expect(predictions.values.allSatisfy { $0.isNaN })
        let ids = inputs.forcings.basinIDs
        let summary = BasinPredictionJob.summary(
            inputs, outputs: [], days: predictions.dates.count, flags: predictions.flags,
            problems: problems, clock: Date(), manifest: try ModelFile(contentsOf: url).manifest)
        #expect(summary.failures.map(\.id) == ids)
        #expect(summary.nonFiniteDays == ids.count * predictions.dates.count)
        #expect(summary.failures.allSatisfy { $0.reason.contains("30 of 30 days") })
    }

    @Test(
        "tile input pixels that are NaN, ±Inf or 3e38 are invalid and reach the model as 0",
        arguments: [Float.nan, .infinity, -.infinity, 3e38])
    func tileInputPixels(value: Float) throws {
        let dir = try makeTemporaryDirectory("nonfinite-pixels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("float.tif").path
        let (width, height) = (40, 40)
        let grid = RasterGrid(
            width: width, height: height,
            geoTransform: GeoTransform(
                originX: 455_000, originY: 4_968_000, pixelWidth: 30, pixelHeight: 30),
            crs: try CRS("EPSG:32634"))
        let writer = try COGWriter(
            path: path, grid: grid, bands: [BandSpec(description: "b1")], dataType: .float32,
            options: COGOptions(producer: "geomap tests"))
        var values = [Float](repeating: 7, count: width * height)
        let bad = [3, 41, 800, 1599]
        for i in bad { values[i] = value }
        try writer.write(rows: 0..<height, values: values)
        try writer.finish()
        let raster = try Raster(opening: path)
        var buffer = TileRowBuffer(width: width, bands: 1)
        var flagged = 0
        try buffer.advance(to: 0..<height, raster: raster, bandNumbers: [1], scales: [nil]) {
            flagged += $0.filter { $0 }.count
        }
        var tile = [Float](repeating: -1, count: width * height)
        let invalid = tile.withUnsafeMutableBufferPointer {
            buffer.copyTile(x: 0, y: 0, tile: 40, into: $0.baseAddress!)
        }
        #expect(flagged == bad.count && invalid == bad.count)
        #expect(tile.allSatisfy { $0 == 7 || $0 == 0 })
        #expect(bad.allSatisfy { tile[$0] == 0 })
    }

    /// A tile model whose outputs are NaN for tiles in odd columns of the plan.
    struct HalfNaNModel: TileModel {
        var echo = EchoTileModel()
        var name: String { echo.name }
        var path: String { echo.path }
        var input: TileInputSpec { echo.input }
        var classes: [TileClass] { echo.classes }
        var task: ClassificationTask { echo.task }
        var embeddingWidth: Int { echo.embeddingWidth }

        func run(raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?)
            throws -> TileOutputs
        {
            let out = try echo.run(
                raw: raw, places: places, probabilities: probabilities, pooling: pooling)
            guard let p = out.probabilities else { return out }
            var scalars = p.scalars
            // The first tile of every batch gives NaN, the second +Inf.
            scalars[0] = .nan
            if scalars.count > 2 { scalars[2] = .infinity }
            return TileOutputs(
                probabilities: Tensor(shape: p.shape, scalars: scalars),
                embeddings: out.embeddings)
        }
    }

    @Test("tiles with a non-finite model output are nodata and counted")
    func tileOutputs() throws {
        let dir = try makeTemporaryDirectory("nonfinite-tiles")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.tif").path
        try TileFixtures.writeRaster(input, width: 160, height: 80) { _, _, _ in 9000 }
        var request = TilePredictionRequest(inputPath: input)
        request.classesPath = dir.appendingPathComponent("in.classes.tif").path
        request.probabilitiesPath = dir.appendingPathComponent("in.probabilities.tif").path
        request.floatProbabilities = true
        request.useMetadata = false
        request.batchSize = 4
        let summary = try TilePredictor.run(request, model: HalfNaNModel())
        // 4 × 2 tiles of 40 px, batches of 4 (one row each): 2 tiles per batch are non-finite.
        #expect(summary.tilesRun == 8 && summary.tilesNonFinite == 4)
        let raster = try Raster(opening: request.probabilitiesPath!)
        let block = try raster.read(
            window: PixelWindow(x: 0, y: 0, width: raster.grid.width, height: raster.grid.height),
            bands: [1, 2])
        let invalid = block.valid.filter { !$0 }.count
        #expect(invalid > 0 && invalid < block.valid.count)
        for (i, valid) in block.valid.enumerated() where valid {
            #expect(block.values[i].isFinite)
        }
    }
}
