import Foundation
import Models
import Tensor
import TestSupport

/// The golden fixtures of `tools/stefaland/make_goldens.py` (Tests/Fixtures/stefaland/).
struct StefaLandGolden {
    /// The PyTorch mirror's configuration, stored as JSON in the safetensors metadata.
    struct MirrorConfig: Decodable {
        var dynamic: [String]
        var `static`: [String]
        var nY: Int
        var d: Int
        var heads: Int
        var encLayers: Int
        var dFf: Int
        var adapter: String
        var residualLstm: Bool
    }

    static var directory: URL { TestPaths.fixtures.appendingPathComponent("stefaland") }

    let name: String
    let mirror: MirrorConfig
    let weights: SafetensorsFile
    let io: SafetensorsFile

    /// `name` is `small` or `released`.
    init(_ name: String) throws {
        self.name = name
        weights = try SafetensorsFile(
            contentsOf: Self.directory.appendingPathComponent("\(name)_weights.safetensors"))
        io = try SafetensorsFile(
            contentsOf: Self.directory.appendingPathComponent("\(name)_io.safetensors"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase  // the mirror's snake_case names
        mirror = try decoder.decode(
            MirrorConfig.self, from: Data(weights.metadata["config", default: ""].utf8))
    }

    var configuration: StefaLandConfiguration {
        StefaLandConfiguration(
            dModel: mirror.d, heads: mirror.heads, encoderLayers: mirror.encLayers,
            feedForward: mirror.dFf, dynamicVariables: mirror.dynamic,
            staticVariables: mirror.static,
            head: .init(
                adapter: mirror.adapter, residualLSTM: mirror.residualLstm, outputs: mirror.nY))
    }

    /// `--set dynamic=… static=…` in the mirror's order (needed for safetensors checkpoints).
    var orderSettings: [String: String] {
        [
            "dynamic": mirror.dynamic.joined(separator: ","),
            "static": mirror.static.joined(separator: ","),
        ]
    }

    func statistics(_ mean: String, _ std: String) throws -> [StefaLandStatistics.Entry] {
        let (m, s) = (try io.tensor(mean).scalars, try io.tensor(std).scalars)
        return zip(m, s).map { StefaLandStatistics.Entry(mean: Double($0), std: Double($1)) }
    }

    /// The model built strictly from the golden weights.
    func model() throws -> StefaLandModel {
        let store = WeightStore(weights.allTensors(), path: weights.path)
        let model = try StefaLandModel(
            configuration: configuration, dynamicStatistics: try statistics("x_mean", "x_std"),
            staticStatistics: try statistics("c_mean", "c_std"), store: store)
        try store.verifyAllConsumed()
        return model
    }

    static var statsURL: URL { directory.appendingPathComponent("small_stats.json") }
    static var pretrainURL: URL { directory.appendingPathComponent("small_pretrain.pth") }
    static var finetunedURL: URL { directory.appendingPathComponent("small_finetuned.pth") }
}

/// `max |a − b| / max |b|`: the largest error relative to the reference's scale.
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
    var worst: Float = 0
    var scale: Float = 0
    for (x, y) in zip(a.scalars, b.scalars) {
        worst = max(worst, abs(x - y))
        scale = max(scale, abs(y))
    }
    return worst / max(scale, .leastNormalMagnitude)
}
