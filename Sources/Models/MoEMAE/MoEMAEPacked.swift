import Tensor

/// The block weights of a MoE-MAE encoder packed once for the float32 kernels of
/// ``Tensor/PackedGemm`` (fp32 precision at kernel level `avx512` and above): q|k|v, out_proj,
/// [gate | shared V], each expert's W and W2, from the `[W | b]` matrices of the arena.
final class MoEMAEPackedWeights: @unchecked Sendable {
    struct Layer {
        /// q|k|v `[m + 2·kv, m]`, out_proj `[m, m]`, [gate logits | V] `[E + dh, m]`,
        /// W2 `[m, dh]`.
        let qkv, outProj, gateV, w2: PackedWeights
        /// Each expert's W `[dh, m]`.
        let experts: [PackedWeights]
    }

    let layers: [Layer]

    init(config c: MoEMAEConfig, arena: WeightArena) {
        let m = c.embedDim
        let kv = c.kvGroups * c.headDim
        func pack(_ name: String, rows: Int, inFeatures: Int) -> PackedWeights {
            let wb = arena.pointer(name)
            return PackedWeights(
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
                gateV: pack(e + "gate_v.wb", rows: experts + dh, inFeatures: m),
                w2: pack(e + "experts.0.W2.wb", rows: m, inFeatures: dh),
                experts: (0..<experts).map {
                    pack(e + "experts.\($0).W.wb", rows: dh, inFeatures: m)
                })
        }
    }
}

extension MoEMAEEncoder {
    /// ``attention(layer:tiles:x:workspace:)`` with the packed float32 products.
    func attentionPacked(
        layer i: Int, tiles: Int, x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace,
        weights: MoEMAEPackedWeights
    ) {
        let c = config
        let m = c.embedDim
        let rows = tiles * c.tokens
        let width = m + 2 * c.kvGroups * c.headDim
        let layer = weights.layers[i]
        let p = "layers.\(i)."
        layerNormRows(
            x, stride: m, into: w.normed, stride: m + 1, rows: rows, columns: m,
            weight: arena.pointer(p + "norm1.weight"), bias: arena.pointer(p + "norm1.bias"),
            eps: c.layerNormEpsilon)
        PackedGemm.linear(
            rows: rows, x: w.normed, ldx: m + 1, weights: layer.qkv, y: w.qkv, ldy: width)
        attentionHeads(tiles: tiles, workspace: w)
        PackedGemm.linear(
            rows: rows, x: w.attended, ldx: m + 1, weights: layer.outProj, y: x, ldy: m,
            accumulate: true)
    }

    /// ``mixture(layer:rows:x:workspace:)`` with the packed float32 products: each expert reads
    /// its routed rows in place and adds `g · SiLU(W_e z + b_e) ⊙ (V z + b_V)` straight into
    /// the mix (no gather, no scratch, no separate SiLU or ⊙ pass), then `x += W2 · mix + b_W2`.
    func mixturePacked(
        layer i: Int, rows: Int, x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace,
        weights: MoEMAEPackedWeights
    ) {
        let c = config
        let m = c.embedDim
        let dh = c.hiddenSizes[i]
        let experts = c.expertCounts[i]
        let width = experts + dh
        let layer = weights.layers[i]
        layerNormRows(
            x, stride: m, into: w.normed, stride: m + 1, rows: rows, columns: m,
            weight: arena.pointer("layers.\(i).norm2.weight"),
            bias: arena.pointer("layers.\(i).norm2.bias"), eps: c.layerNormEpsilon)
        // [clean gate logits | shared V z + b_V] in one [rows, E + dh] product.
        PackedGemm.linear(
            rows: rows, x: w.normed, ldx: m + 1, weights: layer.gateV, y: w.gateShared,
            ldy: width)
        route(rows: rows, experts: experts, width: width, workspace: w)
        w.mixed.update(repeating: 0, count: rows * dh)
        for e in 0..<experts {
            let count = tokens(routedTo: e, rows: rows, workspace: w)
            PackedGemm.expertSiLU(
                count: count, tokens: w.routed, x: w.normed, ldx: m + 1,
                weights: layer.experts[e], gain: w.routedWeight,
                multiplier: w.gateShared + experts, ldm: width, y: w.mixed, ldy: dh)
        }
        PackedGemm.linear(
            rows: rows, x: w.mixed, ldx: dh, weights: layer.w2, y: x, ldy: m, accumulate: true)
    }
}
