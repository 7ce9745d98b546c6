import Foundation
import GeoRaster
import GeomapCore
import Models
import Tensor
import TestSupport
import Testing

/// A test-only architecture: a NIR threshold classifier whose one tensor `threshold` [1] is the
/// mean NIR (band 5) above which a tile is `bright`. It lives only in the tests and reaches the
/// tile job through ``ArchitectureRegistry/register(_:)`` alone: no loader or job knows it.
enum NIRThresholdArchitecture: ModelArchitecture {
    static let ids = ["test-nir-threshold"]
    static let summary = "a NIR threshold classifier (tests only)"
    static let inferenceKind = InferenceKind.tiles

    static func importCheckpoint(_ checkpoint: Checkpoint, id: String, options: ImportOptions)
        throws -> ImportedModel
    {
        let store = checkpoint.stateDict.weightStore(path: checkpoint.path)
        let threshold = try store.tensor("threshold", shape: [1])
        try store.verifyAllConsumed()
        return ImportedModel(
            manifest: manifest(id: id, options: options), tensors: [("threshold", threshold)])
    }

    static func validate(_ model: ModelFile) throws { _ = try NIRThresholdModel(file: model) }

    static func loadForInference(_ model: ModelFile) throws -> InferenceModel {
        .tiles(try NIRThresholdModel(file: model))
    }

    /// Seven Landsat bands, UInt16, 40×40 tiles of 30 m, two classes.
    static func manifest(id: String, options: ImportOptions) -> ModelManifest {
        ModelManifest(
            architecture: id, name: options.name ?? id, description: "test architecture",
            hyperParameters: .object([:]),
            input: InputSpec(
                kind: .image,
                variables: (1...7).map { VariableSpec(name: "SR_B\($0)", role: .band) },
                dtype: "uint16",
                settings: .object(["tileSize": .number(40), "resolution": .number(30)])),
            output: OutputSpec(
                task: .multiClass, classes: [ClassSpec(name: "dark"), ClassSpec(name: "bright")]),
            provenance: Provenance(source: "tests", demo: true))
    }
}

/// The test architecture's forward pass: P(bright) is 1 above the threshold, else 0.
struct NIRThresholdModel: TileModel {
    let name: String
    let path: String
    let threshold: Float
    let input = TileInputSpec(
        bandNames: (1...7).map { "SR_B\($0)" }, dataType: "UInt16", tileSize: 40, pixelSize: 30)
    let classes = [TileClass(name: "dark"), TileClass(name: "bright")]
    let task = ClassificationTask.multiClass
    let embeddingWidth = 1

    init(file: ModelFile) throws {
        let store = file.weights()
        threshold = try store.tensor("threshold", shape: [1]).scalars[0]
        try store.verifyAllConsumed()
        name = file.manifest.name
        path = file.path
    }

    /// - Parameter raw: `[B, 7, 40, 40]`. Embeddings: the mean NIR `[B, 1]`.
    func run(raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?)
        throws -> TileOutputs
    {
        let batch = raw.shape[0]
        let plane = 40 * 40
        let means: [Float] = raw.withUnsafeBufferPointer { p in
            (0..<batch).map { i in
                let base = (i * 7 + 4) * plane
                return (0..<plane).reduce(Float(0)) { $0 + p[base + $1] } / Float(plane)
            }
        }
        let bright = means.map { $0 > threshold ? Float(1) : 0 }
        return TileOutputs(
            probabilities: probabilities
                ? Tensor(shape: [batch, 2], scalars: bright.flatMap { [1 - $0, $0] }) : nil,
            embeddings: pooling != nil ? Tensor(shape: [batch, 1], scalars: means) : nil)
    }
}

@Suite("an architecture added with one registry line runs through the tile job")
struct RegistryArchitectureTests {
    @Test("imported, loaded by TileModelLoader and run by TilePredictor with only register()")
    func testArchitectureThroughPredict() throws {
        ArchitectureRegistry.register(NIRThresholdArchitecture.self)  // the one line
        let directory = try makeTemporaryDirectory("registry-architecture")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The checkpoint: a safetensors state dict, imported as any architecture is.
        let checkpoint = directory.appendingPathComponent("threshold.safetensors")
        try SafetensorsWriter.write(
            [("threshold", Tensor(shape: [1], scalars: [10000]))], to: checkpoint)
        let modelURL = directory.appendingPathComponent("nir.safetensors")
        try ArchitectureRegistry.importModel(
            checkpoint: checkpoint, architecture: "test-nir-threshold",
            options: ImportOptions(name: "nir"), output: modelURL)
        #expect(TileModelLoader.architectures.contains("test-nir-threshold"))
        // A scene of two tiles: dark on the left (NIR 5000), bright on the right (NIR 20000).
        let scene = directory.appendingPathComponent("scene.tif").path
        try TileFixtures.writeRaster(scene, width: 80, height: 40) { band, _, column in
            band == 4 ? (column < 40 ? 5000 : 20000) : 1000
        }
        let model = try TileModelLoader.load(modelURL)
        #expect(model.name == "nir")
        var request = TilePredictionRequest(inputPath: scene)
        request.classesPath = directory.appendingPathComponent("scene.classes.tif").path
        request.useMetadata = false
        let summary = try TilePredictor.run(request, model: model)
        #expect(summary.tilesRun == 2 && summary.outputWidth == 2)
        let classes = try Raster(opening: summary.outputs[0])
        #expect(classes.bands[0].categoryNames == ["dark", "bright"])
        let ids = try classes.read(window: classes.grid.fullWindow)
        #expect(ids.value(slot: 0, row: 0, column: 0) == 0)
        #expect(ids.value(slot: 0, row: 0, column: 1) == 1)
    }

    @Test("a basin job refuses the tile architecture, naming the basin architectures")
    func basinJobRefusesIt() throws {
        ArchitectureRegistry.register(NIRThresholdArchitecture.self)
        let directory = try makeTemporaryDirectory("registry-architecture")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("nir.safetensors")
        try ModelFile.write(
            manifest: NIRThresholdArchitecture.manifest(
                id: "test-nir-threshold", options: ImportOptions()),
            tensors: [("threshold", Tensor(shape: [1], scalars: [1]))], to: url)
        #expect(throws: ModelError.self) { try BasinPredictionJob.loadModel(url) }
        #expect { try BasinPredictionJob.loadModel(url) } throws: {
            "\($0)".contains("'test-nir-threshold' is not a basin model (basin models: stefaland")
        }
    }
}
