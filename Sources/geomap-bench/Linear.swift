import ArgumentParser
import Foundation
import Tensor

/// `geomap-bench linear`: `linear` (cblas_sgemm, `x · Wᵀ + b`) at the models' shapes beside a
/// large 1024³ sgemm in the same run, in GFLOP/s (2·m·n·k per product), BLAS single-threaded.
/// Also the sum of one single-threaded product per core run concurrently through
/// `parallelRanges`, which is how geomap gets parallelism.
struct LinearBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linear",
        abstract: "GFLOP/s of linear (sgemm, PyTorch [out, in] weights) at the models' shapes.")

    @Option(help: "Seconds of timing per shape and repetition.")
    var seconds = 0.3

    @Option(help: "Repetitions per shape (the best and the median are printed).")
    var repetitions = 5

    struct Shape {
        let label: String
        let m: Int, k: Int, n: Int
    }

    static let shapes = [
        Shape(label: "MoE-MAE attention proj, 64 tiles", m: 6720, k: 144, n: 144),
        Shape(label: "MoE-MAE attention proj, 1 tile", m: 105, k: 144, n: 144),
        Shape(label: "MoE-MAE MLP up, 1 tile", m: 105, k: 144, n: 576),
        Shape(label: "MoE-MAE MLP down, 1 tile", m: 105, k: 576, n: 144),
        Shape(label: "MoE expert, 16 tokens", m: 16, k: 144, n: 576),
        Shape(label: "LSTM step", m: 1, k: 64, n: 256),
        Shape(label: "large sgemm", m: 1024, k: 1024, n: 1024),
    ]

    func run() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("OpenBLAS \(BLAS.configuration)")
        print(
            "BLAS threads 1; \(cores) cores; \(repetitions) × \(seconds) s per shape; GFLOP/s best (median)"
        )
        print(
            "shape (m×k · n×kᵀ)".padding(toLength: 52, withPad: " ", startingAt: 0)
                + "1 thread          \(cores) concurrent calls (sum)")
        for shape in Self.shapes {
            let single = try measure(shape, concurrent: 1)
            let parallel = try measure(shape, concurrent: cores)
            let label = "\(shape.label) \(shape.m)×\(shape.k) · \(shape.n)×\(shape.k)ᵀ"
            print(
                label.padding(toLength: 52, withPad: " ", startingAt: 0)
                    + "\(format(single))   \(format(parallel))")
        }
    }

    private func format(_ r: (best: Double, median: Double)) -> String {
        String(format: "%6.1f (%6.1f)", r.best, r.median)
    }

    /// GFLOP/s summed over `concurrent` simultaneous single-threaded `linear` loops.
    private func measure(_ shape: Shape, concurrent: Int) throws -> (best: Double, median: Double) {
        var g = SystemRandomNumberGenerator()
        let x = Tensor(
            shape: [shape.m, shape.k],
            scalars: (0..<shape.m * shape.k).map { _ in Float.random(in: -1...1, using: &g) })
        let w = Tensor(
            shape: [shape.n, shape.k],
            scalars: (0..<shape.n * shape.k).map { _ in Float.random(in: -1...1, using: &g) })
        let b = Tensor(zeros: [shape.n])
        let flop = 2.0 * Double(shape.m) * Double(shape.n) * Double(shape.k)
        let duration = seconds
        var rates: [Double] = []
        for _ in 0..<repetitions {
            let results = Results(count: concurrent)
            try parallelRanges(count: concurrent, parts: concurrent) { range in
                var y = Tensor(zeros: [shape.m, shape.n])
                linear(x, weight: w, bias: b, into: &y)  // warm-up
                var calls = 0
                let start = DispatchTime.now().uptimeNanoseconds
                var elapsed = 0.0
                repeat {
                    linear(x, weight: w, bias: b, into: &y)
                    calls += 1
                    elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                } while elapsed < duration
                results.set(range.lowerBound, Double(calls) * flop / elapsed / 1e9)
            }
            rates.append(results.sum)
        }
        rates.sort()
        return (rates.last ?? 0, rates[rates.count / 2])
    }
}

/// Per-range rates written from concurrent ranges.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double]
    init(count: Int) { values = [Double](repeating: 0, count: count) }
    func set(_ index: Int, _ value: Double) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
    var sum: Double {
        lock.lock()
        defer { lock.unlock() }
        return values.reduce(0, +)
    }
}
