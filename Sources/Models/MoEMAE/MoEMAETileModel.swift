import Foundation
package import Tensor

/// A MoE-MAE model file as a ``TileModel``: centre-cropped, z-scored 40×40 tiles with the
/// file's normalisation, metadata tokens in the published model's "compat" convention (week =
/// ISO week·2π/52, hour = tens digit of the UTC hour, tile-centre latitude and longitude in
/// radians, each as [sin, cos]) or zero vectors, the encoder's pre-LayerNorm tokens pooled, and
/// the linear head when the file has one.
package struct MoEMAETileModel: TileModel {
    package let model: MoEMAEModel
    package let name: String
    package let path: String
    package let input: TileInputSpec
    package let classes: [TileClass]
    package let task: ClassificationTask
    package var embeddingWidth: Int { model.encoder.config.embedDim }

    /// Loads `file` strictly (see ``Models/MoEMAEModel``); `precision` overrides the file's
    /// default precision of the encoder's products.
    package init(file: ModelFile, precision: MatmulPrecision? = nil) throws {
        model = try MoEMAEModel(file: file, precision: precision)
        let manifest = file.manifest
        name = manifest.name
        path = file.path
        let settings = manifest.input.settings
        func number(_ key: String) -> Double? {
            if case .number(let value)? = settings?[key] { return value }
            return nil
        }
        let config = model.encoder.config
        try settings?.checkCopy(
            "patchSize", place: "input.settings", equals: config.patchSize,
            source: "hyperParameters.patchSize", path: file.path)
        let tileSize = number("tileSize") ?? Double(config.imageSize)
        // Tiles are centre-cropped to the encoder's image size; 4096 px is far beyond any
        // tile a patch encoder is given (and keeps a tile's pixels countable).
        guard tileSize.rounded() == tileSize, tileSize >= Double(config.imageSize),
            tileSize <= 4096
        else {
            throw ModelError(
                file.path,
                "input.settings.tileSize must be a whole number of pixels from the encoder's "
                    + "image size \(config.imageSize) to 4096, got \(tileSize)")
        }
        let resolution = number("resolution") ?? 30
        guard resolution.isFinite, resolution >= 1e-6, resolution <= 1e7 else {
            throw ModelError(
                file.path,
                "input.settings.resolution must be the pixel size in metres the model was "
                    + "trained at (1e-6 to 1e7), got \(resolution)")
        }
        var spec = TileInputSpec(
            bandNames: model.bandNames,
            dataType: manifest.input.dtype.map { MoEMAETileModel.gdalTypeName($0) },
            tileSize: Int(tileSize), pixelSize: resolution)
        spec.fillValue = MoEMAETileModel.isLandsatSR(manifest.input) ? 0 : nil
        input = spec
        classes = (manifest.output.classes ?? []).map { TileClass(name: $0.name, color: $0.color) }
        task = manifest.output.task.classification ?? .multiLabel
    }

    /// Whether the model declares Landsat C2 L2 surface reflectance inputs: the manifest's
    /// `input.product`, or, in files written before that field existed, band units
    /// `DN (Landsat C2 L2 SR)` as geomap's importer wrote them.
    package static func isLandsatSR(_ spec: InputSpec) -> Bool {
        if let product = spec.product { return product == InputSpec.landsatC2SurfaceReflectance }
        return !spec.variables.isEmpty
            && spec.variables.allSatisfy { $0.units?.contains("Landsat C2 L2 SR") == true }
    }

    /// `uint16` → `UInt16` (GDAL's names).
    static func gdalTypeName(_ name: String) -> String {
        switch name.lowercased() {
        case "uint8", "byte": "Byte"
        case "uint16": "UInt16"
        case "int16": "Int16"
        case "uint32": "UInt32"
        case "int32": "Int32"
        case "float32": "Float32"
        case "float64": "Float64"
        default: name
        }
    }

    /// The `[B, 8]` metadata of a batch (compat hour code).
    package static func metadata(_ places: TilePlaces) -> Tensor {
        var scalars: [Float] = []
        scalars.reserveCapacity(places.latitudes.count * 8)
        for (latitude, longitude) in zip(places.latitudes, places.longitudes) {
            scalars += MoEMAEPreprocessing.metadata(
                date: places.date, latitude: latitude, longitude: longitude)
        }
        return Tensor(shape: [places.latitudes.count, 8], scalars: scalars)
    }

    package func run(raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?)
        throws -> TileOutputs
    {
        let size = model.encoder.config.imageSize
        let images = try MoEMAEPreprocessing.normalise(
            raw: raw, mean: model.mean, std: model.std, size: size)
        let tokens = try model.encoder.tokens(
            images: images, metadata: places.map(MoEMAETileModel.metadata))
        var outputs = TileOutputs(probabilities: nil, embeddings: nil)
        if probabilities, let head = model.head {
            outputs.probabilities = head.probabilities(model.pooling.pool(tokens))
        }
        if let pooling { outputs.embeddings = pooling.pool(tokens) }
        return outputs
    }

    /// Each group is one slice of the encoder and one product of the head, so a tile's
    /// outputs depend only on the tiles of its group (see ``TileModel``).
    package func run(
        raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?,
        groups: [Range<Int>]
    ) throws -> TileOutputs {
        let size = model.encoder.config.imageSize
        let images = try MoEMAEPreprocessing.normalise(
            raw: raw, mean: model.mean, std: model.std, size: size)
        let tokens = try model.encoder.tokens(
            images: images, metadata: places.map(MoEMAETileModel.metadata), slices: groups)
        var outputs = TileOutputs(probabilities: nil, embeddings: nil)
        if probabilities, let head = model.head {
            let pooled = model.pooling.pool(tokens)
            let width = pooled.shape[1]
            var scalars: [Float] = []
            scalars.reserveCapacity(raw.shape[0] * head.bias.count)
            pooled.withUnsafeBufferPointer { rows in
                for group in groups {
                    let part = Tensor(
                        shape: [group.count, width],
                        scalars: Array(rows[group.lowerBound * width..<group.upperBound * width]))
                    head.probabilities(part).withUnsafeBufferPointer { scalars += $0 }
                }
            }
            outputs.probabilities = Tensor(
                shape: [raw.shape[0], head.bias.count], scalars: scalars)
        }
        if let pooling { outputs.embeddings = pooling.pool(tokens) }
        return outputs
    }
}
