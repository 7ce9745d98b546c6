import Tensor

/// The per-variable embedding MLPs of one stream (dynamic or static), rearranged at load so
/// that the sum over variables is one matrix product (spec §2.2):
/// `Σ_v W2_v · GELU(W1_v x_v + b1_v) + b2_v = W2cat · [GELU(W1_v x_v + b1_v)]_v + Σ_v b2_v`.
struct VariableEmbeddings: Sendable {
    /// `W1_v` and `b1_v` of every variable, variable-major: `[variables · hidden]` each.
    let firstWeight: [Float]
    let firstBias: [Float]
    /// `[d, variables · hidden]`: column block `v` is `W2_v`.
    let secondWeight: Tensor
    /// `Σ_v b2_v`, `[d]`.
    let secondBiasSum: Tensor
    let variables: Int
    let hidden: Int

    /// Loads `<prefix>1.<v>.weight [hidden, 1]`, `.bias [hidden]`, `<prefix>2.<v>.weight
    /// [d, hidden]`, `.bias [d]` for every variable `v` (e.g. prefix
    /// `pretrained_model.time_series_embedding.embeddings`).
    init(store: WeightStore, prefix: String, names: [String], d: Int, hidden: Int) throws {
        var w1: [Float] = []
        var b1: [Float] = []
        var w2 = [Float](repeating: 0, count: d * names.count * hidden)
        var b2 = [Float](repeating: 0, count: d)
        let width = names.count * hidden
        for (v, name) in names.enumerated() {
            w1 += try store.tensor("\(prefix)1.\(name).weight", shape: [hidden, 1]).scalars
            b1 += try store.tensor("\(prefix)1.\(name).bias", shape: [hidden]).scalars
            let second = try store.tensor("\(prefix)2.\(name).weight", shape: [d, hidden]).scalars
            for o in 0..<d {
                for j in 0..<hidden { w2[o * width + v * hidden + j] = second[o * hidden + j] }
            }
            let bias = try store.tensor("\(prefix)2.\(name).bias", shape: [d]).scalars
            for o in 0..<d { b2[o] += bias[o] }
        }
        firstWeight = w1
        firstBias = b1
        secondWeight = Tensor(shape: [d, width], scalars: w2)
        secondBiasSum = Tensor(shape: [d], scalars: b2)
        variables = names.count
        self.hidden = hidden
    }

    /// Embeds `rows` rows of `variables` values each (row-major at `values`).
    /// - Returns: `[rows, d]`, the sum of the variables' embeddings per row.
    func embed(_ values: UnsafePointer<Float>, rows: Int) -> Tensor {
        let width = variables * hidden
        var activations = Tensor(zeros: [rows, width])
        activations.withUnsafeMutableBufferPointer { ap in
            let a = ap.baseAddress!
            for r in 0..<rows {
                let row = a + r * width
                for v in 0..<variables {
                    let x = values[r * variables + v]
                    for j in 0..<hidden {
                        row[v * hidden + j] =
                            x * firstWeight[v * hidden + j] + firstBias[v * hidden + j]
                    }
                }
            }
            Activation.gelu.apply(a, count: rows * width)
        }
        return linear(activations, weight: secondWeight, bias: secondBiasSum)
    }
}

/// A PyTorch `nn.Linear`: weight `[out, in]`, bias `[out]`.
struct LinearWeights: Sendable {
    let weight: Tensor
    let bias: Tensor

    init(store: WeightStore, _ name: String, out: Int, in inFeatures: Int) throws {
        weight = try store.tensor("\(name).weight", shape: [out, inFeatures])
        bias = try store.tensor("\(name).bias", shape: [out])
    }

    /// The layer on `x`; with `days`, `x` is `[g·days, in]`, the rows of `g` sequences, and
    /// each sequence is a product of its own, so its values do not depend on the others.
    func callAsFunction(_ x: Tensor, sequencesOf days: Int? = nil) -> Tensor {
        linear(x, weight: weight, bias: bias, blockRows: days)
    }
}

/// A PyTorch `nn.LayerNorm(d)` (eps 1e-5).
struct NormWeights: Sendable {
    let weight: Tensor
    let bias: Tensor

    init(store: WeightStore, _ name: String, d: Int) throws {
        weight = try store.tensor("\(name).weight", shape: [d])
        bias = try store.tensor("\(name).bias", shape: [d])
    }

    func apply(_ x: inout Tensor) { layerNorm(&x, weight: weight, bias: bias, eps: 1e-5) }
}

/// One post-norm `nn.TransformerEncoderLayer` with ReLU (spec §2.4); `in_proj` split at load
/// into the query, key and value projections.
struct EncoderLayerWeights: Sendable {
    let query: LinearWeights, key: LinearWeights, value: LinearWeights
    let output: LinearWeights
    let feedForward1: LinearWeights, feedForward2: LinearWeights
    let norm1: NormWeights, norm2: NormWeights

    init(store: WeightStore, prefix p: String, d: Int, feedForward: Int) throws {
        let inWeight = try store.tensor("\(p).self_attn.in_proj_weight", shape: [3 * d, d])
        let inBias = try store.tensor("\(p).self_attn.in_proj_bias", shape: [3 * d])
        func part(_ i: Int) -> LinearWeights {
            LinearWeights(
                weight: Tensor(
                    shape: [d, d], scalars: Array(inWeight.scalars[(i * d * d)..<((i + 1) * d * d)])
                ),
                bias: Tensor(shape: [d], scalars: Array(inBias.scalars[(i * d)..<((i + 1) * d)])))
        }
        query = part(0)
        key = part(1)
        value = part(2)
        output = try LinearWeights(store: store, "\(p).self_attn.out_proj", out: d, in: d)
        feedForward1 = try LinearWeights(store: store, "\(p).linear1", out: feedForward, in: d)
        feedForward2 = try LinearWeights(store: store, "\(p).linear2", out: d, in: feedForward)
        norm1 = try NormWeights(store: store, "\(p).norm1", d: d)
        norm2 = try NormWeights(store: store, "\(p).norm2", d: d)
    }
}

extension LinearWeights {
    init(weight: Tensor, bias: Tensor) {
        self.weight = weight
        self.bias = bias
    }
}

/// The δMG head's weights (spec §3.1 / §5.2).
struct HeadWeights: Sendable {
    let embeddingNorm: NormWeights
    let embeddingScale: Float
    /// Dual-residual adapter (nil for adapter `none`).
    let adapter:
        (
            time: LinearWeights, static: LinearWeights, combined1: LinearWeights,
            combined2: LinearWeights, norm1: NormWeights, norm2: NormWeights
        )?
    let lstm: LSTMWeights
    let preLSTM: LinearWeights?
    let postLSTM: LinearWeights?
    let projection: LinearWeights

    init(store: WeightStore, head: StefaLandConfiguration.Head, d: Int, dynamic: Int, statics: Int)
        throws
    {
        embeddingNorm = try NormWeights(store: store, "embedding_norm", d: d)
        embeddingScale = try store.tensor("embedding_scale", shape: [1]).scalars[0]
        if head.adapter == "dual_residual" {
            adapter = (
                time: try LinearWeights(
                    store: store, "adapter.time_transform.0", out: d, in: dynamic),
                static: try LinearWeights(
                    store: store, "adapter.static_transform.0", out: d, in: statics),
                combined1: try LinearWeights(
                    store: store, "adapter.combined_transform.0", out: 2 * d, in: 3 * d),
                combined2: try LinearWeights(
                    store: store, "adapter.combined_transform.3", out: d, in: 2 * d),
                norm1: try NormWeights(store: store, "adapter.layer_norm1", d: d),
                norm2: try NormWeights(store: store, "adapter.layer_norm2", d: d)
            )
        } else {
            adapter = nil
        }
        lstm = LSTMWeights(
            weightIH: try store.tensor("decoder.w_ih", shape: [4 * d, d]),
            weightHH: try store.tensor("decoder.w_hh", shape: [4 * d, d]),
            biasIH: try store.tensor("decoder.b_ih", shape: [4 * d]),
            biasHH: try store.tensor("decoder.b_hh", shape: [4 * d]))
        let wide = d + dynamic + statics
        if head.residualLSTM {
            preLSTM = try LinearWeights(store: store, "pre_lstm", out: d, in: wide)
            postLSTM = try LinearWeights(store: store, "post_lstm", out: d, in: wide)
        } else {
            preLSTM = nil
            postLSTM = nil
        }
        projection = try LinearWeights(store: store, "projection", out: head.outputs, in: d)
    }
}
