import Foundation
import GeoNetCDF
import GeoVector
import Models
import Tensor
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

/// The bundled demo model with a short window (L 30, W 10) so tests run many windows quickly;
/// the weights are the real ones (the positional table has 1000 rows whatever L is).
func shortWindowDemoModel(length: Int = 30, warmUp: Int = 10) throws -> StefaLandModel {
    let url = TestPaths.repository.appendingPathComponent("models/stefaland-demo.safetensors")
    let file = try ModelFile(contentsOf: url)
    let full = try StefaLandModel(file: file)
    var configuration = full.configuration
    configuration.sequenceLength = length
    configuration.warmUp = warmUp
    return try StefaLandModel(
        configuration: configuration, dynamicStatistics: full.dynamicStatistics,
        staticStatistics: full.staticStatistics, store: file.weights())
}

/// The sample basins with synthetic forcings in the model's units (mean ± a few std,
/// deterministic) and statics at the model's means.
func syntheticBasinInputs(
    model: StefaLandModel, days: Int, firstOutputDay: Int
) throws -> BasinModelInputs {
    let basins = try BasinReader.read(
        path: TestPaths.samples.appendingPathComponent("basins.shp").path)
    let ids = basins.basins.map(\.id)
    let c = model.configuration
    var values = [Float]()
    for (v, stats) in model.dynamicStatistics.enumerated() {
        for b in ids.indices {
            for d in 0..<days {
                let wave = sin(Double(d) * 0.37 + Double(b) * 1.3 + Double(v))
                values.append(Float(stats.mean + stats.std * wave))
            }
        }
    }
    let dates = (0..<days).map {
        BasinDay.date(BasinDay.number(CFDate(year: 2016, month: 1, day: 1))! + $0)
    }
    let table = BasinTable(
        basinIDs: ids, dates: dates, variables: c.dynamicVariables,
        units: model.dynamicStatistics.map(\.units), values: values)
    var statics = [Float]()
    for stats in model.staticStatistics {
        for b in ids.indices { statics.append(Float(stats.mean + stats.std * 0.1 * Double(b - 3))) }
    }
    let attributes = BasinAttributes(
        basinIDs: ids, attributes: c.staticVariables, values: statics)
    return BasinModelInputs(
        basins: basins, forcings: table, attributes: attributes, firstOutputDay: firstOutputDay)
}

/// Runs the model directly on one window of one basin: `[length, width]`.
func directWindow(
    _ model: StefaLandModel, _ inputs: BasinModelInputs, basin b: Int, start: Int, length: Int,
    embeddings: Bool
) -> Tensor {
    let table = inputs.forcings
    let f = table.variables.count
    var x = [Float](repeating: 0, count: length * f)
    for t in 0..<length {
        for v in 0..<f { x[t * f + v] = table[variable: v, basin: b, day: start + t] }
    }
    let n = inputs.attributes.basinIDs.count
    let s = inputs.attributes.attributes.indices.map { inputs.attributes.values[$0 * n + b] }
    let normalised = model.normalize(
        dynamic: Tensor(shape: [1, length, f], scalars: x),
        static: Tensor(shape: [1, s.count], scalars: s))
    let out = model(
        dynamic: normalised.dynamic, static: normalised.static, embeddings: embeddings,
        predictions: !embeddings, parts: 1)
    return embeddings ? out.embeddings! : out.predictions!
}

func close(_ a: Float, _ b: Float) -> Bool {
    abs(a - b) <= 1e-5 * max(1, abs(b))
}

@Suite("Basin runner: windows, flags and problems")
struct BasinRunnerTests {
    @Test("window plans partition the output days; windows stay inside the input")
    func planPartitions() {
        for (n, first, l, w) in [
            (731, 90, 365, 90), (731, 0, 365, 90), (100, 10, 30, 10), (20, 5, 30, 10),
            (31, 1, 30, 10), (59, 10, 30, 0), (1000, 500, 7, 6), (30, 10, 30, 10),
        ] {
            let plan = BasinWindowPlan(
                available: 0..<n, output: first..<n, sequenceLength: l, warmUp: w)
            var next = first
            for window in plan.windows {
                #expect(window.kept.lowerBound == next, "\(n) \(first) \(l) \(w)")
                #expect(window.start >= 0 && window.start + window.length <= n)
                #expect(window.length == min(l, n))
                #expect(
                    window.kept.lowerBound >= window.start
                        && window.kept.upperBound <= window.start + window.length)
                next = window.kept.upperBound
            }
            #expect(next == n)
        }
        let demo = BasinWindowPlan(
            available: 0..<731, output: 90..<731, sequenceLength: 365, warmUp: 90)
        #expect(
            demo.windows == [
                .init(start: 0, length: 365, kept: 90..<365),
                .init(start: 275, length: 365, kept: 365..<640),
                .init(start: 366, length: 365, kept: 640..<731),
            ])
    }

    @Test("windowed predictions equal direct single-window model calls on the kept days")
    func windowsMatchDirectCalls() throws {
        let model = try shortWindowDemoModel()
        let inputs = try syntheticBasinInputs(model: model, days: 100, firstOutputDay: 10)
        let outputs = [BasinOutputVariable(name: "streamflow", units: "mm/day", longName: "q")]
        let runner = BasinRunner(model: model, sequencesPerCall: 6, parts: 2)
        var reported: [Int] = []
        let (predictions, problems) = runner.predict(inputs, outputs: outputs) { done, total in
            #expect(total == 7)
            reported.append(done)
        }
        #expect(problems.isEmpty)
        #expect(reported.last == 7 && reported == reported.sorted())
        #expect(predictions.dates.count == 90 && predictions.flags.allSatisfy { $0 == .ok })
        let plan = runner.predictionPlan(inputs)
        #expect(plan.windows.count == 5)
        for b in 0..<7 {
            let series = predictions.series(variable: 0, basin: b)
            for window in plan.windows {
                let direct = directWindow(
                    model, inputs, basin: b, start: window.start, length: window.length,
                    embeddings: false)
                for day in window.kept {
                    let expected = direct.scalars[day - window.start]
                    #expect(close(series[day - 10], expected), "basin \(b) day \(day)")
                }
            }
        }
    }

    @Test(
        "a basin's predictions and embeddings do not depend on the batch: any sequences per call, any cores, bit for bit"
    )
    func batchIndependent() throws {
        let model = try shortWindowDemoModel()
        let inputs = try syntheticBasinInputs(model: model, days: 100, firstOutputDay: 10)
        let outputs = [BasinOutputVariable(name: "streamflow", units: "mm/day", longName: "q")]
        func run(_ perCall: Int, _ parts: Int) -> ([UInt32], [UInt32]) {
            let runner = BasinRunner(model: model, sequencesPerCall: perCall, parts: parts)
            let predicted = runner.predict(inputs, outputs: outputs).predictions.values
            var embedded: [Float] = []
            _ = runner.embed(inputs) { _, block in embedded += block }
            return (predicted.map(\.bitPattern), embedded.map(\.bitPattern))
        }
        let reference = run(64, 2)
        #expect(!reference.0.isEmpty && !reference.1.isEmpty)
        for (perCall, parts) in [(1, 1), (5, 1), (6, 2), (7, 3), (35, 4)] {
            let other = run(perCall, parts)
            #expect(other.0 == reference.0, "predictions, \(perCall) per call, \(parts) parts")
            #expect(other.1 == reference.1, "embeddings, \(perCall) per call, \(parts) parts")
        }
        // One basin alone, as a group of one runs it.
        let direct = directWindow(model, inputs, basin: 3, start: 0, length: 30, embeddings: false)
        let batched = runGroupAlone(model, inputs, basins: [0, 1, 2, 3, 4, 5, 6], basin: 3)
        #expect(direct.scalars.map(\.bitPattern) == batched.map(\.bitPattern))
    }

    @Test("a table shorter than the sequence length is one window")
    func shortTable() throws {
        let model = try shortWindowDemoModel()
        let inputs = try syntheticBasinInputs(model: model, days: 20, firstOutputDay: 5)
        let outputs = [BasinOutputVariable(name: "q", units: "mm/day", longName: "q")]
        let runner = BasinRunner(model: model)
        #expect(
            runner.predictionPlan(inputs).windows == [.init(start: 0, length: 20, kept: 5..<20)])
        let (predictions, _) = runner.predict(inputs, outputs: outputs)
        let direct = directWindow(model, inputs, basin: 2, start: 0, length: 20, embeddings: false)
        let series = predictions.series(variable: 0, basin: 2)
        for t in 0..<15 { #expect(close(series[t], direct.scalars[t + 5])) }
    }

    @Test("embeddings: a period up to L is one sequence; a longer one follows the plan")
    func embeddings() throws {
        let model = try shortWindowDemoModel()
        let d = model.configuration.dModel
        for (days, first) in [(40, 15), (75, 5)] {
            let inputs = try syntheticBasinInputs(model: model, days: days, firstOutputDay: first)
            let runner = BasinRunner(model: model, sequencesPerCall: 4)
            let plan = runner.embeddingPlan(inputs)
            let period = days - first
            if period <= 30 {
                #expect(plan.windows == [.init(start: first, length: period, kept: first..<days)])
            } else {
                #expect(plan.windows.count > 1 && plan.windows[0].start == first)
            }
            var blocks: [(Range<Int>, [Float])] = []
            let outcome = runner.embed(inputs) { blocks.append(($0, $1)) }
            #expect(outcome.problems.isEmpty)
            #expect(
                blocks.map(\.0.lowerBound) == Array(stride(from: 0, to: 7, by: blocks[0].0.count)))
            let (range, values) = try #require(blocks.last)
            let b = range.upperBound - 1
            for window in plan.windows {
                let direct = directWindow(
                    model, inputs, basin: b, start: window.start, length: window.length,
                    embeddings: true)
                for day in window.kept {
                    let row = ((b - range.lowerBound) * period + day - first) * d
                    let expected = (day - window.start) * d
                    for k in [0, 17, d - 1] {
                        #expect(close(values[row + k], direct.scalars[expected + k]))
                    }
                }
            }
        }
    }

    @Test("missing inputs flag their days; problem and all-missing basins are not run")
    func flagsAndProblems() throws {
        let model = try shortWindowDemoModel()
        var inputs = try syntheticBasinInputs(model: model, days: 60, firstOutputDay: 10)
        let pr = inputs.forcings.variables.firstIndex(of: "pr")!
        inputs.forcings[variable: pr, basin: 1, day: 25] = .nan
        inputs.forcings[variable: 3, basin: 1, day: 40] = .nan
        for d in 0..<60 { inputs.forcings[variable: 0, basin: 4, day: d] = .nan }
        inputs.problems[2] = "outside the forcing grid"
        inputs.attributes.values[1 * 7 + 5] = .nan  // slope of basin 5
        let outputs = [BasinOutputVariable(name: "q", units: "mm/day", longName: "q")]
        let (p, problems) = BasinRunner(model: model).predict(inputs, outputs: outputs)
        #expect(problems[2] == "outside the forcing grid")
        // The assembler's rule: no day of the period has every forcing.
        let variable = inputs.forcings.variables[0]
        #expect(problems[4]?.hasPrefix("no \(variable) over ") == true, "\(problems)")
        #expect(problems[5] == "static attribute missing: slope")
        #expect(problems.count == 3)
        let days = 50
        for b in 0..<7 {
            let series = p.series(variable: 0, basin: b)
            for t in 0..<days {
                let flag = p.flags[b * days + t]
                switch b {
                case 2, 4, 5: #expect(flag == .basinNotRun)
                case 1 where t == 15 || t == 30: #expect(flag == .missingForcing)
                default: #expect(flag == .ok, "basin \(b) day \(t)")
                }
                #expect(series[t].isFinite == (flag == .ok))
            }
        }
    }
}

/// The first window (days 0..<30) of `basin` when run in one model call with `basins`.
func runGroupAlone(
    _ model: StefaLandModel, _ inputs: BasinModelInputs, basins: [Int], basin: Int
) -> [Float] {
    let table = inputs.forcings
    let f = table.variables.count
    let n = inputs.attributes.basinIDs.count
    let cs = inputs.attributes.attributes.count
    var x = [Float]()
    var s = [Float]()
    for b in basins {
        for t in 0..<30 {
            for v in 0..<f { x.append(table[variable: v, basin: b, day: t]) }
        }
        for a in 0..<cs { s.append(inputs.attributes.values[a * n + b]) }
    }
    let normalised = model.normalize(
        dynamic: Tensor(shape: [basins.count, 30, f], scalars: x),
        static: Tensor(shape: [basins.count, cs], scalars: s))
    let out = model(
        dynamic: normalised.dynamic, static: normalised.static, predictions: true, parts: 2)
    let i = basins.firstIndex(of: basin)!
    let width = out.predictions!.columns
    return Array(out.predictions!.scalars[(i * 30 * width)..<((i + 1) * 30 * width)])
}
