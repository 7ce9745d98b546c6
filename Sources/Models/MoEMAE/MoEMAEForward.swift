import Foundation
import Tensor

/// Scratch buffers for one slice of tiles (reused across the layers of the slice).
final class MoEMAEWorkspace {
    let rows: Int
    let normed, qkv, attended: UnsafeMutablePointer<Float>
    let patches, gateShared, gathered, hidden, mixed: UnsafeMutablePointer<Float>
    let top: UnsafeMutablePointer<Float>
    let topIndex: UnsafeMutablePointer<Int>
    let heads: AttentionWorkspace
    let routed: UnsafeMutablePointer<Int>
    let routedWeight: UnsafeMutablePointer<Float>
    /// bfloat16 inputs of the block products (bf16 precision only, else nil): LayerNorm
    /// outputs and attention outputs `[rows, m]`, and the gated SwiGLU mix `[rows, dh]`, each
    /// row padded to an even count.
    let normedBF16, attendedBF16, mixedBF16: UnsafeMutablePointer<UInt16>?
    private var all: [UnsafeMutablePointer<Float>] = []

    init(config c: MoEMAEConfig, tiles: Int, bf16: Bool = false) {
        let t = tiles * c.tokens
        rows = t
        let m = c.embedDim
        let kv = c.kvGroups * c.headDim
        let dh = c.hiddenSizes.max() ?? 1
        let e = c.expertCounts.max() ?? 1
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        let gateShared = zip(c.expertCounts, c.hiddenSizes).map { $0 + $1 }.max() ?? e + dh
        // Inputs of the linear layers end with a column of ones (the bias column of `[W | b]`).
        normed = make(t * (m + 1))
        qkv = make(t * (m + 2 * kv))
        attended = make(t * (m + 1))
        for r in 0..<t {
            (normed + r * (m + 1))[m] = 1
            (attended + r * (m + 1))[m] = 1
        }
        heads = AttentionWorkspace(queries: c.tokens, keys: c.tokens, headDim: c.headDim)
        patches = make(c.patches * c.patchValues)
        self.gateShared = make(t * gateShared)
        gathered = make(t * (m + 1))
        hidden = make(t * dh)
        mixed = make(t * (dh + 1))
        top = make(t * 2)
        routedWeight = make(t * 2)
        topIndex = .allocate(capacity: t * 2)
        routed = .allocate(capacity: t * 2)
        func makeBF16(_ columns: Int) -> UnsafeMutablePointer<UInt16>? {
            guard bf16 else { return nil }
            let n = t * BF16.rowWidth(columns)
            let p = UnsafeMutablePointer<UInt16>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        normedBF16 = makeBF16(m)
        attendedBF16 = makeBF16(m)
        mixedBF16 = makeBF16(dh)
        all = [
            normed, qkv, attended, patches, self.gateShared, gathered, hidden, mixed, top,
            routedWeight,
        ]
    }

    deinit {
        for p in all { p.deallocate() }
        topIndex.deallocate()
        routed.deallocate()
        for p in [normedBF16, attendedBF16, mixedBF16] { p?.deallocate() }
    }
}

/// `y[i, :] = bias + x[i, :] · Wᵀ` for `rows` rows (PyTorch `nn.Linear`, weight `[out, in]`):
/// the bias rows are written first and the product accumulated onto them (`beta = 1`).
@inline(__always)
func affine(
    rows: Int, inFeatures: Int, outFeatures: Int, x: UnsafePointer<Float>, ldx: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    ldy: Int, accumulate: Bool = false
) {
    guard rows > 0 else { return }
    if accumulate {
        addBiasRows(y, rows: rows, columns: outFeatures, stride: ldy, bias: bias)
    } else {
        for r in 0..<rows { (y + r * ldy).update(from: bias, count: outFeatures) }
    }
    gemm(
        .none, .transposed, m: rows, n: outFeatures, k: inFeatures, a: x, lda: ldx,
        b: weight, ldb: inFeatures, beta: 1, c: y, ldc: ldy)
}

/// `y = [x | 1] · [W | b]ᵀ` (`+ y` when `accumulate`) for `rows` rows: `x` rows hold
/// `inFeatures` values then a 1 (`ldx > inFeatures`), `weightBias` is `[out, in + 1]`.
@inline(__always)
func linearWithBiasColumn(
    rows: Int, inFeatures: Int, outFeatures: Int, x: UnsafePointer<Float>, ldx: Int,
    weightBias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, ldy: Int,
    accumulate: Bool = false
) {
    guard rows > 0 else { return }
    gemm(
        .none, .transposed, m: rows, n: outFeatures, k: inFeatures + 1, a: x, lda: ldx,
        b: weightBias, ldb: inFeatures + 1, beta: accumulate ? 1 : 0, c: y, ldc: ldy)
}

extension MoEMAEEncoder {
    /// Runs `tiles` tiles: embeddings into `residual` (`[tiles, 105, m]`), then every layer.
    func forward(
        tiles: Int, images: UnsafePointer<Float>, metadata: UnsafePointer<Float>?,
        residual x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace
    ) {
        embed(tiles: tiles, images: images, metadata: metadata, into: x, workspace: w)
        for layer in 0..<config.depth {
            if let bf16 {
                attentionBF16(layer: layer, tiles: tiles, x: x, workspace: w, weights: bf16)
                mixtureBF16(
                    layer: layer, rows: tiles * config.tokens, x: x, workspace: w, weights: bf16)
            } else if let packed {
                attentionPacked(layer: layer, tiles: tiles, x: x, workspace: w, weights: packed)
                mixturePacked(
                    layer: layer, rows: tiles * config.tokens, x: x, workspace: w,
                    weights: packed)
            } else {
                attention(layer: layer, tiles: tiles, x: x, workspace: w)
                mixture(layer: layer, rows: tiles * config.tokens, x: x, workspace: w)
            }
        }
    }

    /// Tokens = [week, hour, lat, lon, CLS, patches] + pos_embed.
    func embed(
        tiles: Int, images: UnsafePointer<Float>, metadata: UnsafePointer<Float>?,
        into x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace
    ) {
        let c = config
        let m = c.embedDim
        let n = c.tokens
        let p = c.patchSize
        let side = c.imageSize
        let g = c.grid
        let pos = arena.pointer("pos_embed")
        let cls = arena.pointer("cls_token")
        let patchW = arena.pointer("patch_proj.weight")
        let patchB = arena.pointer("patch_proj.bias")
        let metaW = MoEMAEConfig.metaProjections.map { arena.pointer("\($0).weight") }
        let metaB = MoEMAEConfig.metaProjections.map { arena.pointer("\($0).bias") }
        let imageCount = c.channels * side * side
        for t in 0..<tiles {
            let tileX = x + t * n * m
            tileX.update(from: pos, count: n * m)
            for j in 0..<MoEMAEConfig.metaTokens {
                let row = tileX + j * m
                let (wj, bj) = (metaW[j], metaB[j])
                let s = metadata?[t * 8 + 2 * j] ?? 0
                let co = metadata?[t * 8 + 2 * j + 1] ?? 0
                for o in 0..<m { row[o] += (wj[2 * o] * s + wj[2 * o + 1] * co) + bj[o] }
            }
            let clsRow = tileX + MoEMAEConfig.clsIndex * m
            for o in 0..<m { clsRow[o] += cls[o] }
            // Patches flattened in (c, ky, kx) order, row-major over the grid.
            let img = images + t * imageCount
            let pv = c.patchValues
            for gy in 0..<g {
                for gx in 0..<g {
                    var dst = w.patches + (gy * g + gx) * pv
                    for ch in 0..<c.channels {
                        for ky in 0..<p {
                            let src = img + ch * side * side + (gy * p + ky) * side + gx * p
                            dst.update(from: src, count: p)
                            dst += p
                        }
                    }
                }
            }
            affine(
                rows: c.patches, inFeatures: pv, outFeatures: m, x: w.patches, ldx: pv,
                weight: patchW, bias: patchB, y: tileX + (MoEMAEConfig.clsIndex + 1) * m, ldy: m,
                accumulate: true)
        }
    }

    /// x += out_proj(GQA(LN1(x))) for every tile.
    func attention(
        layer i: Int, tiles: Int, x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace
    ) {
        let c = config
        let m = c.embedDim
        let n = c.tokens
        let hd = c.headDim
        let groups = c.kvGroups
        let kv = groups * hd
        let rows = tiles * n
        let width = m + 2 * kv
        let p = "layers.\(i)."
        layerNormRows(
            x, stride: m, into: w.normed, stride: m + 1, rows: rows, columns: m,
            weight: arena.pointer(p + "norm1.weight"), bias: arena.pointer(p + "norm1.bias"),
            eps: c.layerNormEpsilon)
        // [q | k | v] side by side in one [rows, m + 2·kv] product.
        linearWithBiasColumn(
            rows: rows, inFeatures: m, outFeatures: width, x: w.normed,
            ldx: m + 1, weightBias: arena.pointer(p + "attn.qkv.wb"), y: w.qkv, ldy: width)
        attentionHeads(tiles: tiles, workspace: w)
        linearWithBiasColumn(
            rows: rows, inFeatures: m, outFeatures: m, x: w.attended,
            ldx: m + 1, weightBias: arena.pointer(p + "attn.out_proj.wb"), y: x, ldy: m,
            accumulate: true)
    }

    /// `attended[t, h] = softmax(q_h k_gᵀ / √hd) v_g` for every tile and head from the
    /// `[rows, m + 2·kv]` q|k|v of `w.qkv` (fused kernel; `bf16`: its products in bfloat16).
    func attentionHeads(tiles: Int, workspace w: MoEMAEWorkspace, bf16: Bool = false) {
        let c = config
        let m = c.embedDim
        let n = c.tokens
        let hd = c.headDim
        let groups = c.kvGroups
        let kv = groups * hd
        let width = m + 2 * kv
        let scale = 1 / Float(hd).squareRoot()
        for t in 0..<tiles {
            let tile = w.qkv + t * n * width
            for h in 0..<c.heads {
                let g = h % groups  // spec §2.3: head h uses key/value group h mod G
                attentionHead(
                    queries: n, keys: n, headDim: hd, scale: scale,
                    q: tile + h * hd, ldq: width, k: tile + m + g * hd, ldk: width,
                    v: tile + m + kv + g * hd, ldv: width,
                    out: w.attended + t * n * (m + 1) + h * hd, ldo: m + 1,
                    workspace: w.heads, bf16: bf16)
            }
        }
    }

    /// Top-2 routing of `rows` tokens on the clean gate logits (the first `experts` values of
    /// each `width`-wide row of `w.gateShared`): the chosen experts in `w.topIndex` and the
    /// softmax over the two selected logits in `w.top`.
    func route(rows: Int, experts: Int, width: Int, workspace w: MoEMAEWorkspace) {
        for r in 0..<rows {
            topKRow(
                w.gateShared + r * width, columns: experts, k: 2, values: w.top + 2 * r,
                indices: w.topIndex + 2 * r)
            let e = exp(w.top[2 * r + 1] - w.top[2 * r])
            let sum = 1 + e
            w.top[2 * r] = 1 / sum
            w.top[2 * r + 1] = e / sum
        }
    }

    /// The tokens routed to expert `e` into `w.routed` (ascending) with their gate weights in
    /// `w.routedWeight`; returns their count.
    func tokens(routedTo e: Int, rows: Int, workspace w: MoEMAEWorkspace) -> Int {
        var count = 0
        for r in 0..<rows {
            for s in 0..<2 where w.topIndex[2 * r + s] == e {
                w.routed[count] = r
                w.routedWeight[count] = w.top[2 * r + s]
                count += 1
            }
        }
        return count
    }

    /// x += MoE(LN2(x)) with clean top-2 routing; shared V/W2 applied once (fused form).
    func mixture(
        layer i: Int, rows: Int, x: UnsafeMutablePointer<Float>, workspace w: MoEMAEWorkspace
    ) {
        let c = config
        let m = c.embedDim
        let dh = c.hiddenSizes[i]
        let experts = c.expertCounts[i]
        let p = "layers.\(i).moe."
        let width = experts + dh
        layerNormRows(
            x, stride: m, into: w.normed, stride: m + 1, rows: rows, columns: m,
            weight: arena.pointer("layers.\(i).norm2.weight"),
            bias: arena.pointer("layers.\(i).norm2.bias"), eps: c.layerNormEpsilon)
        // [clean gate logits | shared V z + b_V] in one [rows, E + dh] product.
        linearWithBiasColumn(
            rows: rows, inFeatures: m, outFeatures: width, x: w.normed,
            ldx: m + 1, weightBias: arena.pointer(p + "gate_v.wb"), y: w.gateShared,
            ldy: width)
        route(rows: rows, experts: experts, width: width, workspace: w)
        // mixed = Σ over the two chosen experts of g · SiLU(W_e z + b_e), expert by expert.
        let ldm = dh + 1  // mixed rows: dh values, then the 1 of W2's bias column
        for r in 0..<rows {
            (w.mixed + r * ldm).update(repeating: 0, count: dh)
            (w.mixed + r * ldm)[dh] = 1
        }
        for e in 0..<experts {
            let count = tokens(routedTo: e, rows: rows, workspace: w)
            guard count > 0 else { continue }
            for j in 0..<count {
                (w.gathered + j * (m + 1)).update(
                    from: w.normed + w.routed[j] * (m + 1), count: m + 1)
            }
            linearWithBiasColumn(
                rows: count, inFeatures: m, outFeatures: dh, x: w.gathered,
                ldx: m + 1, weightBias: arena.pointer(p + "experts.\(e).W.wb"), y: w.hidden,
                ldy: dh)
            Activation.silu.apply(w.hidden, count: count * dh)
            for j in 0..<count {
                let dst = w.mixed + w.routed[j] * ldm
                let src = w.hidden + j * dh
                let g = w.routedWeight[j]
                for k in 0..<dh { dst[k] += g * src[k] }
            }
        }
        // mixed ⊙= V z + b_V, then x += W2 · mixed + b_W2.
        for r in 0..<rows {
            let mixedRow = w.mixed + r * ldm
            let shared = w.gateShared + r * width + experts
            for k in 0..<dh { mixedRow[k] *= shared[k] }
        }
        linearWithBiasColumn(
            rows: rows, inFeatures: dh, outFeatures: m, x: w.mixed, ldx: ldm,
            weightBias: arena.pointer(p + "experts.0.W2.wb"), y: x, ldy: m, accumulate: true)
    }
}
