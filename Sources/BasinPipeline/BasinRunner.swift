import Foundation
package import Models
import Tensor

/// Runs StefaLand over ``BasinModelInputs``: basin by basin, window by window
/// (``BasinWindowPlan``), basins batched across the cores in groups so that memory stays
/// bounded by the group (never all basins' windows at once).
///
/// Inputs are normalised with the model's statistics (NaN → 0, as
/// `StefaLandModel.normalize` documents); a day with any missing input is flagged
/// ``BasinDayFlag/missingForcing`` and its outputs are NaN; a day whose model output is NaN or
/// ±Inf (a forcing or weight the checks let through) is flagged
/// ``BasinDayFlag/nonFiniteOutput`` and left NaN; basins in
/// ``BasinModelInputs/problems``, basins with a missing static attribute and basins without
/// one output day that has every forcing (`BasinInputAssembler.missingReason`) are not run (``BasinDayFlag/basinNotRun``) and listed in the result's
/// problems.
package struct BasinRunner: Sendable {
    package let model: StefaLandModel
    /// Sequences (basin windows) per model call; a group holds `sequencesPerCall / windows`
    /// basins (at least one).
    package var sequencesPerCall: Int
    /// Ranges of basins one model call runs in parallel (default: the cores).
    package var parts: Int

    package init(
        model: StefaLandModel, sequencesPerCall: Int = 64,
        parts: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.model = model
        self.sequencesPerCall = max(1, sequencesPerCall)
        self.parts = max(1, parts)
    }

    /// What a run produced besides its values.
    package struct Outcome: Sendable {
        /// `[basins × output days]`.
        package var flags: [BasinDayFlag]
        /// Basins not run (basin index → one-line reason): the inputs' problems and the
        /// runner's own (missing static attribute, every day missing).
        package var problems: [Int: String]
    }

    /// Predictions of every basin over ``BasinModelInputs/outputDates``.
    /// - Parameters:
    ///   - outputs: the head's quantities in output order (``BasinOutputVariable/variables(of:)``).
    ///   - progress: called with (basins done, basins total) after each group.
    /// - Returns: the predictions (NaN where not `.ok`) and the problems.
    package func predict(
        _ inputs: BasinModelInputs, outputs: [BasinOutputVariable],
        progress: ((Int, Int) -> Void)? = nil
    ) -> (predictions: BasinPredictions, problems: [Int: String]) {
        let width = model.configuration.head?.outputs ?? 0
        precondition(width > 0, "BasinRunner: the model has no prediction head")
        precondition(
            outputs.count == width,
            "BasinRunner: \(outputs.count) output variables "
                + "for a head with \(width) outputs")
        let days = inputs.forcings.dayCount - inputs.firstOutputDay
        var values = [Float](repeating: .nan, count: inputs.basins.basins.count * days * width)
        let plan = predictionPlan(inputs)
        let outcome = run(inputs, plan: plan, embeddings: false, progress: progress) {
            basins, block in
            let offset = basins.lowerBound * days * width
            values.replaceSubrange(offset..<(offset + block.count), with: block)
        }
        let predictions = BasinPredictions(
            basinIDs: inputs.forcings.basinIDs, dates: Array(inputs.outputDates),
            variables: outputs, values: values, flags: outcome.flags)
        return (predictions, outcome.problems)
    }

    /// The window plan of a prediction: every input day may be read, warm-up included.
    package func predictionPlan(_ inputs: BasinModelInputs) -> BasinWindowPlan {
        let c = model.configuration
        return BasinWindowPlan(
            available: 0..<inputs.forcings.dayCount,
            output: inputs.firstOutputDay..<inputs.forcings.dayCount,
            sequenceLength: c.sequenceLength, warmUp: c.warmUp)
    }

    /// The window plan of an embedding run: the period itself, without the warm-up days
    /// before it. A period of at most `L` days is one sequence; a longer one is cut as a
    /// prediction period is (windows of `L` days stepping `L − W`, the first `W` days of
    /// every window but the first only context, the last window anchored to the end), so
    /// every embedded day after the first window has at least `W` days of context before it.
    package func embeddingPlan(_ inputs: BasinModelInputs) -> BasinWindowPlan {
        let c = model.configuration
        let period = inputs.firstOutputDay..<inputs.forcings.dayCount
        return BasinWindowPlan(
            available: period, output: period, sequenceLength: c.sequenceLength,
            warmUp: c.warmUp)
    }

    /// Encoder embeddings (hidden states after the enc→dec projection, time tokens only) of
    /// every basin over the period, streamed group by group to `sink`.
    /// - Parameter sink: gets (basin range, `[basins × output days × d]`, NaN where the
    ///   day's flag is not `.ok`), in basin order.
    package func embed(
        _ inputs: BasinModelInputs, progress: ((Int, Int) -> Void)? = nil,
        sink: (Range<Int>, [Float]) throws -> Void
    ) rethrows -> Outcome {
        try run(
            inputs, plan: embeddingPlan(inputs), embeddings: true, progress: progress,
            sink: sink)
    }

    /// The flags and problems of every basin, before running.
    func flags(_ inputs: BasinModelInputs) -> Outcome {
        let table = inputs.forcings
        let (basins, first) = (table.basinIDs.count, inputs.firstOutputDay)
        let days = table.dayCount - first
        var flags = [BasinDayFlag](repeating: .ok, count: basins * days)
        var problems = inputs.problems
        let statics = inputs.attributes
        for b in 0..<basins {
            let row = (b * days)..<((b + 1) * days)
            if problems[b] == nil {
                let missing = statics.attributes.indices.filter {
                    statics.values[$0 * basins + b].isNaN
                }
                if !missing.isEmpty {
                    problems[b] =
                        "static attribute missing: "
                        + missing.map { statics.attributes[$0] }.joined(separator: ", ")
                }
            }
            if problems[b] != nil {
                flags.replaceSubrange(row, with: repeatElement(.basinNotRun, count: days))
                continue
            }
            // The assembler's rule (and message) for a basin with no complete day.
            if let reason = BasinInputAssembler.missingReason(
                table, basin: b, days: first..<table.dayCount)
            {
                problems[b] = reason
                flags.replaceSubrange(row, with: repeatElement(.basinNotRun, count: days))
                continue
            }
            for t in 0..<days {
                for v in table.variables.indices
                where table[variable: v, basin: b, day: first + t].isNaN {
                    flags[b * days + t] = .missingForcing
                    break
                }
            }
        }
        return Outcome(flags: flags, problems: problems)
    }

    /// Runs every runnable basin through `plan`, group by group.
    /// - Parameter sink: (basin range, `[basins × output days × width]`) per group.
    func run(
        _ inputs: BasinModelInputs, plan: BasinWindowPlan, embeddings: Bool,
        progress: ((Int, Int) -> Void)?, sink: (Range<Int>, [Float]) throws -> Void
    ) rethrows -> Outcome {
        let c = model.configuration
        precondition(
            inputs.forcings.variables == c.dynamicVariables,
            "BasinRunner: forcings \(inputs.forcings.variables) are not the model's "
                + "\(c.dynamicVariables)")
        precondition(
            inputs.attributes.attributes == c.staticVariables,
            "BasinRunner: attributes are not the model's static variables")
        var outcome = flags(inputs)
        let basins = inputs.basins.basins.count
        let days = plan.output.count
        let width = embeddings ? c.dModel : (c.head?.outputs ?? 0)
        let group = max(1, sequencesPerCall / plan.windows.count)
        var start = 0
        while start < basins {
            let range = start..<min(start + group, basins)
            let runnable = range.filter { outcome.problems[$0] == nil }
            var block = [Float](repeating: .nan, count: range.count * days * width)
            if !runnable.isEmpty {
                let out = runGroup(inputs, basins: runnable, plan: plan, embeddings: embeddings)
                let length = plan.windowLength
                out.withUnsafeBufferPointer { y in
                    for (i, b) in runnable.enumerated() {
                        for (w, window) in plan.windows.enumerated() {
                            let sequence = i * plan.windows.count + w
                            for day in window.kept {
                                let t = day - plan.output.lowerBound
                                guard outcome.flags[b * days + t] == .ok else { continue }
                                let source = (sequence * length + day - window.start) * width
                                // A non-finite output is never a value: flagged, left NaN.
                                guard (0..<width).allSatisfy({ y[source + $0].isFinite }) else {
                                    outcome.flags[b * days + t] = .nonFiniteOutput
                                    continue
                                }
                                let target = ((b - range.lowerBound) * days + t) * width
                                for k in 0..<width { block[target + k] = y[source + k] }
                            }
                        }
                    }
                }
            }
            try sink(range, block)
            start = range.upperBound
            progress?(start, basins)
        }
        return outcome
    }

    /// One model call over every window of `basins`: `[basins·windows, L, width]` flat,
    /// sequence = basin-major, window-minor.
    func runGroup(
        _ inputs: BasinModelInputs, basins: [Int], plan: BasinWindowPlan, embeddings: Bool
    ) -> Tensor {
        let table = inputs.forcings
        let statics = inputs.attributes
        let (f, cs) = (table.variables.count, statics.attributes.count)
        let length = plan.windowLength
        let sequences = basins.count * plan.windows.count
        var dynamic = [Float](repeating: 0, count: sequences * length * f)
        var staticValues = [Float](repeating: 0, count: sequences * cs)
        let allBasins = table.basinIDs.count
        for (i, b) in basins.enumerated() {
            for (w, window) in plan.windows.enumerated() {
                let sequence = i * plan.windows.count + w
                for v in 0..<f {
                    let base = table.index(variable: v, basin: b, day: window.start)
                    for t in 0..<length {
                        dynamic[(sequence * length + t) * f + v] = table.values[base + t]
                    }
                }
                for a in 0..<cs {
                    staticValues[sequence * cs + a] = statics.values[a * allBasins + b]
                }
            }
        }
        let x = model.normalize(
            dynamic: Tensor(shape: [sequences, length, f], scalars: dynamic),
            static: Tensor(shape: [sequences, cs], scalars: staticValues))
        let out = model(
            dynamic: x.dynamic, static: x.static, embeddings: embeddings,
            predictions: !embeddings, parts: parts)
        return embeddings ? out.embeddings! : out.predictions!
    }
}

extension BasinOutputVariable {
    /// The predicted quantities of a model file, in output order: the manifest's output
    /// variables (name, units, description), or `output_<i>` without units when it has none.
    package static func variables(of manifest: ModelManifest, count: Int) -> [BasinOutputVariable] {
        let declared = manifest.output.variables ?? []
        return (0..<count).map { i in
            guard i < declared.count else {
                return BasinOutputVariable(
                    name: "output_\(i)", units: "1", longName: "model output \(i)")
            }
            let v = declared[i]
            return BasinOutputVariable(
                name: v.name, units: v.units ?? "1",
                longName: v.description ?? "predicted \(v.name)")
        }
    }
}
