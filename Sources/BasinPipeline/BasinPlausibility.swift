import Foundation
package import Models

/// Inputs far outside the model's normalisation statistics: the usual sign of a unit mistake
/// (clay in % declared as a fraction, temperatures in K declared as °C), which the model would
/// otherwise run on without a word.
///
/// A value is *implausible* when it lies more than ``zLimit`` standard deviations from the
/// model's training mean (`|x − mean| / std > 10`; ordinary inputs stay within a few). A static
/// attribute is flagged per basin; a forcing when more than ``shareLimit`` of a basin's valid
/// days are implausible (so a handful of extreme storms is not). One line per variable names
/// up to five basins, the value seen and the typical range `mean ± 2·std` in the model's unit.
package enum BasinPlausibility {
    /// Standard deviations from the model's mean beyond which a value is implausible.
    package static let zLimit = 10.0
    /// Share of a basin's valid days that must be implausible to flag a forcing.
    package static let shareLimit = 0.1

    /// One variable with implausible values.
    package struct Finding: Sendable, Equatable, CustomStringConvertible {
        package var variable: String
        /// `static attribute` or `forcing`.
        package var kind: String
        /// Flagged basins with the value seen (a forcing's mean over its valid days).
        package var basins: [(id: String, value: Double)]
        package var mean: Double
        package var std: Double
        package var units: String?

        package static func == (a: Finding, b: Finding) -> Bool {
            a.variable == b.variable && a.kind == b.kind && a.mean == b.mean && a.std == b.std
                && a.basins.map(\.id) == b.basins.map(\.id)
        }

        package var description: String {
            let unit = units.map { " \($0)" } ?? ""
            let shown =
                basins.prefix(5).map { "\($0.id) = \(Self.format($0.value))" }
                .joined(separator: ", ") + (basins.count > 5 ? ", …" : "")
            let what = kind == "forcing" ? "mean of the days" : "value"
            return "\(variable) (\(kind)): \(basins.count) basin(s) lie more than "
                + "\(Int(zLimit)) standard deviations from the model's training mean "
                + "(\(what): \(shown)); its typical range is \(Self.format(mean - 2 * std)) … "
                + "\(Self.format(mean + 2 * std))\(unit): check the units (e.g. % given as a "
                + "fraction, K as °C)"
        }

        static func format(_ x: Double) -> String {
            let magnitude = abs(x)
            if magnitude != 0, magnitude < 1e-3 || magnitude >= 1e6 {
                return String(format: "%.3g", x)
            }
            return String(format: "%.4g", x)
        }
    }

    /// The implausible static attributes and forcings of `inputs` for `model`, over the
    /// prediction days (warm-up included); basins in `inputs.problems` are left out.
    package static func check(_ inputs: BasinModelInputs, model: StefaLandModel) -> [Finding] {
        var findings: [Finding] = []
        let ids = inputs.forcings.basinIDs
        let running = ids.indices.filter { inputs.problems[$0] == nil }
        let attributes = inputs.attributes
        for (a, name) in attributes.attributes.enumerated()
        where a < model.staticStatistics.count {
            let entry = model.staticStatistics[a]
            var flagged: [(id: String, value: Double)] = []
            for b in running {
                let x = Double(attributes.values[a * attributes.basinIDs.count + b])
                if x.isFinite, abs(x - entry.mean) / entry.std > zLimit {
                    flagged.append((ids[b], x))
                }
            }
            if !flagged.isEmpty {
                findings.append(
                    Finding(
                        variable: name, kind: "static attribute", basins: flagged,
                        mean: entry.mean, std: entry.std, units: entry.units))
            }
        }
        let table = inputs.forcings
        for (v, name) in table.variables.enumerated() where v < model.dynamicStatistics.count {
            let entry = model.dynamicStatistics[v]
            var flagged: [(id: String, value: Double)] = []
            for b in running {
                var valid = 0
                var far = 0
                var sum = 0.0
                for d in 0..<table.dayCount {
                    let x = Double(table[variable: v, basin: b, day: d])
                    guard x.isFinite else { continue }
                    valid += 1
                    sum += x
                    if abs(x - entry.mean) / entry.std > zLimit { far += 1 }
                }
                if valid > 0, Double(far) > shareLimit * Double(valid) {
                    flagged.append((ids[b], sum / Double(valid)))
                }
            }
            if !flagged.isEmpty {
                findings.append(
                    Finding(
                        variable: name, kind: "forcing", basins: flagged, mean: entry.mean,
                        std: entry.std, units: entry.units))
            }
        }
        return findings
    }
}
