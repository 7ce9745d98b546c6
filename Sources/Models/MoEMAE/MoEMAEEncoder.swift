import Foundation
package import Tensor

/// The Geo MoE-MAE encoder with deterministic routing (spec §2): patch embedding, four metadata
/// tokens and CLS, learned positions on all 105 tokens, then pre-norm layers of grouped-query
/// attention (query head h reads key/value group h mod G) and a top-2 mixture of SwiGLU experts
/// routed on the CLEAN gate logits, the two selected logits softmaxed. The output is the residual
/// stream before the final LayerNorm (the embedding the published probes use).
///
/// Batched: a batch of tiles is split into slices over the cores; within a slice, the b·105
/// tokens go through each linear layer as one matrix product, attention runs per tile and head
/// on strided slices, and each expert is one product over the tokens routed to it. The shared
/// `V`/`W2` of a layer are applied once to the gate-weighted sum of the two experts' SiLU(W z)
/// (the exact fusion of spec §2.3, equal up to rounding).
package struct MoEMAEEncoder: Sendable {
    /// The hyper-parameters.
    package let config: MoEMAEConfig
    /// The precision the block products run in (``MatmulPrecision/bf16`` only where the CPU has
    /// AVX512_BF16: a bf16 request elsewhere gives fp32, see ``precisionNotice``).
    package let precision: MatmulPrecision
    /// Set when the requested precision could not be used (one line, e.g. bf16 on a CPU
    /// without AVX512_BF16).
    package let precisionNotice: String?
    let arena: WeightArena
    /// The block weights packed to bfloat16 (bf16 precision only).
    let bf16: MoEMAEBF16Weights?
    /// The block weights packed for the float32 kernels (fp32 precision at kernel level
    /// `avx512` and above; else the products go through BLAS).
    let packed: MoEMAEPackedWeights?

    /// Builds the encoder from a strict weight store (spec §4.3 names, the shared `V`/`W2`
    /// under expert 0), consuming exactly the encoder's tensors. The caller calls
    /// `verifyAllConsumed()` once every other part (e.g. a head) has taken its tensors.
    /// `precision` `.bf16` packs the block weights to bfloat16 once, here (fp32 with a
    /// ``precisionNotice`` where the CPU lacks AVX512_BF16).
    /// - Throws: ``ModelError`` naming a missing or misshapen tensor; ``MoEMAEError`` for an
    ///   invalid configuration.
    package init(config: MoEMAEConfig, store: WeightStore, precision: MatmulPrecision = .fp32)
        throws
    {
        try config.validate()
        var tensors: [String: Tensor] = [:]
        var order: [String] = []
        for (name, shape) in config.tensorShapes {
            tensors[name] = try store.tensor(name, shape: shape)
            order.append(name)
        }
        // Each linear layer of the blocks is stored as one augmented [out, in + 1] matrix
        // `[W | b]` (`NAME.wb`): the forward pass appends a column of ones to its inputs, so
        // the bias comes out of the matrix product itself (no bias pass over the outputs).
        // Products that read the same input are one product (BLAS packs the input once):
        // q/k/v as `attn.qkv`, the gate and the shared V as `moe.gate_v` (rows in that order).
        var fused: [(String, Tensor)] = []
        var replaced = Set<String>()
        for i in 0..<config.depth {
            let a = "layers.\(i).attn."
            let e = "layers.\(i).moe."
            var groups = [
                (a + "qkv", [a + "q_proj", a + "k_proj", a + "v_proj"]),
                (a + "out_proj", [a + "out_proj"]),
                (e + "gate_v", [e + "gate.Wg", e + "experts.0.V"]),
                (e + "experts.0.W2", [e + "experts.0.W2"]),
            ]
            for expert in 0..<config.expertCounts[i] {
                groups.append((e + "experts.\(expert).W", [e + "experts.\(expert).W"]))
            }
            for (name, parts) in groups {
                let weights = parts.map { tensors[$0 + ".weight"]! }
                let biases = parts.map { tensors[$0 + ".bias"]! }
                fused.append((name + ".wb", Self.augmented(weights, biases)))
                replaced.formUnion(parts.flatMap { [$0 + ".weight", $0 + ".bias"] })
            }
        }
        self.config = config
        let arena = WeightArena(
            order.filter { !replaced.contains($0) }.map { ($0, tensors[$0]!) } + fused)
        self.arena = arena
        (self.precision, self.precisionNotice) = precision.effective
        bf16 =
            self.precision == .bf16 ? MoEMAEBF16Weights(config: config, arena: arena) : nil
        packed =
            self.precision == .fp32 && PackedGemm.available
            ? MoEMAEPackedWeights(config: config, arena: arena) : nil
    }

    /// `[W | b]`: the `[out, in]` weights stacked along `out`, each row followed by its bias.
    static func augmented(_ weights: [Tensor], _ biases: [Tensor]) -> Tensor {
        let inFeatures = weights[0].shape[1]
        let rows = weights.map { $0.shape[0] }.reduce(0, +)
        var scalars: [Float] = []
        scalars.reserveCapacity(rows * (inFeatures + 1))
        for (w, b) in zip(weights, biases) {
            for o in 0..<w.shape[0] {
                scalars += w.scalars[(o * inFeatures)..<((o + 1) * inFeatures)]
                scalars.append(b.scalars[o])
            }
        }
        return Tensor(shape: [rows, inFeatures + 1], scalars: scalars)
    }

    /// Builds the encoder from exactly its named tensors (strict: a missing, misshapen or
    /// extra tensor is a ``ModelError`` naming it and `path`).
    package init(
        config: MoEMAEConfig, tensors: [(name: String, tensor: Tensor)], path: String,
        precision: MatmulPrecision = .fp32
    ) throws {
        let store = WeightStore(tensors, path: path)
        try self.init(config: config, store: store, precision: precision)
        try store.verifyAllConsumed()
    }

    /// Pre-final-LayerNorm tokens of a batch of tiles.
    /// - Parameters:
    ///   - images: `[B, channels, 40, 40]`, already centre-cropped and z-scored.
    ///   - metadata: `[B, 8]` = [week sin, cos, hour sin, cos, lat sin, cos, lon sin, cos] per
    ///     tile, a missing pair being (0, 0); `nil` means no metadata for any tile.
    ///   - tilesPerSlice: tiles processed together by one task (memory ≈ 60 KB per tile for S).
    ///   - tasks: slices run at once (default: the number of cores).
    ///   - slices: the slices themselves (contiguous ranges covering `0..<B` in order), instead
    ///     of `tilesPerSlice`: a tile's output then depends only on the tiles of its slice
    ///     (the products of a slice are blocked over its rows, so other tiles beside it change
    ///     its rounding).
    /// - Returns: `[B, 105, m]`.
    /// - Throws: ``MoEMAEError/badInput(_:)`` when a shape is wrong.
    package func tokens(
        images: Tensor, metadata: Tensor? = nil, tilesPerSlice: Int = defaultTilesPerSlice,
        tasks: Int = defaultTaskCount, slices: [Range<Int>]? = nil
    ) throws -> Tensor {
        let c = config
        let tile = [c.channels, c.imageSize, c.imageSize]
        guard images.rank == 4, Array(images.shape.dropFirst()) == tile else {
            throw MoEMAEError.badInput("images have shape \(images.shape), expected [B] + \(tile)")
        }
        let batch = images.shape[0]
        if let metadata, metadata.shape != [batch, 2 * MoEMAEConfig.metaTokens] {
            throw MoEMAEError.badInput(
                "metadata has shape \(metadata.shape), expected [\(batch), 8]")
        }
        var out = Tensor(zeros: [batch, c.tokens, c.embedDim])
        guard batch > 0 else { return out }
        let sliceCount = max(tasks, (batch + max(tilesPerSlice, 1) - 1) / max(tilesPerSlice, 1))
        let ranges = slices ?? splitRanges(count: batch, parts: sliceCount)
        guard ranges.first?.lowerBound == 0, ranges.last?.upperBound == batch,
            zip(ranges, ranges.dropFirst()).allSatisfy({ $0.upperBound == $1.lowerBound }),
            ranges.allSatisfy({ !$0.isEmpty })
        else {
            throw MoEMAEError.badInput("slices \(ranges) do not cover the \(batch) tiles in order")
        }
        let tokensPerTile = c.tokens * c.embedDim
        let imageCount = c.channels * c.imageSize * c.imageSize
        images.withUnsafeBufferPointer { imagePointer in
            withOptionalBuffer(metadata) { metaPointer in
                out.withUnsafeMutableBufferPointer { outPointer in
                    let dst = UnsafeSendablePointer(outPointer.baseAddress!)
                    let img = UnsafeSendablePointer(
                        UnsafeMutablePointer(
                            mutating: imagePointer.baseAddress!))
                    let meta = metaPointer.map {
                        UnsafeSendablePointer(UnsafeMutablePointer(mutating: $0))
                    }
                    let encoder = self
                    try? parallelRanges(count: ranges.count, parts: tasks) { which in
                        let workspace = MoEMAEWorkspace(
                            config: encoder.config,
                            tiles: ranges.map(\.count).max() ?? 1,
                            bf16: encoder.bf16 != nil)
                        for index in which {
                            let r = ranges[index]
                            encoder.forward(
                                tiles: r.count,
                                images: img.pointer + r.lowerBound * imageCount,
                                metadata: meta.map { $0.pointer + r.lowerBound * 8 },
                                residual: dst.pointer + r.lowerBound * tokensPerTile,
                                workspace: workspace)
                        }
                    }
                }
            }
        }
        return out
    }

    /// The final LayerNorm of the encoder applied to pre-LN tokens (what the MAE decoder sees).
    /// - Parameter tokens: `[..., m]`.
    package func normalized(_ tokens: Tensor) -> Tensor {
        var y = tokens
        let m = config.embedDim
        let (w, b) = (arena.pointer("norm.weight"), arena.pointer("norm.bias"))
        y.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            layerNormRows(
                base, rows: p.count / m, columns: m, stride: m, weight: w, bias: b,
                eps: config.layerNormEpsilon)
        }
        return y
    }

    /// Tiles one task runs through each layer together (see
    /// ``tokens(images:metadata:tilesPerSlice:tasks:)``).
    /// 8 keeps a slice's buffers (840 token rows; the q|k|v product alone is 840 × 288 floats)
    /// within L2 cache: measured 10–40 % faster than 32 on the S encoder, 1 task
    /// (docs/benchmarks.md).
    package static let defaultTilesPerSlice = 8

    /// Cores available to ``tokens(images:metadata:tilesPerSlice:tasks:)``.
    package static var defaultTaskCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

@inline(__always)
func withOptionalBuffer<R>(
    _ t: Tensor?, _ body: (UnsafePointer<Float>?) -> R
) -> R {
    guard let t else { return body(nil) }
    return t.withUnsafeBufferPointer { body($0.baseAddress) }
}
