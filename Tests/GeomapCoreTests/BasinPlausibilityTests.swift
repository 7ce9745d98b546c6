import Foundation
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

/// Inputs far outside the model's normalisation statistics (issue 13 item 4): clay in %
/// declared as a fraction, temperatures in K declared as °C.
@Suite("Basin inputs far outside the model's training range")
struct BasinPlausibilityTests {
    /// The sample request with clay given as `clay` in every basin (the mapping declares a
    /// fraction, unit "1").
    func request(in dir: URL, clay: Double) throws -> BasinInputRequest {
        var text = "basin_id," + Fx.attributes.joined(separator: ",") + "\n"
        for (i, id) in Fx.basinIDs.enumerated() {
            let x = Double(i)
            text += "\(id),\(200 + 50 * x),\(1 + 0.5 * x),\(clay),0.3,0.5,\(0.1 * x)\n"
        }
        let url = dir.appendingPathComponent("attributes.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return BasinInputRequest(
            basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: url.path,
            mappingPath: try Fx.mapping(in: dir))
    }

    @Test("clay in % declared as a fraction is a warning naming the variable, basins and range")
    func clayInPercent() throws {
        let dir = try makeTemporaryDirectory("plausibility")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Fx.model()
        let clay = try #require(model.configuration.staticVariables.firstIndex(of: "clay"))
        let entry = model.staticStatistics[clay]
        // Clay as a fraction is plausible: no warning at all.
        let plain = try assemble(try request(in: dir, clay: entry.mean), model)
        #expect(!plain.messages.contains { $0.hasPrefix("warning:") }, "\(plain.messages)")
        // The same share in % is ~100 × the fraction.
        let percent = try assemble(try request(in: dir, clay: entry.mean * 100), model)
        let warnings = percent.messages.filter { $0.hasPrefix("warning:") }
        #expect(warnings.count == 1, "\(percent.messages)")
        let warning = try #require(warnings.first)
        #expect(warning.hasPrefix("warning: clay (static attribute): 7 basin(s) lie more than 10 "))
        #expect(warning.contains("B001 = "))
        let low = BasinPlausibility.Finding.format(entry.mean - 2 * entry.std)
        let high = BasinPlausibility.Finding.format(entry.mean + 2 * entry.std)
        #expect(warning.contains("typical range is \(low) … \(high)"), "\(warning)")
        #expect(warning.contains("check the units"))
    }

    @Test("--strict-ranges refuses the implausible input, naming the file that gave it")
    func strict() throws {
        let dir = try makeTemporaryDirectory("plausibility")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Fx.model()
        let clay = try #require(model.configuration.staticVariables.firstIndex(of: "clay"))
        var request = try request(in: dir, clay: model.staticStatistics[clay].mean * 100)
        request.strictRanges = true
        let message = try #require(assemblerError { _ = try assemble(request, model) })
        #expect(message.hasPrefix("\(request.attributesPath!): clay (static attribute): "))
        #expect(message.hasSuffix("(refused: --strict-ranges)"))
    }

    @Test("a forcing is flagged when many days are far off, not for a few extreme days")
    func forcingShare() throws {
        let dir = try makeTemporaryDirectory("plausibility")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Fx.model()
        let inputs = try assemble(try request(in: dir, clay: 0.2), model)
        let tasmax = try #require(inputs.forcings.variables.firstIndex(of: "tasmax"))
        let entry = model.dynamicStatistics[tasmax]
        let far = Float(entry.mean + 20 * entry.std)
        // B001: every day far off (K given as °C); B002: 5 % of days far off (extremes).
        var shifted = inputs
        for d in 0..<inputs.forcings.dayCount {
            shifted.forcings[variable: tasmax, basin: 0, day: d] = far
            if d % 20 == 0 { shifted.forcings[variable: tasmax, basin: 1, day: d] = far }
        }
        let findings = BasinPlausibility.check(shifted, model: model)
        #expect(findings.map(\.variable) == ["tasmax"])
        #expect(findings.first?.basins.map(\.id) == ["B001"])
        #expect(findings.first?.kind == "forcing")
        // A basin already not runnable is not judged.
        shifted.problems[0] = "outside the forcing grid"
        #expect(BasinPlausibility.check(shifted, model: model).isEmpty)
    }
}
