import Foundation
import GeoNetCDF
import Testing

@testable import BasinPipeline
@testable import GeomapCore

/// An end after the forcing within 7 days of today is "try again later" (exit 75); farther
/// from today, in the future or the past, it is bad input (exit 2).
@Suite("BasinInputPeriod: --end after the forcing, near today or not")
struct BasinForcingNotThereYetTests {
    static let last = BasinDay.number(CFDate(year: 2026, month: 12, day: 3))!

    static func choose(end offset: Int, today: Int) throws -> BasinInputPeriod {
        let coverage = BasinInputPeriod.Coverage(
            variable: "pr", first: last - 400, firstPath: "f.nc", last: last, lastPath: "f.nc")
        return try BasinInputPeriod.choose(
            coverage: [coverage], warmUp: 90, start: nil,
            end: BasinDay.date(last + offset), today: today)
    }

    @Test(
        "ends 1 … 7 days around today: exit 75 naming the file, its last day and the end",
        arguments: [(1, 0), (2, 1), (1, -6), (3, 10), (8, 1)])
    func notThereYet(offset: Int, todayOffset: Int) {
        let today = Self.last + todayOffset
        #expect(throws: BasinForcingNotThereYet.self) {
            _ = try Self.choose(end: offset, today: today)
        }
        do {
            _ = try Self.choose(end: offset, today: today)
        } catch let error as BasinForcingNotThereYet {
            #expect(error.exitStatus == .tryAgainLater)
            #expect(
                error.description
                    == "forcing f.nc ends 2026-12-03; \(BasinDay.date(Self.last + offset)) not "
                    + "there yet: try again later")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test(
        "an end 8 or more days from today is bad input", arguments: [(9, 0), (1, 9), (30, 40)])
    func farFromToday(offset: Int, todayOffset: Int) {
        #expect(throws: BasinInputError.self) {
            _ = try Self.choose(end: offset, today: Self.last + todayOffset)
        }
    }

    @Test("today is the UTC calendar day")
    func todayInUTC() {
        let noon = Date(timeIntervalSince1970: 1_764_936_000)  // 2025-12-05T12:00:00Z
        #expect(BasinDay.today(noon) == BasinDay.number(CFDate(year: 2025, month: 12, day: 5)))
    }
}
