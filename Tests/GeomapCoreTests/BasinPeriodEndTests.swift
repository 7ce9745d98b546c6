import Foundation
import GeoNetCDF
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

/// The default period ends on the last day every needed forcing covers for every basin
/// (issue 13 item 3), and says which basins have forcings to later days.
@Suite("BasinInputAssembler: default period end with forcings of different lengths")
struct BasinPeriodEndTests {
    /// The sample forcings as a per-basin CSV in which only `longer` basins keep the last
    /// `cut` days (the others' records stop earlier), and the request for it.
    func request(in dir: URL, cut: Int, longer: Set<String>, gapInB002: Bool = false) throws
        -> (request: BasinInputRequest, full: BasinTable)
    {
        let model = try Fx.model()
        let attributes = try Fx.attributesCSV(in: dir)
        let full = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: attributes,
                mappingPath: try Fx.mapping(in: dir)), model
        ).forcings
        var table = full
        for (b, id) in table.basinIDs.enumerated() where !longer.contains(id) {
            for v in table.variables.indices {
                for d in (table.dayCount - cut)..<table.dayCount {
                    table[variable: v, basin: b, day: d] = .nan
                }
            }
        }
        if gapInB002 {
            for d in (table.dayCount - 20)..<(table.dayCount - 1) {
                table[variable: 0, basin: 1, day: d] = .nan
            }
        }
        let csv = dir.appendingPathComponent("uneven.csv")
        try Fx.wideCSV(table, to: csv)
        let units = ["mm/day", "degC", "degC", "W m-2", "%"]
        let mapping = try Fx.mapping(
            in: dir,
            forcings: Dictionary(
                uniqueKeysWithValues: zip(Fx.variables, units).map { ($0, ($0, $1)) }),
            name: "csv-mapping.json")
        return (
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [csv.path], attributesPath: attributes,
                mappingPath: mapping), full
        )
    }

    @Test("without --end the period stops where the shorter records stop, naming the longer")
    func defaultEnd() throws {
        let dir = try makeTemporaryDirectory("period-end")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (request, full) = try request(in: dir, cut: 30, longer: ["B003"])
        let inputs = try assemble(request, try Fx.model())
        #expect(inputs.forcings.dayCount == full.dayCount - 30)
        #expect(inputs.forcings.dates.last == CFDate(year: 2017, month: 12, day: 1))
        #expect(inputs.problems.isEmpty)
        #expect(inputs.forcings.values.allSatisfy { !$0.isNaN })
        #expect(
            inputs.messages.contains(
                "the period ends on 2017-12-01, the last day every needed forcing covers for "
                    + "every basin (limited by B001, B002, B004, B005, B006, …); 1 basin(s) have "
                    + "forcings to later days (B003; up to 2017-12-31): give --end 2017-12-31 "
                    + "to predict those days (the other basins' days are then missing)"),
            "\(inputs.messages)")
    }

    @Test("with --end the longer record is used and the other basins' days stay missing")
    func explicitEnd() throws {
        let dir = try makeTemporaryDirectory("period-end")
        defer { try? FileManager.default.removeItem(at: dir) }
        var (request, full) = try request(in: dir, cut: 30, longer: ["B003"])
        request.end = CFDate(year: 2017, month: 12, day: 31)
        let inputs = try assemble(request, try Fx.model())
        #expect(inputs.forcings.dayCount == full.dayCount)
        #expect(!inputs.messages.contains { $0.hasPrefix("the period ends on") })
        let pr = try #require(inputs.forcings.series("pr", basin: "B001"))
        #expect(pr.suffix(30).allSatisfy { $0.isNaN })
    }

    @Test("records of equal length are not cut, whatever gaps they have inside")
    func equalLengths() throws {
        let dir = try makeTemporaryDirectory("period-end")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (request, full) = try request(in: dir, cut: 0, longer: [], gapInB002: true)
        let inputs = try assemble(request, try Fx.model())
        #expect(inputs.forcings.dayCount == full.dayCount)
        #expect(!inputs.messages.contains { $0.hasPrefix("the period ends on") })
        let pr = try #require(inputs.forcings.series("pr", basin: "B002"))
        #expect(pr.suffix(20).filter { $0.isNaN }.count == 19)
    }
}
