import Foundation
package import Tensor

/// The StefaLand forward pass (spec `stefaland.md` §2.2–2.6 and §5.2), batched over basins.
///
/// Semantics are the *intended* batch-first ones (spec §5.3 (b)): each basin is one sequence
/// of `T` daily tokens plus its static token (last); attention runs over the days of one basin;
/// every basin sees its own statics; the head gets the time tokens only. The released
/// fine-tuning code's time/basin mix-up is not reproduced.
///
/// Inputs are normalised (`(x − mean) / std`, see ``normalize(dynamic:static:)``) and finite.
package struct StefaLandModel: Sendable {
    /// The hyper-parameters.
    package let configuration: StefaLandConfiguration
    /// Normalisation statistics per dynamic variable (configuration order).
    package let dynamicStatistics: [StefaLandStatistics.Entry]
    /// Normalisation statistics per static variable (configuration order).
    package let staticStatistics: [StefaLandStatistics.Entry]

    let dynamicEmbedding: VariableEmbeddings
    let staticEmbedding: VariableEmbeddings
    /// `[1000, d]`.
    let positions: Tensor
    let layers: [EncoderLayerWeights]
    let encoderNorm: NormWeights
    let encoderToDecoder: LinearWeights
    let head: HeadWeights?

    /// Builds the model from strict weights named as in a geomap StefaLand model file: the
    /// fine-tuned δMG names without `nn_model.` (`pretrained_model.<spec §3 key>` and the head
    /// keys of §3.1), inference tensors only. Consumes exactly those tensors.
    /// - Throws: ``ModelError`` for a missing or misshapen tensor (naming it) or an
    ///   inconsistent configuration.
    package init(
        configuration c: StefaLandConfiguration, dynamicStatistics: [StefaLandStatistics.Entry],
        staticStatistics: [StefaLandStatistics.Entry], store: WeightStore
    ) throws {
        try c.validate(path: store.path)
        guard dynamicStatistics.count == c.dynamicVariables.count,
            staticStatistics.count == c.staticVariables.count
        else {
            throw ModelError(store.path, "normalisation statistics do not match the variables")
        }
        configuration = c
        self.dynamicStatistics = dynamicStatistics
        self.staticStatistics = staticStatistics
        let d = c.dModel
        let p = "pretrained_model."
        dynamicEmbedding = try VariableEmbeddings(
            store: store, prefix: p + "time_series_embedding.embeddings",
            names: c.dynamicVariables, d: d, hidden: c.variableHidden)
        staticEmbedding = try VariableEmbeddings(
            store: store, prefix: p + "static_embedding.numerical_embeddings",
            names: c.staticVariables, d: d, hidden: c.variableHidden)
        positions = try store.tensor(
            p + "positional_encoding.position_embedding",
            shape: [StefaLandConfiguration.maxTokens, d])
        layers = try (0..<c.encoderLayers).map {
            try EncoderLayerWeights(
                store: store, prefix: p + "encoder.transformer_encoder.layers.\($0)", d: d,
                feedForward: c.feedForward)
        }
        encoderNorm = try NormWeights(store: store, p + "encoder_norm", d: d)
        encoderToDecoder = try LinearWeights(store: store, p + "enc_2_dec_embedding", out: d, in: d)
        head = try c.head.map {
            try HeadWeights(
                store: store, head: $0, d: d, dynamic: c.dynamicVariables.count,
                statics: c.staticVariables.count)
        }
    }

    /// Loads a geomap model file of architecture `stefaland` strictly.
    package init(file: ModelFile) throws {
        let manifest = file.manifest
        guard manifest.architecture == StefaLandArchitecture.id else {
            throw ModelError(file.path, "architecture is \(manifest.architecture), not stefaland")
        }
        let configuration: StefaLandConfiguration
        do {
            configuration = try manifest.hyperParameters.decode(StefaLandConfiguration.self)
        } catch {
            throw ModelError(file.path, "invalid StefaLand hyper-parameters in the manifest")
        }
        try configuration.validate(path: file.path)
        for (key, value) in [
            ("sequenceLength", configuration.sequenceLength), ("warmUp", configuration.warmUp),
        ] {
            try manifest.input.settings?.checkCopy(
                key, place: "input.settings", equals: value, source: "hyperParameters.\(key)",
                path: file.path)
        }
        try manifest.output.settings?.checkCopy(
            "embeddingWidth", place: "output.settings", equals: configuration.dModel,
            source: "hyperParameters.dModel", path: file.path)
        func statistics(_ role: VariableRole, _ names: [String]) throws -> [StefaLandStatistics
            .Entry]
        {
            try names.map { name in
                guard
                    let v = manifest.input.variables.first(where: {
                        $0.name == name && $0.role == role
                    }), let mean = v.mean, let std = v.std, std > 0
                else {
                    throw ModelError(
                        file.path, "no normalisation statistics for \(role) variable \(name)")
                }
                return StefaLandStatistics.Entry(mean: mean, std: std, units: v.units)
            }
        }
        let store = file.weights()
        try self.init(
            configuration: configuration,
            dynamicStatistics: try statistics(.dynamic, configuration.dynamicVariables),
            staticStatistics: try statistics(.static, configuration.staticVariables),
            store: store)
        try store.verifyAllConsumed()
    }

    /// Normalises raw inputs with the model's statistics: `(x − mean) / std`, computed in
    /// Float32 as PyTorch does. Missing values (NaN) become 0 after normalisation, the δMG
    /// loader's rule (spec §1.3); callers flag those days themselves.
    /// - Parameters:
    ///   - dynamic: `[basins, days, F]` in the units of the statistics.
    ///   - static: `[basins, C]`.
    /// - Returns: both normalised, same shapes.
    package func normalize(dynamic: Tensor, static statics: Tensor) -> (
        dynamic: Tensor, static: Tensor
    ) {
        func apply(_ x: Tensor, _ stats: [StefaLandStatistics.Entry]) -> Tensor {
            let n = stats.count
            precondition(
                x.columns == n || (n == 0 && x.count == 0),
                "StefaLand: input \(x.shape) does not end in \(n) variables")
            let means = stats.map { Float($0.mean) }
            let stds = stats.map { Float($0.std) }
            var y = x
            y.withUnsafeMutableBufferPointer { p in
                guard n > 0 else { return }
                for i in 0..<p.count {
                    let v = (p[i] - means[i % n]) / stds[i % n]
                    p[i] = v.isNaN ? 0 : v
                }
            }
            return y
        }
        return (apply(dynamic, dynamicStatistics), apply(statics, staticStatistics))
    }

    /// The outputs of one batch of basins.
    package struct Output: Sendable {
        /// Encoder hidden states after the enc→dec projection, time tokens only:
        /// `[basins, days, d]`, or `nil` when not asked for.
        package var embeddings: Tensor?
        /// Predictions `[basins, days, outputs]` in the head's units, or `nil` without a head.
        package var predictions: Tensor?
    }

    /// Runs the model on normalised inputs, basins in parallel over the cores.
    /// - Parameters:
    ///   - dynamic: `[basins, days, F]` normalised, finite; `days ≤ 999`.
    ///   - static: `[basins, C]` normalised, finite.
    ///   - embeddings: whether to return the embeddings.
    ///   - predictions: whether to run the head (ignored without one).
    ///   - parts: basins are split into this many ranges run in parallel (default: the cores).
    package func callAsFunction(
        dynamic: Tensor, static statics: Tensor, embeddings wantEmbeddings: Bool = false,
        predictions wantPredictions: Bool = true,
        parts: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> Output {
        let (f, c, d) = (
            configuration.dynamicVariables.count, configuration.staticVariables.count,
            configuration.dModel
        )
        precondition(
            dynamic.rank == 3 && dynamic.shape[2] == f,
            "StefaLand: dynamic input \(dynamic.shape) is not [basins, days, \(f)]")
        let (basins, days) = (dynamic.shape[0], dynamic.shape[1])
        precondition(
            statics.shape == [basins, c],
            "StefaLand: static input \(statics.shape) is not [\(basins), \(c)]")
        precondition(
            days >= 1 && days < StefaLandConfiguration.maxTokens,
            "StefaLand: \(days) days is outside 1…999")
        let runHead = wantPredictions && head != nil
        let outputs = head.map { $0.projection.weight.shape[0] } ?? 0
        var embeddingOut = Tensor(zeros: wantEmbeddings ? [basins, days, d] : [0])
        var predictionOut = Tensor(zeros: runHead ? [basins, days, outputs] : [0])
        embeddingOut.withUnsafeMutableBufferPointer { ep in
            predictionOut.withUnsafeMutableBufferPointer { pp in
                let e = ep.baseAddress.map(UnsafeSendablePointer.init)
                let p = pp.baseAddress.map(UnsafeSendablePointer.init)
                try? parallelRanges(count: basins, parts: parts) { range in
                    // Basins go through the encoder one by one (attention is per basin) and
                    // through the head in groups, so the LSTM steps are matrix products.
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let group = start..<min(start + Self.headGroup, range.upperBound)
                        let x = dynamic.slices(group).reshaped([group.count * days, f])
                        let s = statics.slices(group)
                        var hidden = [Float]()
                        hidden.reserveCapacity(group.count * days * d)
                        for b in group {
                            let one = self.encode(
                                dynamic: dynamic.slices(b..<(b + 1)).reshaped([days, f]),
                                static: statics.slices(b..<(b + 1)).reshaped([1, c]))
                            hidden += one.scalars
                        }
                        let embedded = Tensor(shape: [group.count * days, d], scalars: hidden)
                        if wantEmbeddings, let e {
                            embedded.withUnsafeBufferPointer {
                                (e.pointer + group.lowerBound * days * d).update(
                                    from: $0.baseAddress!, count: group.count * days * d)
                            }
                        }
                        if runHead, let p, let head = self.head {
                            let y = self.predict(
                                head: head, embeddings: embedded, dynamic: x, static: s,
                                days: days)
                            y.withUnsafeBufferPointer {
                                (p.pointer + group.lowerBound * days * outputs).update(
                                    from: $0.baseAddress!, count: group.count * days * outputs)
                            }
                        }
                        start = group.upperBound
                    }
                }
            }
        }
        return Output(
            embeddings: wantEmbeddings ? embeddingOut : nil,
            predictions: runHead ? predictionOut : nil)
    }

    /// The encoder for one basin: tokens, positions, ×√d, layers, encoder norm, enc→dec.
    /// - Parameters:
    ///   - x: `[T, F]` normalised; s: `[1, C]` normalised.
    /// - Returns: the hidden states of the `T` time tokens, `[T, d]`.
    func encode(dynamic x: Tensor, static s: Tensor) -> Tensor {
        let d = configuration.dModel
        let days = x.shape[0]
        let tokens = days + 1
        let timeTokens = x.withUnsafeBufferPointer {
            dynamicEmbedding.embed($0.baseAddress!, rows: days)
        }
        var z = Tensor(zeros: [tokens, d])
        z.withUnsafeMutableBufferPointer { zp in
            let zb = zp.baseAddress!
            timeTokens.withUnsafeBufferPointer { zb.update(from: $0.baseAddress!, count: days * d) }
            if s.count > 0 {
                let staticToken = s.withUnsafeBufferPointer {
                    staticEmbedding.embed($0.baseAddress!, rows: 1)
                }
                staticToken.withUnsafeBufferPointer {
                    (zb + days * d).update(from: $0.baseAddress!, count: d)
                }
            }
            // An empty static list still contributes the token: its embedding sum is zero.
            let scale = Float(d).squareRoot()
            positions.withUnsafeBufferPointer { pp in
                let pb = pp.baseAddress!
                for i in 0..<(tokens * d) { zb[i] = (zb[i] + pb[i]) * scale }
            }
        }
        let heads = configuration.heads
        let headDim = d / heads
        for layer in layers {
            let q = layer.query(z)
            let k = layer.key(z)
            let v = layer.value(z)
            let attention = multiHeadAttention(
                q: q, k: k, v: v, heads: heads, kvHeads: heads, headDim: headDim,
                scale: 1 / Float(headDim).squareRoot())
            add(&z, layer.output(attention))
            layer.norm1.apply(&z)
            var hidden = layer.feedForward1(z)
            relu(&hidden)
            add(&z, layer.feedForward2(hidden))
            layer.norm2.apply(&z)
        }
        encoderNorm.apply(&z)
        return encoderToDecoder(z.slices(0..<days))
    }

    /// Sequences per head product across sequences (the static rows, the LSTM's steps): a
    /// group of fewer is padded with zero sequences there, so those products always have 8
    /// rows; the products over days run per sequence and only for the group's own sequences
    /// (``LinearWeights/callAsFunction(_:sequencesOf:)``). So a sequence's predictions are the
    /// same whatever the batch it runs in (bit for bit), on AVX-512 and AVX2 OpenBLAS kernels
    /// alike: OpenBLAS rounds a row by the product's row count (a one-row product goes through
    /// gemv) and, on AVX2, by the row's position in it.
    static let headGroup = 8

    /// The δMG head for a group of `g ≤ headGroup` basins (spec §5.2 steps 5–8).
    /// - Parameters:
    ///   - embeddings: `[g·T, d]` (basin-major); x: `[g·T, F]`; s: `[g, C]`.
    /// - Returns: `[g·T, outputs]`.
    func predict(
        head: HeadWeights, embeddings: Tensor, dynamic x: Tensor, static s: Tensor, days: Int
    ) -> Tensor {
        let group = s.shape[0]
        precondition(group <= Self.headGroup, "StefaLand head: \(group) basins in one group")
        // A product across the group's sequences, on `headGroup` rows (zeros after the group).
        func across(_ rows: Tensor, _ f: (Tensor) -> Tensor) -> Tensor {
            let perSequence = rows.rows / group
            let out = f(padRows(rows, (Self.headGroup - group) * perSequence))
            return Tensor(
                shape: [rows.rows, out.columns],
                scalars: Array(out.scalars.prefix(rows.rows * out.columns)))
        }
        var h = embeddings
        head.embeddingNorm.apply(&h)
        scale(&h, by: head.embeddingScale)
        var a = h
        if let adapter = head.adapter {
            var tp = adapter.time(x, sequencesOf: days)
            relu(&tp)
            var sp = across(s) { adapter.static($0) }
            relu(&sp)
            let spRows = repeatRows(sp, days)
            var u = adapter.combined1(
                concatenateColumns([h, tp, spRows]), sequencesOf: days)
            relu(&u)
            a = adapter.combined2(u, sequencesOf: days)
            add(&a, h)
            adapter.norm1.apply(&a)
            add(&a, tp)
            add(&a, spRows)
            adapter.norm2.apply(&a)
        }
        let d = configuration.dModel
        var r: Tensor
        if let pre = head.preLSTM, let post = head.postLSTM {
            let sRows = repeatRows(s, days)
            let z = pre(concatenateColumns([a, x, sRows]), sequencesOf: days)
            let o = across(z) {
                lstmSequence($0.reshaped([Self.headGroup, days, d]), weights: head.lstm).output
                    .reshaped([Self.headGroup * days, d])
            }
            r = post(concatenateColumns([o, x, sRows]), sequencesOf: days)
            add(&r, o)
        } else {
            r = across(a) {
                lstmSequence($0.reshaped([Self.headGroup, days, d]), weights: head.lstm).output
                    .reshaped([Self.headGroup * days, d])
            }
        }
        return head.projection(r, sequencesOf: days)
    }
}

/// `rows` (`[r, n]`) with `count` rows of zeros after it: `[r + count, n]`.
func padRows(_ rows: Tensor, _ count: Int) -> Tensor {
    guard count > 0 else { return rows }
    return Tensor(
        shape: [rows.rows + count, rows.columns],
        scalars: rows.scalars + [Float](repeating: 0, count: count * rows.columns))
}

/// Each row of `rows` (`[g, n]`) repeated `count` times in place: `[g·count, n]`.
func repeatRows(_ rows: Tensor, _ count: Int) -> Tensor {
    let n = rows.columns
    var out = [Float]()
    out.reserveCapacity(rows.rows * count * n)
    for r in 0..<rows.rows {
        let row = rows.scalars[(r * n)..<((r + 1) * n)]
        for _ in 0..<count { out += row }
    }
    return Tensor(shape: [rows.rows * count, n], scalars: out)
}

/// Matrices with the same number of rows side by side: `[rows, Σ columns]`.
func concatenateColumns(_ parts: [Tensor]) -> Tensor {
    let rows = parts[0].rows
    let width = parts.reduce(0) { $0 + $1.columns }
    var out = [Float](repeating: 0, count: rows * width)
    var offset = 0
    for part in parts {
        precondition(
            part.rows == rows,
            "concatenateColumns: \(part.shape) has \(part.rows) rows, not \(rows)")
        let n = part.columns
        part.withUnsafeBufferPointer { src in
            for r in 0..<rows {
                for j in 0..<n { out[r * width + offset + j] = src[r * n + j] }
            }
        }
        offset += n
    }
    return Tensor(shape: [rows, width], scalars: out)
}
