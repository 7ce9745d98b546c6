import ArgumentParser
import Foundation
import Models
import Tensor

/// `geomap-bench encoder`: MoE-MAE encoder throughput in tiles/s on z-scored 40×40 tiles, the
/// batch split over the cores (BLAS single-threaded in each task). `tools/bench/encoder.sh`
/// runs the PyTorch reference on the same tiles and weights in the same run.
struct EncoderBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "MoE-MAE encoder throughput (tiles/s) on a batch of tiles.")

    @Option(help: "Encoder weights: safetensors with the spec §4.3 names (V/W2 under expert 0).")
    var weights: String?

    @Option(help: "A MoE-MAE model file (e.g. the demo model) instead of --weights.")
    var model: String?

    @Option(help: "Tiles: safetensors with `input` [N,7,40,40] (z-scored) and `meta` [N,8].")
    var tiles: String

    @Option(help: "Architecture id (moe-mae-s, moe-mae-xs, moe-mae-xxs).")
    var arch = "moe-mae-s"

    @Option(help: "Tiles per encoder call.")
    var batch = 64

    @Option(help: "Tasks (cores) the batch is split over.")
    var tasks = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Tiles per slice (one task's share is processed this many tiles at a time).")
    var tilesPerSlice = MoEMAEEncoder.defaultTilesPerSlice

    @Option(help: "Seconds to measure after one warm-up batch.")
    var seconds = 20.0

    @Option(
        help: """
            Instead of --seconds: this many passes over every tile of --tiles (batches of \
            --batch, the last one partial); prints the best and median pass.
            """)
    var passes: Int?

    @Option(help: "Precision of the block products: fp32 or bf16.")
    var precision = "fp32"

    func run() throws {
        guard let config = MoEMAEConfig.known[arch] else {
            throw ValidationError("unknown architecture '\(arch)'")
        }
        guard let requested = MatmulPrecision(rawValue: precision) else {
            throw ValidationError("--precision must be fp32 or bf16")
        }
        let encoder: MoEMAEEncoder
        switch (weights, model) {
        case (let weights?, nil):
            let weightFile = try SafetensorsFile(path: weights)
            encoder = try MoEMAEEncoder(
                config: config, tensors: weightFile.allTensors(),
                path: weights, precision: requested)
        case (nil, let model?):
            let file = try ModelFile(contentsOf: URL(fileURLWithPath: model))
            encoder = try MoEMAEModel(file: file, precision: requested).encoder
        default:
            throw ValidationError("give one of --weights and --model")
        }
        if let notice = encoder.precisionNotice { print("notice: \(notice)") }
        let tileFile = try SafetensorsFile(path: tiles)
        let input = try tileFile.tensor("input")
        let meta = try tileFile.tensor("meta")
        let count = input.shape[0]
        // Batches cycle through the tiles (wrapping around), as the PyTorch script does.
        func batchAt(_ index: Int) -> (Tensor, Tensor) {
            let rows = (0..<batch).map { (index * batch + $0) % count }
            var x: [Float] = []
            var m: [Float] = []
            let tile = input.count / count
            input.withUnsafeBufferPointer { p in
                for r in rows { x += p[r * tile..<(r + 1) * tile] }
            }
            meta.withUnsafeBufferPointer { p in
                for r in rows { m += p[r * 8..<(r + 1) * 8] }
            }
            return (
                Tensor(shape: [batch] + input.shape.dropFirst(), scalars: x),
                Tensor(shape: [batch, 8], scalars: m)
            )
        }
        if let passes {
            try runPasses(passes, encoder: encoder, input: input, meta: meta)
            return
        }
        let batches = (0..<max(1, (count + batch - 1) / batch)).map(batchAt)
        _ = try encoder.tokens(
            images: batches[0].0, metadata: batches[0].1,
            tilesPerSlice: tilesPerSlice, tasks: tasks)
        let clock = ContinuousClock()
        let cpuStart = processCPUSeconds()
        let start = clock.now
        var done = 0
        var index = 0
        while (clock.now - start) < .seconds(seconds) {
            let (x, m) = batches[index % batches.count]
            _ = try encoder.tokens(
                images: x, metadata: m, tilesPerSlice: tilesPerSlice,
                tasks: tasks)
            done += batch
            index += 1
        }
        let elapsed = clock.now - start
        let secondsElapsed =
            Double(elapsed.components.seconds)
            + Double(elapsed.components.attoseconds) * 1e-18
        let rate = Double(done) / secondsElapsed
        let cpu = processCPUSeconds() - cpuStart
        let flops = 0.49e9  // spec §2.8: fused deterministic S forward, per tile
        print(
            String(
                format: "geomap %@ %@ tasks %d batch %d slice %d: %.1f tiles/s "
                    + "(%d tiles, %.1f s; %.1f GFLOP/s at 0.49 GFLOP/tile; %.1f tiles per "
                    + "CPU-second)", arch, encoder.precision.rawValue, tasks, batch,
                tilesPerSlice, rate, done, secondsElapsed, rate * flops / 1e9,
                Double(done) / max(cpu, 1e-9)))
    }
}

extension EncoderBenchmark {
    /// `passes` passes over all tiles in order (batches of `batch`, the last one partial)
    /// after a warm-up batch; prints the best and the median pass in tiles/s.
    func runPasses(_ passes: Int, encoder: MoEMAEEncoder, input: Tensor, meta: Tensor) throws {
        let count = input.shape[0]
        let tile = input.count / count
        let batches: [(Tensor, Tensor)] = stride(from: 0, to: count, by: batch).map { lo in
            let hi = min(lo + batch, count)
            return (
                Tensor(
                    shape: [hi - lo] + input.shape.dropFirst(),
                    scalars: Array(input.scalars[(lo * tile)..<(hi * tile)])),
                Tensor(shape: [hi - lo, 8], scalars: Array(meta.scalars[(lo * 8)..<(hi * 8)]))
            )
        }
        _ = try encoder.tokens(
            images: batches[0].0, metadata: batches[0].1, tilesPerSlice: tilesPerSlice,
            tasks: tasks)
        let clock = ContinuousClock()
        var rates: [Double] = []
        let cpuStart = processCPUSeconds()
        for _ in 0..<max(passes, 1) {
            let start = clock.now
            for (x, m) in batches {
                _ = try encoder.tokens(
                    images: x, metadata: m, tilesPerSlice: tilesPerSlice, tasks: tasks)
            }
            let elapsed = clock.now - start
            rates.append(
                Double(count)
                    / (Double(elapsed.components.seconds)
                        + Double(elapsed.components.attoseconds) * 1e-18))
        }
        let cpu = processCPUSeconds() - cpuStart
        let sorted = rates.sorted()
        print(
            String(
                format: "geomap %@ %@ tasks %d batch %d slice %d, %d passes of %d tiles: "
                    + "best %.1f tiles/s, median %.1f tiles/s (%.1f tiles per CPU-second)",
                arch, encoder.precision.rawValue, tasks, batch, tilesPerSlice, rates.count,
                count, sorted.last ?? 0, sorted[sorted.count / 2],
                Double(count * rates.count) / max(cpu, 1e-9)))
    }
}

/// User + system CPU seconds of this process so far (all threads).
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
