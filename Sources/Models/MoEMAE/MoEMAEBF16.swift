import Tensor

/// The block weights of a MoE-MAE encoder packed once to bfloat16 for `--precision bf16`
/// (`[W | b]` of the model's arena: W rounded to bfloat16, b kept float32). The gate logits
/// stay float32 (the routing decision is the step most sensitive to rounding), as do the patch
/// and metadata embeddings, LayerNorm, attention, softmax, SiLU and the residual stream.
final class MoEMAEBF16Weights: @unchecked Sendable {
    struct Layer {
        /// q|k|v `[m + 2·kv, m]`, out_proj `[m, m]`, the shared V `[dh, m]`, W2 `[m, dh]`.
        let qkv, outProj, sharedV, w2: BF16Weights
        /// Each expert's W `[dh, m]`.
        let experts: [BF16Weights]
        /// The gate logits `[E, m]`, float32 (packed for ``Tensor/PackedGemm``).
        let gate: PackedWeights
    }

    let layers: [Layer]

    init(config c: MoEMAEConfig, arena: WeightArena) {
        let m = c.embedDim
        let kv = c.kvGroups * c.headDim
        func pack(_ name: String, rows: Int, from first: Int = 0, inFeatures: Int)
            -> BF16Weights
        {
            let wb = arena.pointer(name) + first * (inFeatures + 1)
            return BF16Weights(
                weight: wb, ldw: inFeatures + 1, outFeatures: rows, inFeatures: inFeatures,
                bias: wb + inFeatures, biasStride: inFeatures + 1)
        }
        layers = (0..<c.depth).map { i in
            let (dh, experts) = (c.hiddenSizes[i], c.expertCounts[i])
            let a = "layers.\(i).attn."
            let e = "layers.\(i).moe."
            return Layer(
                qkv: pack(a + "qkv.wb", rows: m + 2 * kv, inFeatures: m),
                outProj: pack(a + "out_proj.wb", rows: m, inFeatures: m),
                sharedV: pack(e + "gate_v.wb", rows: dh, from: experts, inFeatures: m),
                w2: pack(e + "experts.0.W2.wb", rows: m, inFeatures: dh),
                experts: (0..<experts).map {
                    pack(e + "experts.\($0).W.wb", rows: dh, inFeatures: m)
                },
                gate: PackedWeights(
                    weight: arena.pointer(e + "gate_v.wb"), ldw: m + 1, outFeatures: experts,
                    inFeatures: m, bias: arena.pointer(e + "gate_v.wb") + m, biasStride: m + 1))
        }
    }
}

extension MoEMAEEncoder {
    /// ``attention(layer:tiles:x:workspace:)`` with bfloat16 q|k|v and out_proj products.
    func attentionBF16(
        layer i: Int, tiles: Int, x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace,
        weights: MoEMAEBF16Weights
    ) {
        let c = config
        let m = c.embedDim
        let rows = tiles * c.tokens
        let width = m + 2 * c.kvGroups * c.headDim
        let ldb = BF16.rowWidth(m)
        let layer = weights.layers[i]
        let p = "layers.\(i)."
        guard let normed = w.normedBF16, let attended = w.attendedBF16 else {
            preconditionFailure("bf16 forward without bf16 buffers")
        }
        layerNormRows(
            x, stride: m, into: w.normed, stride: m + 1, rows: rows, columns: m,
            weight: arena.pointer(p + "norm1.weight"), bias: arena.pointer(p + "norm1.bias"),
            eps: c.layerNormEpsilon)
        BF16.convert(rows: rows, columns: m, x: w.normed, ldx: m + 1, out: normed, ldo: ldb)
        BF16.linear(rows: rows, x: normed, ldx: ldb, weights: layer.qkv, y: w.qkv, ldy: width)
        attentionHeads(tiles: tiles, workspace: w, bf16: true)
        BF16.convert(
            rows: rows, columns: m, x: w.attended, ldx: m + 1, out: attended, ldo: ldb)
        BF16.linear(
            rows: rows, x: attended, ldx: ldb, weights: layer.outProj, y: x, ldy: m,
            accumulate: true)
    }

    /// ``mixture(layer:rows:x:workspace:)`` with bfloat16 V, expert and W2 products (gate
    /// logits in float32). Each expert reads its routed rows in place and adds
    /// `g · SiLU(W_e z + b_e)` straight into the mix (no gather, no scratch).
    func mixtureBF16(
        layer i: Int, rows: Int, x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace,
        weights: MoEMAEBF16Weights
    ) {
        let c = config
        let m = c.embedDim
        let dh = c.hiddenSizes[i]
        let experts = c.expertCounts[i]
        let width = experts + dh
        let layer = weights.layers[i]
        let ldb = BF16.rowWidth(m)
        let ldh = BF16.rowWidth(dh)
        guard let normed = w.normedBF16, let mixedBF16 = w.mixedBF16 else {
            preconditionFailure("bf16 forward without bf16 buffers")
        }
        layerNormRows(
            x, stride: m, into: w.normed, stride: m + 1, rows: rows, columns: m,
            weight: arena.pointer("layers.\(i).norm2.weight"),
            bias: arena.pointer("layers.\(i).norm2.bias"), eps: c.layerNormEpsilon)
        // Gate logits in float32 (first `experts` rows of [Wg | b; V | b_V]).
        PackedGemm.linear(
            rows: rows, x: w.normed, ldx: m + 1, weights: layer.gate, y: w.gateShared,
            ldy: width)
        BF16.convert(rows: rows, columns: m, x: w.normed, ldx: m + 1, out: normed, ldo: ldb)
        BF16.linear(
            rows: rows, x: normed, ldx: ldb, weights: layer.sharedV, y: w.gateShared + experts,
            ldy: width)
        route(rows: rows, experts: experts, width: width, workspace: w)
        for r in 0..<rows { (w.mixed + r * dh).update(repeating: 0, count: dh) }
        for e in 0..<experts {
            let count = tokens(routedTo: e, rows: rows, workspace: w)
            BF16.expertSiLU(
                count: count, tokens: w.routed, x: normed, ldx: ldb, weights: layer.experts[e],
                gain: w.routedWeight, y: w.mixed, ldy: dh)
        }
        // bf16(mix ⊙ (V z + b_V)), then x += W2 · that + b_W2.
        BF16.convert(
            rows: rows, columns: dh, x: w.mixed, ldx: dh, multiplier: w.gateShared + experts,
            ldm: width, out: mixedBF16, ldo: ldh)
        BF16.linear(
            rows: rows, x: mixedBF16, ldx: ldh, weights: layer.w2, y: x, ldy: m, accumulate: true)
    }
}
