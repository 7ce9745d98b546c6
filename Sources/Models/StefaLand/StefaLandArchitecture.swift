import Foundation
import Tensor

/// `stefaland`: the StefaLand basin model (spec `stefaland.md`).
///
/// Checkpoints (spec §3, §3.1, §6), recognised by their keys:
/// - **pretraining** (`checkpoint_epoch_<N>.pt`): the state dict under `model_state_dict`
///   (`module.` prefixes stripped), with an LSTM decoder (`decoder.weight_ih_l0`, the released
///   checkpoint's variant) or a transformer decoder of any depth. Imports as an encoder-only
///   model: embeddings, no predictions.
/// - **fine-tuned δMG** (`d<model>_Ep<N>.pt`): a bare state dict whose keys all start with
///   `nn_model.`: `pretrained_model.*` plus the head (`embedding_norm`, `embedding_scale`,
///   adapter `dual_residual` or none, `decoder.w_ih …` LSTM, optional `pre_lstm`/`post_lstm`,
///   `direct_input_projection`, `projection`).
///
/// Variable names and their order come from the per-variable module keys
/// (`time_series_embedding.embeddings1.<v>`, `static_embedding.numerical_embeddings1.<s>`);
/// sizes from the shapes. Every tensor of the checkpoint is checked against the key table the
/// inferred sizes imply (a missing, extra or misshapen tensor is an error naming it); the model
/// file keeps the tensors inference uses, named as in the fine-tuned state dict without
/// `nn_model.`.
///
/// Options: `--stats STATS.json` (required: mean and std of every input variable, see
/// ``StefaLandStatistics``) and `--set` keys:
/// - `heads=N` attention heads (default 4, the value of every upstream configuration; not
///   recorded in checkpoints);
/// - `sequence_length=N` days per window (default 365, δMG `rho`); `warm_up=N` leading days of
///   each window discarded from predictions (default 0);
/// - `targets=NAME:UNITS,…` the head's outputs in order (default for a single output:
///   `streamflow:mm/day`, the δMG direct-prediction convention, spec §1.3 and §5.2a);
/// - `dynamic=A,B,…` and `static=C,D,…` the input-column order of the variables. A PyTorch
///   checkpoint records it (the per-variable modules are stored in configuration order);
///   a safetensors checkpoint does not (its keys are sorted), so there both are required.
///   Each must list exactly the checkpoint's variables.
package enum StefaLandArchitecture: ModelArchitecture {
    /// The architecture id.
    package static let id = "stefaland"
    package static let ids = [id]
    package static let summary =
        "StefaLand basin model: per-variable embeddings, transformer encoder, δMG LSTM head"

    package static func importCheckpoint(
        _ checkpoint: Checkpoint, id: String, options: ImportOptions
    ) throws -> ImportedModel {
        let path = checkpoint.path
        let state = checkpoint.stateDict
        let fineTuned = state.names.contains { $0.hasPrefix("nn_model.") }
        if fineTuned {
            let outside = state.names.filter { !$0.hasPrefix("nn_model.") }
            guard outside.isEmpty else {
                throw ModelError(
                    path,
                    "tensors outside nn_model. (\(outside.prefix(3).joined(separator: ", "))): "
                        + "physics-model parameters are not supported, only direct prediction")
            }
        }
        let encoderPrefix = fineTuned ? "nn_model.pretrained_model." : ""
        let layout = try CheckpointLayout(
            state: state, prefix: encoderPrefix, path: path,
            dynamicOrder: list(options.settings["dynamic"]),
            staticOrder: list(options.settings["static"]),
            orderRecorded: checkpoint.format == .pytorch)
        let heads = try integerSetting(options, "heads", default: 4, path: path)
        let sequenceLength = try integerSetting(
            options, "sequence_length", default: 365, path: path)
        let warmUp = try integerSetting(options, "warm_up", default: 0, path: path)

        // Strict check of every checkpoint tensor.
        let store = state.weightStore(path: path)
        try layout.consumeEncoder(store)
        var head: StefaLandConfiguration.Head?
        if fineTuned {
            head = try layout.consumeHead(store, prefix: "nn_model.")
        }
        try store.verifyAllConsumed()

        let configuration = StefaLandConfiguration(
            dModel: layout.d, heads: heads, encoderLayers: layout.encoderLayers,
            feedForward: layout.feedForward, variableHidden: layout.hidden,
            dynamicVariables: layout.dynamic, staticVariables: layout.statics, head: head,
            sequenceLength: sequenceLength, warmUp: warmUp)
        try configuration.validate(path: path)

        guard let statsPath = options.statsPath else {
            throw ModelError(
                path,
                "StefaLand needs --stats STATS.json with the mean and std of every input variable")
        }
        let statistics = try StefaLandStatistics(contentsOf: URL(fileURLWithPath: statsPath))
        let missing = (layout.dynamic + layout.statics).filter { statistics.entries[$0] == nil }
        guard missing.isEmpty else {
            throw ModelError(
                statsPath, "no normalisation statistics for \(missing.joined(separator: ", "))")
        }
        let targets = try parseTargets(
            options.settings["targets"], outputs: head?.outputs, path: path)

        // The model file's tensors: what inference consumes, in checkpoint order.
        var tensors: [(name: String, tensor: Tensor)] = []
        for item in state.items {
            var name = item.name
            if fineTuned {
                name.removeFirst("nn_model.".count)
            } else {
                name = "pretrained_model." + name
            }
            if Self.isInferenceTensor(name) { tensors.append((name, item.tensor)) }
        }
        let check = WeightStore(tensors, path: path)
        _ = try StefaLandModel(
            configuration: configuration,
            dynamicStatistics: layout.dynamic.map { statistics.entries[$0]! },
            staticStatistics: layout.statics.map { statistics.entries[$0]! }, store: check)
        try check.verifyAllConsumed()

        let variables =
            layout.dynamic.map { variable($0, role: .dynamic, statistics) }
            + layout.statics.map { variable($0, role: .static, statistics) }
        let settings: JSONValue = .object([
            "sequenceLength": .number(Double(sequenceLength)), "warmUp": .number(Double(warmUp)),
            "missingValues": .string("set to 0 after normalisation and flagged"),
        ])
        let output: OutputSpec
        if let targets {
            output = OutputSpec(
                task: .regression,
                variables: targets.map {
                    VariableSpec(name: $0.name, role: .target, units: $0.units)
                },
                settings: .object(["embeddingWidth": .number(Double(layout.d))]))
        } else {
            output = OutputSpec(
                task: .embedding, settings: .object(["embeddingWidth": .number(Double(layout.d))]))
        }
        let file = URL(fileURLWithPath: path).lastPathComponent
        let manifest = ModelManifest(
            architecture: id, name: options.name ?? "stefaland",
            description: options.description
                ?? (fineTuned
                    ? "StefaLand fine-tuned model imported from \(file)."
                    : "StefaLand pretrained encoder (embeddings only) imported from \(file)."),
            hyperParameters: try JSONValue(encoding: configuration),
            input: InputSpec(
                kind: .basinSeries, variables: variables, dtype: "float32",
                normalization: .standardize, settings: settings),
            output: output, provenance: options.provenance(for: checkpoint))
        return ImportedModel(manifest: manifest, tensors: tensors)
    }

    package static func validate(_ model: ModelFile) throws {
        _ = try StefaLandModel(file: model)
    }

    package static let inferenceKind = InferenceKind.basins

    package static func loadForInference(_ model: ModelFile) throws -> InferenceModel {
        .basins(try StefaLandModel(file: model))
    }

    /// Whether a model-file name (fine-tuned naming without `nn_model.`) is used by inference.
    static func isInferenceTensor(_ name: String) -> Bool {
        let unused = [
            "pretrained_model.decoder", "pretrained_model.time_series_projection.",
            "pretrained_model.static_projection.", "pretrained_model.decoder_norm.",
            "pretrained_model.time_series_embedding.masked_values",
            "pretrained_model.static_embedding.masked_values", "direct_input_projection.",
        ]
        return !unused.contains { name.hasPrefix($0) }
    }

    static func variable(_ name: String, role: VariableRole, _ statistics: StefaLandStatistics)
        -> VariableSpec
    {
        let entry = statistics.entries[name]!
        return VariableSpec(
            name: name, role: role, units: entry.units, mean: entry.mean, std: entry.std)
    }

    static func list(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    static func integerSetting(
        _ options: ImportOptions, _ key: String, default value: Int, path: String
    )
        throws -> Int
    {
        guard let text = options.settings[key] else { return value }
        guard let number = Int(text), number >= 0 else {
            throw ModelError(path, "--set \(key)=\(text) is not a non-negative integer")
        }
        return number
    }

    /// `NAME:UNITS,…` → targets; `nil` for an encoder-only model.
    static func parseTargets(_ text: String?, outputs: Int?, path: String) throws
        -> [(name: String, units: String)]?
    {
        guard let outputs else {
            if text != nil {
                throw ModelError(path, "targets given, but the checkpoint has no prediction head")
            }
            return nil
        }
        guard let text else {
            guard outputs == 1 else {
                throw ModelError(
                    path,
                    "the head predicts \(outputs) quantities; name them with --set targets=NAME:UNITS,…"
                )
            }
            return [("streamflow", "mm/day")]
        }
        let targets = try text.split(separator: ",").map { part -> (name: String, units: String) in
            let pieces = part.split(separator: ":", maxSplits: 1).map(String.init)
            guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
                throw ModelError(path, "target '\(part)' is not NAME:UNITS")
            }
            return (pieces[0], pieces[1])
        }
        guard targets.count == outputs else {
            throw ModelError(
                path, "\(targets.count) targets named, but the head predicts \(outputs)")
        }
        return targets
    }
}

/// Sizes and variable lists read off a StefaLand state dict (spec §3), and the full key table
/// they imply.
struct CheckpointLayout {
    let prefix: String
    let path: String
    let dynamic: [String]
    let statics: [String]
    let d: Int
    let hidden: Int
    let feedForward: Int
    let encoderLayers: Int
    /// `nil` for an LSTM decoder, else the transformer decoder's depth.
    let decoderLayers: Int?
    /// Outputs per variable of the reconstruction heads (1, or 2 with `add_input_noise`).
    let reconstructionOutputs: Int
    let state: StateDict

    init(
        state: StateDict, prefix: String, path: String, dynamicOrder: [String]?,
        staticOrder: [String]?, orderRecorded: Bool
    ) throws {
        self.prefix = prefix
        self.path = path
        self.state = state
        func names(_ module: String) -> [String] {
            var seen: [String] = []
            for name in state.names
            where name.hasPrefix(prefix + module) && name.hasSuffix(".weight") {
                let v = String(name.dropFirst((prefix + module).count).dropLast(".weight".count))
                if !v.contains("."), !seen.contains(v) { seen.append(v) }
            }
            return seen
        }
        let foundDynamic = names("time_series_embedding.embeddings1.")
        let foundStatic = names("static_embedding.numerical_embeddings1.")
        func ordered(_ found: [String], _ given: [String]?, _ key: String) throws -> [String] {
            guard let given else {
                guard orderRecorded || found.count < 2 else {
                    throw ModelError(
                        path,
                        "a safetensors checkpoint does not record the order of the \(key) "
                            + "variables; give --set \(key)=\(found.joined(separator: ","))"
                            + " in the model's input order")
                }
                return found
            }
            guard given.sorted() == found.sorted() else {
                throw ModelError(
                    path,
                    "--set \(key)= lists \(given.joined(separator: ",")) but the checkpoint has "
                        + found.joined(separator: ","))
            }
            return given
        }
        dynamic = try ordered(foundDynamic, dynamicOrder, "dynamic")
        statics = try ordered(foundStatic, staticOrder, "static")
        guard !dynamic.isEmpty else {
            throw ModelError(
                path,
                "no \(prefix)time_series_embedding.embeddings1.<variable> tensors: not a StefaLand checkpoint"
            )
        }
        if let categorical = state.names.first(where: {
            $0.hasPrefix(prefix + "static_embedding.categorical_")
        }) {
            throw ModelError(
                path, "categorical static variables are not supported (\(categorical))")
        }
        func shape(_ name: String) throws -> [Int] {
            guard let t = state[prefix + name] else {
                throw ModelError(path, "missing tensor \(prefix + name)")
            }
            return t.shape
        }
        let norm = try shape("encoder_norm.weight")
        guard norm.count == 1 else {
            throw ModelError(
                path, "tensor \(prefix)encoder_norm.weight has shape \(norm), expected [d]")
        }
        d = norm[0]
        let first = try shape("time_series_embedding.embeddings1.\(dynamic[0]).weight")
        guard first.count == 2, first[1] == 1 else {
            throw ModelError(
                path,
                "tensor \(prefix)time_series_embedding.embeddings1.\(dynamic[0]).weight has shape \(first), expected [hidden, 1]"
            )
        }
        hidden = first[0]
        func layerCount(_ module: String) -> Int {
            let indices = state.names.compactMap { name -> Int? in
                guard name.hasPrefix(prefix + module) else { return nil }
                return Int(name.dropFirst((prefix + module).count).prefix { $0 != "." })
            }
            return (indices.max() ?? -1) + 1
        }
        encoderLayers = layerCount("encoder.transformer_encoder.layers.")
        if encoderLayers > 0 {
            let linear1 = try shape("encoder.transformer_encoder.layers.0.linear1.weight")
            feedForward = linear1.first ?? 0
        } else {
            feedForward = 0
        }
        decoderLayers =
            state[prefix + "decoder.weight_ih_l0"] != nil
            ? nil : layerCount("decoder.transformer_encoder.layers.")
        let recon = state[prefix + "time_series_projection.embeddings2.\(dynamic[0]).weight"]?.shape
        reconstructionOutputs = recon?.first ?? 1
    }

    /// Consumes the whole pretrained model's key table (spec §3) from `store`.
    func consumeEncoder(_ store: WeightStore) throws {
        let p = prefix
        func take(_ name: String, _ shape: [Int]) throws {
            _ = try store.tensor(p + name, shape: shape)
        }
        let maxTokens = StefaLandConfiguration.maxTokens
        try take("encoder_norm.weight", [d])
        try take("encoder_norm.bias", [d])
        try take("decoder_norm.weight", [d])
        try take("decoder_norm.bias", [d])
        try take("time_series_embedding.masked_values", [dynamic.count, d])
        for v in dynamic {
            try take("time_series_embedding.embeddings1.\(v).weight", [hidden, 1])
            try take("time_series_embedding.embeddings1.\(v).bias", [hidden])
            try take("time_series_embedding.embeddings2.\(v).weight", [d, hidden])
            try take("time_series_embedding.embeddings2.\(v).bias", [d])
        }
        try take("static_embedding.masked_values", [maxTokens, statics.count])
        for s in statics {
            try take("static_embedding.numerical_embeddings1.\(s).weight", [hidden, 1])
            try take("static_embedding.numerical_embeddings1.\(s).bias", [hidden])
            try take("static_embedding.numerical_embeddings2.\(s).weight", [d, hidden])
            try take("static_embedding.numerical_embeddings2.\(s).bias", [d])
        }
        try take("positional_encoding.position_embedding", [maxTokens, d])
        func transformer(_ module: String, _ layers: Int) throws {
            for i in 0..<layers {
                let l = "\(module).transformer_encoder.layers.\(i)."
                try take(l + "self_attn.in_proj_weight", [3 * d, d])
                try take(l + "self_attn.in_proj_bias", [3 * d])
                try take(l + "self_attn.out_proj.weight", [d, d])
                try take(l + "self_attn.out_proj.bias", [d])
                try take(l + "linear1.weight", [feedForward, d])
                try take(l + "linear1.bias", [feedForward])
                try take(l + "linear2.weight", [d, feedForward])
                try take(l + "linear2.bias", [d])
                for n in ["norm1", "norm2"] {
                    try take(l + n + ".weight", [d])
                    try take(l + n + ".bias", [d])
                }
            }
        }
        try transformer("encoder", encoderLayers)
        try take("enc_2_dec_embedding.weight", [d, d])
        try take("enc_2_dec_embedding.bias", [d])
        if let decoderLayers {
            try transformer("decoder", decoderLayers)
        } else {
            try take("decoder.weight_ih_l0", [4 * d, d])
            try take("decoder.weight_hh_l0", [4 * d, d])
            try take("decoder.bias_ih_l0", [4 * d])
            try take("decoder.bias_hh_l0", [4 * d])
        }
        for v in dynamic {
            try take("time_series_projection.embeddings1.\(v).weight", [hidden, d])
            try take("time_series_projection.embeddings1.\(v).bias", [hidden])
            try take(
                "time_series_projection.embeddings2.\(v).weight", [reconstructionOutputs, hidden])
            try take("time_series_projection.embeddings2.\(v).bias", [reconstructionOutputs])
        }
        for s in statics {
            try take("static_projection.numerical_embeddings1.\(s).weight", [hidden, d])
            try take("static_projection.numerical_embeddings1.\(s).bias", [hidden])
            try take(
                "static_projection.numerical_embeddings2.\(s).weight",
                [reconstructionOutputs, hidden])
            try take("static_projection.numerical_embeddings2.\(s).bias", [reconstructionOutputs])
        }
    }

    /// Consumes the δMG head's key table (spec §3.1) under `prefix` and describes the head.
    func consumeHead(_ store: WeightStore, prefix p: String) throws -> StefaLandConfiguration.Head {
        func take(_ name: String, _ shape: [Int]) throws {
            _ = try store.tensor(p + name, shape: shape)
        }
        let (f, c) = (dynamic.count, statics.count)
        let dualResidual = store.contains(p + "adapter.time_transform.0.weight")
        if !dualResidual, let other = store.names.first(where: { $0.hasPrefix(p + "adapter.") }) {
            throw ModelError(
                path, "unsupported adapter (\(other)); only dual_residual and none are implemented")
        }
        try take("embedding_scale", [1])
        try take("embedding_norm.weight", [d])
        try take("embedding_norm.bias", [d])
        if dualResidual {
            try take("adapter.time_transform.0.weight", [d, f])
            try take("adapter.time_transform.0.bias", [d])
            try take("adapter.static_transform.0.weight", [d, c])
            try take("adapter.static_transform.0.bias", [d])
            try take("adapter.combined_transform.0.weight", [2 * d, 3 * d])
            try take("adapter.combined_transform.0.bias", [2 * d])
            try take("adapter.combined_transform.3.weight", [d, 2 * d])
            try take("adapter.combined_transform.3.bias", [d])
            for n in ["adapter.layer_norm1", "adapter.layer_norm2"] {
                try take(n + ".weight", [d])
                try take(n + ".bias", [d])
            }
        }
        try take("decoder.w_ih", [4 * d, d])
        try take("decoder.w_hh", [4 * d, d])
        try take("decoder.b_ih", [4 * d])
        try take("decoder.b_hh", [4 * d])
        let residual = store.contains(p + "pre_lstm.weight")
        if residual {
            for n in ["pre_lstm", "post_lstm"] {
                try take(n + ".weight", [d, d + f + c])
                try take(n + ".bias", [d])
            }
        }
        try take("direct_input_projection.weight", [d, f + c])
        try take("direct_input_projection.bias", [d])
        guard let projection = store.shape(of: p + "projection.weight"), projection.count == 2,
            projection[0] >= 1
        else {
            throw ModelError(path, "missing tensor \(p)projection.weight [outputs, \(d)]")
        }
        try take("projection.weight", [projection[0], d])
        try take("projection.bias", [projection[0]])
        return StefaLandConfiguration.Head(
            adapter: dualResidual ? "dual_residual" : "none", residualLSTM: residual,
            outputs: projection[0])
    }
}
