package import Foundation
package import Tensor

/// A geomap model file: one `.safetensors` file with Float32 weights whose `__metadata__`
/// key `geomap` holds the JSON ``ModelManifest`` (see `docs/model-format.md`).
package struct ModelFile {
    /// The file's path.
    package let path: String
    /// The manifest.
    package let manifest: ModelManifest
    /// The underlying safetensors file (memory-mapped).
    package let safetensors: SafetensorsFile

    /// Opens `url` and decodes its manifest.
    /// - Throws: ``ModelError`` if the file is not valid safetensors, has no `geomap` metadata,
    ///   or its manifest is invalid or of a newer format version.
    package init(contentsOf url: URL) throws {
        let file = try SafetensorsFile(contentsOf: url)
        guard let json = file.metadata[ModelManifest.metadataKey] else {
            throw ModelError(
                url.path,
                "not a geomap model file (no '\(ModelManifest.metadataKey)' manifest in __metadata__; import checkpoints with `geomap models import`)"
            )
        }
        let manifest: ModelManifest
        do {
            manifest = try JSONDecoder().decode(ModelManifest.self, from: Data(json.utf8))
        } catch {
            throw ModelError(url.path, "invalid geomap manifest: \(Self.describe(error))")
        }
        guard manifest.format == "geomap-model" else {
            throw ModelError(
                url.path, "manifest format is '\(manifest.format)', expected 'geomap-model'")
        }
        guard manifest.formatVersion <= ModelManifest.currentFormatVersion else {
            throw ModelError(
                url.path,
                "model format version \(manifest.formatVersion) is newer than this geomap reads (\(ModelManifest.currentFormatVersion))"
            )
        }
        for entry in file.entries where entry.dtype != .float32 {
            throw ModelError(
                url.path,
                "tensor \(entry.name) is \(entry.dtype.rawValue); model files hold F32 weights")
        }
        self.path = url.path
        self.manifest = manifest
        self.safetensors = file
    }

    /// Whether `url` is a safetensors file with a geomap manifest (no error for other files).
    package static func isModelFile(_ url: URL) -> Bool {
        (try? SafetensorsFile(contentsOf: url))?.metadata[ModelManifest.metadataKey] != nil
    }

    /// A fresh ``WeightStore`` over all weights (each call starts with nothing consumed).
    package func weights() -> WeightStore {
        WeightStore(safetensors.allTensors(), path: path)
    }

    /// Writes a model file atomically (temporary file + rename).
    /// - Parameters:
    ///   - tensors: the weights in the order to store them (Float32).
    ///   - extraMetadata: more `__metadata__` strings (the manifest goes under `geomap`).
    package static func write(
        manifest: ModelManifest, tensors: [(name: String, tensor: Tensor)], to url: URL,
        extraMetadata: [String: String] = [:]
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(manifest), as: UTF8.self)
        var metadata = extraMetadata
        metadata[ModelManifest.metadataKey] = json
        metadata["format"] = "pt"  // what huggingface tools expect to see
        try SafetensorsWriter.write(tensors, metadata: metadata, to: url)
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let keyPath = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "missing \(keyPath)"
        case DecodingError.typeMismatch(_, let context),
            DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            let keyPath = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(keyPath): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return "corrupted JSON (\(context.debugDescription))"
        default:
            return "\(error)"
        }
    }
}
