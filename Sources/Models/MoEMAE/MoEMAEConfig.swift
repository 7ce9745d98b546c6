/// Hyper-parameters of a Geo MoE-MAE encoder (`../shared/docs/reference/moe-mae.md` §2.1),
/// stored in model files. The per-layer hidden sizes and expert counts are explicit lists, not
/// recomputed from a formula.
package struct MoEMAEConfig: Codable, Sendable, Equatable {
    /// Architecture id: `moe-mae-s`, `moe-mae-xs` or `moe-mae-xxs`.
    package var architecture: String
    /// Token width m (144 for S).
    package var embedDim: Int
    /// Query heads H.
    package var heads: Int
    /// Key/value groups G; query head h reads group h mod G.
    package var kvGroups: Int
    /// SwiGLU hidden size dh of each layer (its count is the depth).
    package var hiddenSizes: [Int]
    /// Number of experts E of each layer.
    package var expertCounts: [Int]
    /// Experts mixed per token (2).
    package var topK: Int
    /// Input tile side in pixels (40).
    package var imageSize: Int
    /// Patch side in pixels (4).
    package var patchSize: Int
    /// Input bands (7: SR_B1…SR_B7).
    package var channels: Int
    /// LayerNorm epsilon (1e-5).
    package var layerNormEpsilon: Float

    package init(
        architecture: String, embedDim: Int, heads: Int, kvGroups: Int, hiddenSizes: [Int],
        expertCounts: [Int], topK: Int = 2, imageSize: Int = 40, patchSize: Int = 4,
        channels: Int = 7, layerNormEpsilon: Float = 1e-5
    ) {
        self.architecture = architecture
        self.embedDim = embedDim
        self.heads = heads
        self.kvGroups = kvGroups
        self.hiddenSizes = hiddenSizes
        self.expertCounts = expertCounts
        self.topK = topK
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.channels = channels
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// The released configuration (m 144, 15 layers, 8 heads, 4 groups).
    package static let s = MoEMAEConfig(
        architecture: "moe-mae-s", embedDim: 144, heads: 8, kvGroups: 4,
        hiddenSizes: [144, 138, 133, 128, 123, 118, 113, 108, 102, 97, 92, 87, 82, 77, 72],
        expertCounts: [3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5])
    /// m 128, 12 layers, 8 heads, 4 groups.
    package static let xs = MoEMAEConfig(
        architecture: "moe-mae-xs", embedDim: 128, heads: 8, kvGroups: 4,
        hiddenSizes: [96, 90, 84, 78, 72, 66, 61, 55, 49, 43, 37, 32],
        expertCounts: [3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5])
    /// m 108, 9 layers, 6 heads, 3 groups.
    package static let xxs = MoEMAEConfig(
        architecture: "moe-mae-xxs", embedDim: 108, heads: 6, kvGroups: 3,
        hiddenSizes: [81, 74, 67, 60, 54, 47, 40, 33, 27],
        expertCounts: [3, 3, 3, 4, 4, 4, 5, 5, 5])

    /// The three published configurations, by architecture id.
    package static let known: [String: MoEMAEConfig] = [
        s.architecture: s, xs.architecture: xs, xxs.architecture: xxs,
    ]

    /// Encoder depth L.
    package var depth: Int { hiddenSizes.count }
    /// Channels per head (m / H).
    package var headDim: Int { embedDim / heads }
    /// Patches per side (10).
    package var grid: Int { imageSize / patchSize }
    /// Patch tokens (100).
    package var patches: Int { grid * grid }
    /// Metadata tokens (4: week, hour, lat, lon).
    package static let metaTokens = 4
    /// Index of the CLS token (4).
    package static let clsIndex = 4
    /// Tokens per tile: 4 metadata + CLS + patches (105).
    package var tokens: Int { Self.metaTokens + 1 + patches }
    /// Values in one flattened patch, (c, ky, kx) order (112).
    package var patchValues: Int { channels * patchSize * patchSize }

    /// Checks that the numbers describe a buildable encoder.
    /// - Throws: ``MoEMAEError/invalidConfig(_:)`` naming the inconsistency.
    package func validate() throws {
        func fail(_ why: String) -> MoEMAEError { .invalidConfig("\(architecture): \(why)") }
        guard embedDim > 0, heads > 0, embedDim % heads == 0 else {
            throw fail("embedDim \(embedDim) is not a positive multiple of heads \(heads)")
        }
        guard kvGroups > 0, kvGroups <= heads else {
            throw fail("kvGroups \(kvGroups) is not between 1 and heads \(heads)")
        }
        guard depth > 0, expertCounts.count == depth else {
            throw fail("\(hiddenSizes.count) hidden sizes but \(expertCounts.count) expert counts")
        }
        guard hiddenSizes.allSatisfy({ $0 > 0 }) else {
            throw fail("a hidden size is not positive")
        }
        guard topK == 2, expertCounts.allSatisfy({ $0 >= topK }) else {
            throw fail("top-k must be 2 with at least 2 experts per layer")
        }
        guard patchSize > 0, imageSize > 0, imageSize % patchSize == 0 else {
            throw fail("image \(imageSize) is not a multiple of patch \(patchSize)")
        }
        guard channels > 0 else { throw fail("channels \(channels) is not positive") }
        guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
            throw fail("layerNormEpsilon \(layerNormEpsilon) is not a positive number")
        }
    }
}
