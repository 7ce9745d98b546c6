/// Tensor names and shapes of a MoE-MAE encoder in geomap model files: the upstream
/// `MOEEncoder` state_dict keys (spec §4.3, PyTorch layouts: Linear weights `[out, in]`, the patch
/// convolution `[m, c, p, p]`), with the layer-shared SwiGLU `V` and `W2` stored once, under
/// expert 0. `gate.Wnoise` is kept and validated although deterministic inference never uses it.
extension MoEMAEConfig {
    /// Every tensor of the encoder, in state_dict order, with its shape.
    package var tensorShapes: [(name: String, shape: [Int])] {
        let m = embedDim
        let kv = kvGroups * headDim
        var list: [(String, [Int])] = [
            ("pos_embed", [1, tokens, m]),
            ("cls_token", [1, 1, m]),
            ("patch_proj.weight", [m, channels, patchSize, patchSize]),
            ("patch_proj.bias", [m]),
        ]
        for meta in MoEMAEConfig.metaProjections {
            list += [("\(meta).weight", [m, 2]), ("\(meta).bias", [m])]
        }
        for (i, (dh, experts)) in zip(hiddenSizes, expertCounts).enumerated() {
            let p = "layers.\(i)."
            list += [
                (p + "norm1.weight", [m]), (p + "norm1.bias", [m]),
                (p + "attn.q_proj.weight", [m, m]), (p + "attn.q_proj.bias", [m]),
                (p + "attn.k_proj.weight", [kv, m]), (p + "attn.k_proj.bias", [kv]),
                (p + "attn.v_proj.weight", [kv, m]), (p + "attn.v_proj.bias", [kv]),
                (p + "attn.out_proj.weight", [m, m]), (p + "attn.out_proj.bias", [m]),
                (p + "norm2.weight", [m]), (p + "norm2.bias", [m]),
            ]
            for j in 0..<experts {
                list += [
                    (p + "moe.experts.\(j).W.weight", [dh, m]),
                    (p + "moe.experts.\(j).W.bias", [dh]),
                ]
                if j == 0 {
                    list += [
                        (p + "moe.experts.0.V.weight", [dh, m]), (p + "moe.experts.0.V.bias", [dh]),
                        (p + "moe.experts.0.W2.weight", [m, dh]),
                        (p + "moe.experts.0.W2.bias", [m]),
                    ]
                }
            }
            list += [
                (p + "moe.gate.Wg.weight", [experts, m]), (p + "moe.gate.Wg.bias", [experts]),
                (p + "moe.gate.Wnoise.weight", [experts, m]),
                (p + "moe.gate.Wnoise.bias", [experts]),
            ]
        }
        list += [("norm.weight", [m]), ("norm.bias", [m])]
        return list
    }

    /// Unique encoder parameters (2,366,798 for S).
    package var parameterCount: Int {
        tensorShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// The four metadata projections, in token order.
    package static let metaProjections = ["week_proj", "hour_proj", "lat_proj", "lon_proj"]
}

/// Errors of the MoE-MAE encoder's configuration and inputs (tensor errors are ``ModelError``s
/// naming the file and the tensor); each description is one line.
package enum MoEMAEError: Error, CustomStringConvertible, Equatable {
    /// A configuration that cannot describe an encoder.
    case invalidConfig(String)
    /// Input of the wrong shape.
    case badInput(String)

    package var description: String {
        switch self {
        case .invalidConfig(let why): return "invalid MoE-MAE configuration: \(why)"
        case .badInput(let why): return "MoE-MAE input: \(why)"
        }
    }
}
