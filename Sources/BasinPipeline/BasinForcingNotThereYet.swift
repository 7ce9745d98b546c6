import BasinInputs
import Foundation
import GeoNetCDF
package import OutputFiles

/// The requested last day is after the forcing's last day but close to today (UTC): the
/// forcing of that day is expected soon, so the run should be tried again later (exit 75,
/// EX_TEMPFAIL) rather than fixed (exit 2). See docs/nightly.md, "Exit codes".
package struct BasinForcingNotThereYet: Error, CustomStringConvertible, ExitStatusProviding,
    Sendable, Equatable
{
    /// The forcing file whose record ends first.
    package let path: String
    /// Its last day and the requested end (`YYYY-MM-DD`).
    package let lastDay: String
    package let end: String

    /// Days around today (UTC) in which a requested end after the forcing means "not there
    /// yet": an end farther in the future or in the past is a configuration error (exit 2).
    package static let window = 7

    package var exitStatus: ExitStatus { .tryAgainLater }

    package var description: String {
        "forcing \(path) ends \(lastDay); \(end) not there yet: try again later"
    }

    /// Whether an end on day `end` (``BasinDay`` number) after the forcing is "not there yet"
    /// on day `today`.
    static func applies(end: Int, today: Int) -> Bool { abs(end - today) <= window }
}

extension BasinDay {
    /// Today's day number in UTC.
    static func today(_ now: Date = Date()) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        let date = CFDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
        return number(date) ?? 0
    }
}
