package import Foundation
package import Models
package import Tensor

/// Opens a model file and loads it as a ``TileModel`` through the architecture registry.
package enum TileModelLoader {
    /// The model `geomap predict --in` uses without `--model`.
    package static let defaultModel = "moe-mae-demo"

    /// Architecture ids that run tile by tile (the registry's tile architectures).
    package static var architectures: [String] { ArchitectureRegistry.ids(for: .tiles) }

    /// Resolves `--model` (a path or a model name, through ``Models/ModelLocator``); `nil`
    /// means the bundled demo model.
    /// - Throws: ``TilePredictionError/model(path:reason:)`` for a missing default model (what
    ///   is missing and how to get one), ``Models/ModelError`` for a missing named model.
    package static func resolve(_ value: String?) throws -> URL {
        let locator = ModelLocator()
        guard value == nil else { return try locator.resolve(value!) }
        do {
            return try locator.resolve(defaultModel)
        } catch {
            let looked = locator.locations.map(\.directory.path).joined(separator: ", ")
            throw TilePredictionError.model(
                path: "\(defaultModel).safetensors",
                reason: "the bundled demo model is missing (looked in \(looked)); it is made by "
                    + "tools/moe_mae (see docs/models/), or pass --model PATH to a model file "
                    + "(geomap models import CKPT --arch moe-mae-s, then geomap probe fit)")
        }
    }

    /// `precision` (`nil`: the model file's default) is the precision of the encoder's matrix
    /// products; bf16 on a CPU without AVX512_BF16 runs fp32 and ``precisionNotice(_:)`` says so.
    /// - Throws: ``Models/ModelError`` for an unreadable or inconsistent file (naming the
    ///   file and tensor), ``TilePredictionError/model(path:reason:)`` for an architecture that
    ///   is not a tile model.
    package static func load(_ url: URL, precision: MatmulPrecision? = nil) throws
        -> any TileModel
    {
        let file = try ModelFile(contentsOf: url)
        let id = file.manifest.architecture
        guard let architecture = ArchitectureRegistry.architecture(of: file, runBy: .tiles),
            case .tiles(let model) = try architecture.loadForInference(file)
        else {
            throw TilePredictionError.model(
                path: url.path,
                reason: "architecture '\(id)' is not a tile model (tile models: "
                    + "\(architectures.joined(separator: ", ")))")
        }
        // An explicit --precision other than the file's default: load the encoder in it.
        if let precision, model is MoEMAETileModel,
            precision != (try MoEMAEModel.defaultPrecision(of: file))
        {
            return try MoEMAETileModel(file: file, precision: precision)
        }
        return model
    }

    /// The one-line notice for a precision that could not be used (bf16 without
    /// AVX512_BF16), or `nil`.
    package static func precisionNotice(_ model: any TileModel) -> String? {
        (model as? MoEMAETileModel)?.model.encoder.precisionNotice
    }
}
