import Foundation
import GeoNetCDF
import GeoVector
import TestSupport
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

/// Zonal outputs that tools downstream read as they are (issue 13 item 13): one ISO 8601 form
/// per CSV time column, the basin's name in the NetCDF `basin_name`.
@Suite("Zonal outputs for tools downstream")
struct ZonalOutputFormTests {
    func options(_ dir: URL, forcing: String, output: String) -> ZonalOptions {
        var o = ZonalOptions(
            basinsPath: AssemblerFixtures.basins, statistics: [.mean],
            output: dir.appendingPathComponent(output))
        o.forcingPaths = [forcing]
        o.variables = ["pr"]
        return o
    }

    @Test(
        "the CSV time column has one ISO 8601 form: date-times when a step has a time of day",
        arguments: [
            // (step times in days, the texts expected)
            (
                [0, 0.75, 1, 1.25],
                [
                    "2016-01-01T00:00:00", "2016-01-01T18:00:00", "2016-01-02T00:00:00",
                    "2016-01-02T06:00:00",
                ]
            ),
            ([0, 1, 2, 3], ["2016-01-01", "2016-01-02", "2016-01-03", "2016-01-04"]),
        ])
    func oneTimeForm(days: [Double], expected: [String]) throws {
        let dir = try makeTemporaryDirectory("zonal-form")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = try AssemblerFixtures.sampleFields(["pr"])
        var times = sample.times
        times.replaceSubrange(0..<days.count, with: days)
        let forcing = dir.appendingPathComponent("f.nc").path
        try AssemblerFixtures.writeGrid(
            forcing, x: sample.x, y: sample.y, times: times, steps: 0..<days.count,
            fields: sample.fields)
        let o = options(dir, forcing: forcing, output: "s.csv")
        _ = try ZonalJob.run(o, log: { _ in })
        let text = try String(contentsOf: o.output, encoding: .utf8)
        let column = text.split(separator: "\n").dropFirst().map {
            String($0.split(separator: ",", omittingEmptySubsequences: false)[1])
        }
        #expect(!column.isEmpty)
        #expect(Set(column) == Set(expected))
    }

    @Test("the NetCDF basin_name holds the basins' name field, not their ids")
    func basinNames() throws {
        let dir = try makeTemporaryDirectory("zonal-names")
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = options(dir, forcing: AssemblerFixtures.forcings, output: "s.nc")
        o.to = "2016-01-03"
        _ = try ZonalJob.run(o, log: { _ in })
        let set = try BasinReader.read(path: AssemblerFixtures.basins, layer: nil, idField: nil)
        let expected = set.basins.map { basin -> String in
            guard case .string(let name)? = set.value("name", of: basin) else { return "" }
            return name
        }
        #expect(expected.allSatisfy { !$0.isEmpty })
        let file = try NetCDFFile(opening: o.output.path)
        let variable = try #require(try file.variables().first { $0.name == "basin_name" })
        #expect(try file.readStrings(variable) == expected)
    }
}
