import ArgumentParser
import Foundation
import Models
import Tensor

/// `geomap-bench basin-model`: speed of the StefaLand forward pass (encoder + δMG head) in
/// basins × days per second, for the demo configuration and the released checkpoint's sizes,
/// with pseudo-random weights and inputs (the speed does not depend on the values).
struct BasinModelBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "basin-model",
        abstract: "StefaLand forward pass: basins × days per second (demo and released sizes).")

    @Option(help: "Basins per batch.")
    var basins = 32

    @Option(help: "Days per window (the model's sequence length; at most 999).")
    var days = 365

    @Option(help: "Timed runs per configuration (the best and the median are reported).")
    var repeats = 3

    @Option(help: "Parallel ranges of basins (default: the number of cores).")
    var parts = ProcessInfo.processInfo.activeProcessorCount

    @Option(parsing: .upToNextOption, help: "Configurations: demo, released.")
    var configurations: [String] = ["demo", "released"]

    @Flag(help: "Also return the embeddings (copied out of the encoder).")
    var embeddings = false

    @Flag(help: "Encoder only: embeddings without the prediction head.")
    var encoderOnly = false

    /// The demo model's sizes (docs/models/stefaland-demo.md) and the released checkpoint's
    /// (spec §1.1 D, §2.7), both with the dual-residual head and residual LSTM, one output.
    static func configuration(_ name: String) throws -> StefaLandConfiguration {
        let head = StefaLandConfiguration.Head(
            adapter: "dual_residual", residualLSTM: true, outputs: 1)
        switch name {
        case "demo":
            return StefaLandConfiguration(
                dModel: 64, heads: 4, encoderLayers: 2, feedForward: 128,
                dynamicVariables: ["pr", "tasmax", "tasmin", "rsds", "hurs"],
                staticVariables: ["elevation", "slope", "clay", "sand", "silt", "forest_fraction"],
                head: head)
        case "released":
            return StefaLandConfiguration(
                dModel: 256, heads: 4, encoderLayers: 4, feedForward: 512,
                dynamicVariables: (0..<5).map { "dynamic\($0)" },
                staticVariables: (0..<48).map { "static\($0)" }, head: head)
        default:
            throw ValidationError("unknown configuration \(name) (known: demo, released)")
        }
    }

    func run() throws {
        guard days >= 1, days < StefaLandConfiguration.maxTokens else {
            throw ValidationError("--days must be in 1…999")
        }
        print(
            "StefaLand forward pass: \(basins) basins × \(days) days per batch, "
                + "\(parts) parts, BLAS \(BLAS.version) single-threaded, best of \(repeats)")
        for name in configurations {
            let configuration = try Self.configuration(name)
            let model = try StefaLandModel(randomWeightsFor: configuration)
            let f = configuration.dynamicVariables.count
            let c = configuration.staticVariables.count
            var state: UInt64 = 7
            func value() -> Float {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 600
            }
            let x = Tensor(
                shape: [basins, days, f], scalars: (0..<(basins * days * f)).map { _ in value() })
            let s = Tensor(shape: [basins, c], scalars: (0..<(basins * c)).map { _ in value() })
            _ = model(
                dynamic: x, static: s, embeddings: embeddings || encoderOnly,
                predictions: !encoderOnly, parts: parts)  // warm-up
            var seconds: [Double] = []
            for _ in 0..<max(1, repeats) {
                let start = ContinuousClock.now
                let out = model(
                    dynamic: x, static: s, embeddings: embeddings || encoderOnly,
                    predictions: !encoderOnly, parts: parts)
                let elapsed = ContinuousClock.now - start
                precondition(
                    (out.predictions ?? out.embeddings)?.scalars.allSatisfy(\.isFinite) == true)
                seconds.append(
                    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds)
                        * 1e-18)
            }
            seconds.sort()
            let best = seconds[0]
            let median = seconds[seconds.count / 2]
            let rate = Double(basins * days) / best
            print(
                String(
                    format: "%@: d %3d, %d layers, F %d, C %2d: best %.3f s, median %.3f s, "
                        + "%.0f basin-days/s (%.1f basin-years/s)",
                    name as NSString, configuration.dModel, configuration.encoderLayers, f, c, best,
                    median, rate, rate / Double(days)))
        }
    }
}
