import Tensor

extension StefaLandConfiguration {
    /// The tensors a geomap StefaLand model file holds for this configuration, in storage
    /// order: names as in the fine-tuned state dict without `nn_model.` (spec §3, §3.1),
    /// inference tensors only.
    package var modelFileTensorShapes: [(name: String, shape: [Int])] {
        let d = dModel
        let h = variableHidden
        let p = "pretrained_model."
        var table: [(name: String, shape: [Int])] = []
        func add(_ name: String, _ shape: [Int]) { table.append((name, shape)) }
        add(p + "encoder_norm.weight", [d])
        add(p + "encoder_norm.bias", [d])
        for v in dynamicVariables {
            let m = p + "time_series_embedding.embeddings"
            add("\(m)1.\(v).weight", [h, 1])
            add("\(m)1.\(v).bias", [h])
            add("\(m)2.\(v).weight", [d, h])
            add("\(m)2.\(v).bias", [d])
        }
        for s in staticVariables {
            let m = p + "static_embedding.numerical_embeddings"
            add("\(m)1.\(s).weight", [h, 1])
            add("\(m)1.\(s).bias", [h])
            add("\(m)2.\(s).weight", [d, h])
            add("\(m)2.\(s).bias", [d])
        }
        add(p + "positional_encoding.position_embedding", [Self.maxTokens, d])
        for i in 0..<encoderLayers {
            let l = p + "encoder.transformer_encoder.layers.\(i)."
            add(l + "self_attn.in_proj_weight", [3 * d, d])
            add(l + "self_attn.in_proj_bias", [3 * d])
            add(l + "self_attn.out_proj.weight", [d, d])
            add(l + "self_attn.out_proj.bias", [d])
            add(l + "linear1.weight", [feedForward, d])
            add(l + "linear1.bias", [feedForward])
            add(l + "linear2.weight", [d, feedForward])
            add(l + "linear2.bias", [d])
            add(l + "norm1.weight", [d])
            add(l + "norm1.bias", [d])
            add(l + "norm2.weight", [d])
            add(l + "norm2.bias", [d])
        }
        add(p + "enc_2_dec_embedding.weight", [d, d])
        add(p + "enc_2_dec_embedding.bias", [d])
        guard let head else { return table }
        let (f, c) = (dynamicVariables.count, staticVariables.count)
        add("embedding_scale", [1])
        if head.adapter == "dual_residual" {
            add("adapter.time_transform.0.weight", [d, f])
            add("adapter.time_transform.0.bias", [d])
            add("adapter.static_transform.0.weight", [d, c])
            add("adapter.static_transform.0.bias", [d])
            add("adapter.combined_transform.0.weight", [2 * d, 3 * d])
            add("adapter.combined_transform.0.bias", [2 * d])
            add("adapter.combined_transform.3.weight", [d, 2 * d])
            add("adapter.combined_transform.3.bias", [d])
            add("adapter.layer_norm1.weight", [d])
            add("adapter.layer_norm1.bias", [d])
            add("adapter.layer_norm2.weight", [d])
            add("adapter.layer_norm2.bias", [d])
        }
        add("decoder.w_ih", [4 * d, d])
        add("decoder.w_hh", [4 * d, d])
        add("decoder.b_ih", [4 * d])
        add("decoder.b_hh", [4 * d])
        if head.residualLSTM {
            add("pre_lstm.weight", [d, d + f + c])
            add("pre_lstm.bias", [d])
            add("post_lstm.weight", [d, d + f + c])
            add("post_lstm.bias", [d])
        }
        add("projection.weight", [head.outputs, d])
        add("projection.bias", [head.outputs])
        add("embedding_norm.weight", [d])
        add("embedding_norm.bias", [d])
        return table
    }
}

extension StefaLandModel {
    /// A model with pseudo-random weights (a fixed linear congruential sequence scaled by
    /// 1/√fan-in, LayerNorm gains 1) and unit statistics, for benchmarks and shape checks.
    package init(randomWeightsFor configuration: StefaLandConfiguration, seed: UInt64 = 1) throws {
        var state = seed
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
        let tensors = configuration.modelFileTensorShapes.map {
            entry -> (name: String, tensor: Tensor) in
            let isGain =
                entry.name.hasSuffix("norm.weight") || entry.name.contains("norm1.weight")
                || entry.name.contains("norm2.weight")
            let scale = 1 / Float(entry.shape.count > 1 ? entry.shape[1] : 16).squareRoot()
            let count = entry.shape.reduce(1, *)
            let values = (0..<count).map { _ in isGain ? 1 : next() * scale }
            return (entry.name, Tensor(shape: entry.shape, scalars: values))
        }
        let store = WeightStore(tensors, path: "random weights")
        let unit = StefaLandStatistics.Entry(mean: 0, std: 1)
        try self.init(
            configuration: configuration,
            dynamicStatistics: configuration.dynamicVariables.map { _ in unit },
            staticStatistics: configuration.staticVariables.map { _ in unit }, store: store)
        try store.verifyAllConsumed()
    }
}
