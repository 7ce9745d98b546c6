import Foundation
import GeoNetCDF
import TestSupport
import Testing

@Suite("CF time decoding")
struct CFTimeTests {
    /// (calendar attribute, units, values, expected ISO dates)
    static let cases: [(String, String, [Double], [String])] = [
        (
            "standard", "days since 2000-01-01", [58, 59, 60, 366],
            ["2000-02-28", "2000-02-29", "2000-03-01", "2001-01-01"]
        ),
        // Mixed calendar: the day after 1582-10-04 (Julian) is 1582-10-15 (Gregorian).
        (
            "gregorian", "days since 1582-10-04", [0, 1, -1],
            ["1582-10-04", "1582-10-15", "1582-10-03"]
        ),
        (
            "proleptic_gregorian", "days since 1582-10-04", [1, 0],
            ["1582-10-05", "1582-10-04"]
        ),
        ("proleptic_gregorian", "days since 1900-02-28", [1], ["1900-03-01"]),
        ("julian", "days since 1900-02-28", [1, 2], ["1900-02-29", "1900-03-01"]),
        (
            "noleap", "days since 2000-01-01", [58, 59, 365],
            ["2000-02-28", "2000-03-01", "2001-01-01"]
        ),
        (
            "365_day", "hours since 2004-02-28 12:00:00", [12, 36],
            ["2004-03-01", "2004-03-02"]
        ),
        ("all_leap", "days since 2001-01-01", [59, 366], ["2001-02-29", "2002-01-01"]),
        ("366_day", "days since 2001-01-01", [365], ["2001-12-31"]),
        (
            "360_day", "days since 2000-01-01", [29, 30, 59, 360],
            ["2000-01-30", "2000-02-01", "2000-02-30", "2001-01-01"]
        ),
        (
            "standard", "hours since 1970-01-01 00:00:00", [36, 0.5],
            ["1970-01-02T12:00:00", "1970-01-01T00:30:00"]
        ),
        ("standard", "minutes since 2020-12-31T23:00:00Z", [90], ["2021-01-01T00:30:00"]),
        ("standard", "seconds since 1970-01-01", [86400 * 365], ["1971-01-01"]),
    ]

    @Test("dates decoded from a file for every CF calendar and unit", arguments: cases)
    func calendarFromFile(
        _ calendar: String, _ units: String, _ values: [Double],
        _ expected: [String]
    ) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cal.nc").path
        try GridFixture.write(
            path, time: GridFixture.time(values, units: units, calendar: calendar),
            x: GridFixture.longitude([10, 11]), y: GridFixture.latitude([45, 46]),
            variables: [("v", .float, [.text("units", "1")], { t, _, _ in Double(t) })])
        let dataset = try CFDataset(path: path)
        let axis = try #require(dataset.timeAxis)
        #expect(axis.dates.map(\.description) == expected)
        #expect(axis.calendar == CFCalendar(attribute: calendar))
    }

    @Test("a date in the 1582 Gregorian gap is refused as a reference date")
    func gregorianGap() {
        #expect(CFTimeUnits("days since 1582-10-10", calendar: .standard) == nil)
        #expect(CFTimeUnits("days since 1582-10-10", calendar: .prolepticGregorian) != nil)
    }

    @Test("value(of:) inverts date(_:) in every calendar")
    func roundTrip() throws {
        for calendar in CFCalendar.allCases {
            let units = try #require(
                CFTimeUnits("hours since 1850-01-01 06:00", calendar: calendar))
            for value in stride(from: -50_000.0, through: 2_000_000, by: 12_345.5) {
                let back = try #require(units.value(of: units.date(value)))
                #expect(abs(back - value) < 1e-6, "\(calendar) \(value)")
            }
        }
    }

    @Test("a YYYY-MM-DD day is parsed and checked against the calendar")
    func dayParsing() {
        #expect(
            CFDate(day: "2016-02-29", calendar: .prolepticGregorian)
                == CFDate(year: 2016, month: 2, day: 29))
        #expect(
            CFDate(day: "2017-02-30", calendar: .day360) == CFDate(year: 2017, month: 2, day: 30))
        for text in [
            "2017-02-29", "2017-02-30", "2017-13-01", "2017-00-10", "2017-1-01",
            "17-01-01", "2017-01-01T00:00", "2017/01/01", "+017-01-01", "2017-01-", "",
        ] {
            #expect(CFDate(day: text, calendar: .prolepticGregorian) == nil, "\(text)")
        }
        #expect(CFDate(day: "2016-02-29", calendar: .noleap) == nil)
    }

    @Test("months and years are refused as time units (ambiguous in CF)")
    func ambiguousUnits() {
        #expect(CFTimeUnits("months since 2000-01-01", calendar: .standard) == nil)
        #expect(CFTimeUnits("years since 2000-01-01", calendar: .standard) == nil)
        #expect(CFTimeUnits("days", calendar: .standard) == nil)
    }

    @Test("step and first/last date of a daily axis")
    func step() throws {
        let units = try #require(CFTimeUnits("days since 2010-01-01", calendar: .noleap))
        let axis = CFTimeAxis(
            variableName: "t", units: units, values: Array(0..<730).map(Double.init))
        #expect(axis.stepDescription == "1 day")
        #expect(axis.date(at: 729).description == "2011-12-31")
        let range = axis.indices(
            from: CFDate(year: 2011, month: 1, day: 1),
            through: CFDate(year: 2011, month: 1, day: 31))
        #expect(range == 365..<396)
    }
}
