import BasinInputs
import GeoNetCDF

/// The prediction window: `start − warmUp … end` (day numbers, ``BasinDay``).
struct BasinInputPeriod: Equatable {
    /// First day of the returned table (the warm-up begins here).
    var firstDay: Int
    /// First and last day to predict (inclusive).
    var start: Int
    var end: Int

    var dayCount: Int { end - firstDay + 1 }

    /// One variable's span over all files: its earliest first day and latest last day.
    struct Coverage {
        var variable: String
        var first: Int
        var firstPath: String
        var last: Int
        var lastPath: String
    }

    /// Chooses the period. Without `start`, the first day with `warmUp` days of every forcing
    /// before it; without `end`, the last day every forcing covers. Never pads: an explicit
    /// start without its warm-up in the forcings, or an end after them, is an error.
    /// An explicit end after the forcings within ``BasinForcingNotThereYet/window`` days of
    /// `today` (UTC) is data not there yet (exit 75); farther from today it is an error.
    /// - Throws: ``BasinInputError`` naming the file that limits the period, with the earliest
    ///   possible start or the last forcing day; ``BasinForcingNotThereYet``.
    static func choose(
        coverage: [Coverage], warmUp: Int, start: CFDate?, end: CFDate?,
        today: Int = BasinDay.today()
    ) throws -> BasinInputPeriod {
        precondition(!coverage.isEmpty)
        let latestFirst = coverage.max { $0.first < $1.first }!
        let earliestLast = coverage.min { $0.last < $1.last }!
        func day(_ date: CFDate, _ option: String) throws -> Int {
            guard let n = BasinDay.number(date) else {
                throw BasinInputError(option, "\(date) is not a calendar date")
            }
            return n
        }
        let earliestStart = latestFirst.first + warmUp
        let chosenEnd: Int
        if let end {
            chosenEnd = try day(end, "--end")
            guard chosenEnd <= earliestLast.last else {
                if BasinForcingNotThereYet.applies(end: chosenEnd, today: today) {
                    throw BasinForcingNotThereYet(
                        path: earliestLast.lastPath,
                        lastDay: "\(BasinDay.date(earliestLast.last))",
                        end: "\(BasinDay.date(chosenEnd))")
                }
                throw BasinInputError(
                    earliestLast.lastPath,
                    "--end \(BasinDay.date(chosenEnd)) is after the last forcing day "
                        + "\(BasinDay.date(earliestLast.last)) (of \(earliestLast.variable))")
            }
        } else {
            chosenEnd = earliestLast.last
        }
        let chosenStart: Int
        if let start {
            chosenStart = try day(start, "--start")
            guard chosenStart >= earliestStart else {
                throw BasinInputError(
                    latestFirst.firstPath,
                    "--start \(BasinDay.date(chosenStart)) leaves fewer than the model's "
                        + "\(warmUp) warm-up days of forcings before it (\(latestFirst.variable) "
                        + "begins on \(BasinDay.date(latestFirst.first))); the earliest "
                        + "possible start is \(BasinDay.date(earliestStart))")
            }
        } else {
            chosenStart = earliestStart
        }
        guard chosenStart <= chosenEnd else {
            if start != nil, end != nil {
                throw BasinInputError(
                    "--start/--end",
                    "the period \(BasinDay.date(chosenStart)) … \(BasinDay.date(chosenEnd)) is "
                        + "empty")
            }
            throw BasinInputError(
                start == nil ? latestFirst.firstPath : earliestLast.lastPath,
                "the forcings (\(BasinDay.date(latestFirst.first)) … "
                    + "\(BasinDay.date(earliestLast.last))) leave no day to predict from "
                    + "\(BasinDay.date(chosenStart)) to \(BasinDay.date(chosenEnd)) after the "
                    + "model's \(warmUp) warm-up days")
        }
        return BasinInputPeriod(
            firstDay: chosenStart - warmUp, start: chosenStart, end: chosenEnd)
    }
}
