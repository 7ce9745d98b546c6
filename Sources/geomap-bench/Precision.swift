import ArgumentParser
import Foundation
import Models
import Tensor

/// `geomap-bench precision`: bf16 against fp32 on the same tiles through one model file (the
/// demo by default): share of tiles with the same top class, the largest probability change,
/// and the cosine of the pooled (cls and mean) embeddings to fp32. Accuracy, not speed.
struct PrecisionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precision",
        abstract: "bf16 vs fp32 agreement of a MoE-MAE model file on a set of tiles.")

    @Option(help: "Model file with a head (default: the bundled demo model).")
    var model = "models/moe-mae-demo.safetensors"

    @Option(help: "Tiles: safetensors with `input` [N,7,40,40] (z-scored) and `meta` [N,8].")
    var tiles: String

    func run() throws {
        let file = try ModelFile(contentsOf: URL(fileURLWithPath: model))
        let fp32 = try MoEMAEModel(file: file, precision: .fp32)
        let bf16 = try MoEMAEModel(file: file, precision: .bf16)
        guard bf16.encoder.precision == .bf16, let head = fp32.head else {
            throw ValidationError(
                bf16.encoder.precisionNotice ?? "\(model) has no head to compare")
        }
        let tileFile = try SafetensorsFile(path: tiles)
        let input = try tileFile.tensor("input")
        let meta = try tileFile.tensor("meta")
        let a = try fp32.encoder.tokens(images: input, metadata: meta)
        let b = try bf16.encoder.tokens(images: input, metadata: meta)
        let count = input.shape[0]
        let probA = head.probabilities(fp32.pooling.pool(a))
        let probB = head.probabilities(bf16.pooling.pool(b))
        let classes = probA.columns
        var same = 0
        var worst: Float = 0
        var deltas: [Float] = []
        for t in 0..<count {
            let pa = Array(probA.scalars[(t * classes)..<((t + 1) * classes)])
            let pb = Array(probB.scalars[(t * classes)..<((t + 1) * classes)])
            if pa.indices.max(by: { pa[$0] < pa[$1] }) == pb.indices.max(by: { pb[$0] < pb[$1] }) {
                same += 1
            }
            deltas.append(zip(pa, pb).map { abs($0 - $1) }.max() ?? 0)
            worst = max(worst, deltas[t])
        }
        let over = deltas.filter { $0 > 0.01 }.count
        let sorted = deltas.sorted()
        print(
            String(
                format:
                    "tiles %d: same top class %.2f %% (%d), max |Δp| %.5f (median %.5f; "
                    + "%d tiles over 0.01)", count, 100 * Double(same) / Double(count), same,
                worst, sorted[count / 2], over))
        for pooling in [Pooling.cls, .mean] {
            let (x, y) = (pooling.pool(a), pooling.pool(b))
            let m = x.columns
            let cosines = (0..<count).map { t -> Double in
                var (dot, nx, ny) = (0.0, 0.0, 0.0)
                for j in 0..<m {
                    let (u, v) = (Double(x.scalars[t * m + j]), Double(y.scalars[t * m + j]))
                    dot += u * v
                    nx += u * u
                    ny += v * v
                }
                return dot / max((nx * ny).squareRoot(), 1e-30)
            }.sorted()
            print(
                String(
                    format: "%@ pooled cosine to fp32: min %.6f, median %.6f",
                    pooling.rawValue, cosines[0], cosines[count / 2]))
        }
    }
}
