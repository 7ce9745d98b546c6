package import Foundation
package import Tensor

/// `moe-mae-s`, `moe-mae-xs`, `moe-mae-xxs`: the Geo MoE-MAE encoder (AlbughdadiM/geo-moe-mae)
/// on 7-band Landsat-8 C2 L2 surface-reflectance tiles of 40×40 px, optionally with a linear
/// head fitted later (`head.weight [classes, features]`, `head.bias [classes]`).
///
/// Import accepts upstream training checkpoints as saved (`geomap models import CKPT --arch
/// moe-mae-s`): the `model_state` wrapper; the full MAE state dict whose encoder keys carry the
/// `encoder.` prefix; the shared SwiGLU `V`/`W2` repeated under every expert index, which must
/// be EQUAL to expert 0's (checked, and stored once); the `patch_embed.*` alias of
/// `encoder.patch_proj.*` (checked equal, dropped); the MAE decoder (`mask_token`,
/// `decoder_*`), dropped. A bare encoder state dict (no prefix) is accepted too.
///
/// Settings: `--stats FILE.json` replaces the BigEarthNet-L normalisation, which is recorded by
/// default (float32 values of the repository's constants, spec §1.2); `--set pooling=cls|mean`
/// chooses the default embedding pooling (mean); `--set precision=fp32|bf16` the default
/// precision of the block products (docs/model-format.md).
package enum MoEMAEArchitecture: ModelArchitecture {
    package static let ids = ["moe-mae-s", "moe-mae-xs", "moe-mae-xxs"]
    package static let summary =
        "Geo MoE-MAE encoder (Landsat SR_B1..SR_B7, 40×40 tiles, patch 4) from upstream "
        + "checkpoints"

    /// Names in the MAE state dict that belong to the decoder (ignored by import).
    static func isDecoderKey(_ name: String) -> Bool {
        name == "mask_token" || name == "decoder_pos_embed" || name.hasPrefix("decoder_")
    }

    package static func importCheckpoint(
        _ checkpoint: Checkpoint, id: String, options: ImportOptions
    ) throws -> ImportedModel {
        let path = checkpoint.path
        guard let config = MoEMAEConfig.known[id] else {
            throw ModelError(path, "unknown MoE-MAE architecture '\(id)'")
        }
        let state = checkpoint.stateDict
        let prefixed = state.names.contains { $0.hasPrefix("encoder.") }
        var encoder: [(name: String, tensor: Tensor)] = []
        var original: [String: String] = [:]  // encoder name → name in the checkpoint
        var aliases: [(name: String, tensor: Tensor)] = []
        for item in state.items {
            if prefixed {
                if item.name.hasPrefix("encoder.") {
                    let name = String(item.name.dropFirst("encoder.".count))
                    encoder.append((name, item.tensor))
                    original[name] = item.name
                } else if item.name.hasPrefix("patch_embed.") {
                    aliases.append((item.name, item.tensor))
                } else if !isDecoderKey(item.name) {
                    throw ModelError(
                        path,
                        "unexpected tensor \(item.name) in the MoE-MAE checkpoint")
                }
            } else {
                encoder.append((item.name, item.tensor))
                original[item.name] = item.name
            }
        }
        let byName = Dictionary(
            encoder.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        // The patch_embed alias is the same module as encoder.patch_proj.
        for (name, tensor) in aliases {
            let target = "patch_proj." + name.dropFirst("patch_embed.".count)
            guard let reference = byName[target] else {
                throw ModelError(
                    path,
                    "unexpected tensor \(name) (no encoder.\(target) it aliases)")
            }
            guard reference == tensor else {
                throw ModelError(
                    path,
                    "tensor \(name) differs from encoder.\(target), of which it "
                        + "should be an alias")
            }
        }
        // Shared V/W2 under experts 1…E−1: must equal expert 0's copy; stored once.
        var kept: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in encoder {
            if let reference = sharedReference(of: name) {
                guard let shared = byName[reference] else {
                    throw ModelError(
                        path,
                        "missing tensor \(original[reference] ?? reference) "
                            + "(the shared copy of \(original[name] ?? name))")
                }
                guard shared == tensor else {
                    throw ModelError(
                        path,
                        "tensor \(original[name] ?? name) differs from "
                            + "\(original[reference] ?? reference): V and W2 are shared by all experts "
                            + "of a layer, so every copy must be equal")
                }
                continue
            }
            kept.append((name, tensor))
        }
        // Strict: exactly the encoder's tensors, with the configuration's shapes.
        let store = WeightStore(kept, path: path)
        _ = try MoEMAEEncoder(config: config, store: store)
        try store.verifyAllConsumed()
        let order = config.tensorShapes.map(\.name)
        let lookup = Dictionary(kept.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let tensors = order.map { (name: $0, tensor: lookup[$0]!) }

        let bands = try normalisation(options: options)
        let pooling = options.settings["pooling"] ?? Pooling.mean.rawValue
        guard let poolingValue = Pooling(rawValue: pooling), poolingValue != .tokens else {
            throw ModelError(path, "pooling=\(pooling) is not cls or mean")
        }
        var settings: [String: JSONValue] = [
            "pooling": .string(pooling),
            "embedDim": .number(Double(config.embedDim)),
            "tokens": .number(Double(config.tokens)),
        ]
        if let precision = options.settings["precision"] {
            guard MatmulPrecision(rawValue: precision) != nil else {
                throw ModelError(path, "precision=\(precision) is not fp32 or bf16")
            }
            settings["precision"] = .string(precision)
        }
        let manifest = ModelManifest(
            architecture: id, name: options.name ?? id,
            description: options.description
                ?? "Geo MoE-MAE \(id.dropFirst("moe-mae-".count).uppercased()) encoder imported "
                + "from \(URL(fileURLWithPath: path).lastPathComponent).",
            hyperParameters: try JSONValue(encoding: config),
            input: MoEMAEModel.inputSpec(config: config, bands: bands),
            output: OutputSpec(task: .embedding, settings: .object(settings)),
            provenance: options.provenance(for: checkpoint))
        return ImportedModel(manifest: manifest, tensors: tensors)
    }

    package static func validate(_ model: ModelFile) throws {
        _ = try MoEMAEModel(file: model)
    }

    package static let inferenceKind = InferenceKind.tiles

    package static func loadForInference(_ model: ModelFile) throws -> InferenceModel {
        .tiles(try MoEMAETileModel(file: model))
    }

    /// For `layers.i.moe.experts.j.{V,W2}.{weight,bias}` with j > 0: the expert-0 name.
    static func sharedReference(of name: String) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "layers", parts[2] == "moe", parts[3] == "experts",
            parts[5] == "V" || parts[5] == "W2", let j = Int(parts[4]), j > 0
        else { return nil }
        var reference = parts
        reference[4] = "0"
        return reference.joined(separator: ".")
    }

    /// Band normalisation: `--stats FILE.json` (`{"SR_B1": {"mean": m, "std": s}, …}`) or the
    /// BigEarthNet-L constants.
    static func normalisation(options: ImportOptions) throws -> [(mean: Float, std: Float)] {
        let names = MoEMAEPreprocessing.bandNames
        guard let statsPath = options.statsPath else {
            return zip(MoEMAEPreprocessing.bigEarthNetMean, MoEMAEPreprocessing.bigEarthNetStd)
                .map { ($0, $1) }
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: statsPath)))
        } catch {
            throw ModelError(
                statsPath,
                "cannot read normalisation statistics: \(error.localizedDescription)")
        }
        guard let stats = object as? [String: Any] else {
            throw ModelError(statsPath, "normalisation statistics must be a JSON object of bands")
        }
        return try names.map { band in
            guard let entry = stats[band] as? [String: Any],
                let mean = (entry["mean"] as? NSNumber)?.floatValue,
                let std = (entry["std"] as? NSNumber)?.floatValue, std > 0
            else {
                throw ModelError(
                    statsPath,
                    "missing or invalid {\"mean\", \"std\"} for band \(band)")
            }
            return (mean, std)
        }
    }
}

/// A MoE-MAE model file loaded for inference: the encoder, its input normalisation, the default
/// pooling and, when a head has been fitted, the linear head and its classes.
package struct MoEMAEModel: Sendable {
    package let encoder: MoEMAEEncoder
    /// Per-band z-score constants, in model channel order (from the manifest).
    package let mean: [Float]
    package let std: [Float]
    /// Band names in model channel order.
    package let bandNames: [String]
    /// Default pooling of the embeddings the head reads.
    package let pooling: Pooling
    /// The linear head (multi-label or multi-class), if fitted.
    package let head: LinearHead?
    /// Class names of the head's outputs (empty without a head).
    package let classes: [String]

    /// Loads a model file strictly (every tensor present with its shape, none extra; the
    /// normalisation of all bands present). `precision` overrides the file's default
    /// (`output.settings.precision`, `fp32` when absent); a bf16 request on a CPU without
    /// AVX512_BF16 runs fp32 (``MoEMAEEncoder/precisionNotice`` says so).
    /// - Throws: ``ModelError`` naming the file and what is wrong.
    package init(file: ModelFile, precision: MatmulPrecision? = nil) throws {
        let manifest = file.manifest
        let config: MoEMAEConfig
        do {
            config = try manifest.hyperParameters.decode(MoEMAEConfig.self)
            try config.validate()
        } catch {
            throw ModelError(file.path, "invalid MoE-MAE hyperParameters: \(error)")
        }
        guard config.architecture == manifest.architecture else {
            throw ModelError(
                file.path,
                "hyperParameters describe \(config.architecture), but the "
                    + "architecture is \(manifest.architecture)")
        }
        let variables = manifest.input.variables
        guard variables.count == config.channels else {
            throw ModelError(
                file.path,
                "input has \(variables.count) bands, expected \(config.channels)")
        }
        var mean: [Float] = []
        var std: [Float] = []
        for v in variables {
            guard let m = v.mean, let s = v.std, s > 0 else {
                throw ModelError(file.path, "missing normalisation (mean/std) for band \(v.name)")
            }
            mean.append(Float(m))
            std.append(Float(s))
        }
        let store = file.weights()
        encoder = try MoEMAEEncoder(
            config: config, store: store,
            precision: try precision ?? Self.defaultPrecision(of: file))
        let poolingName =
            manifest.output.settings?["pooling"].flatMap {
                if case .string(let s) = $0 { return s } else { return nil }
            } ?? "mean"
        guard let pooling = Pooling(rawValue: poolingName) else {
            throw ModelError(file.path, "unknown pooling '\(poolingName)'")
        }
        let task = manifest.output.task
        if task == .embedding {
            head = nil
            classes = []
        } else {
            guard let kind = task.classification else {
                throw ModelError(
                    file.path,
                    "output task '\(task.rawValue)' is not embedding, multi-label "
                        + "or multi-class")
            }
            let names = (manifest.output.classes ?? []).map(\.name)
            let features = pooling == .tokens ? config.tokens * config.embedDim : config.embedDim
            let weight = try store.tensor("head.weight", shape: [names.count, features])
            let bias = try store.tensor("head.bias", shape: [names.count])
            head = try LinearHead(weight: weight, bias: bias, kind: kind)
            classes = names
        }
        try store.verifyAllConsumed()
        self.mean = mean
        self.std = std
        self.bandNames = variables.map(\.name)
        self.pooling = pooling
    }

    /// The precision a model file asks for: `output.settings.precision` (`fp32` or `bf16`),
    /// `fp32` when absent.
    /// - Throws: ``ModelError`` naming the file for another value.
    package static func defaultPrecision(of file: ModelFile) throws -> MatmulPrecision {
        guard let value = file.manifest.output.settings?["precision"] else { return .fp32 }
        guard case .string(let name) = value, let precision = MatmulPrecision(rawValue: name)
        else {
            throw ModelError(file.path, "output.settings.precision must be \"fp32\" or \"bf16\"")
        }
        return precision
    }

    /// Opens and loads the model file at `url`.
    package init(contentsOf url: URL) throws {
        try self.init(file: ModelFile(contentsOf: url))
    }

    /// The input spec MoE-MAE model files record: 7 bands with their z-score constants,
    /// uint16 DN, 40×40 tiles of 4×4 patches, metadata tokens with the compat hour code.
    package static func inputSpec(config: MoEMAEConfig, bands: [(mean: Float, std: Float)])
        -> InputSpec
    {
        InputSpec(
            kind: .image,
            variables: zip(MoEMAEPreprocessing.bandNames, bands).map { name, b in
                VariableSpec(
                    name: name, role: .band, units: "DN (Landsat C2 L2 SR)",
                    mean: Double(b.mean), std: Double(b.std))
            },
            dtype: "uint16", normalization: .standardize,
            settings: .object([
                "tileSize": .number(Double(config.imageSize)),
                "patchSize": .number(Double(config.patchSize)),
                "resolution": .number(30),
                "metadata": .array(["week", "hour", "lat", "lon"].map(JSONValue.string)),
                "hourEncoding": .string("compat"),
                "crop": .string("centre"),
            ]), product: InputSpec.landsatC2SurfaceReflectance)
    }
}
