/// CF time: calendars, "<unit> since <date>" units, and decoding numbers into dates.

/// A CF calendar (CF-1.8 §4.4.1).
package enum CFCalendar: String, Sendable, CaseIterable {
    /// Mixed Julian/Gregorian: Julian up to 1582-10-04, Gregorian from 1582-10-15.
    case standard
    case prolepticGregorian = "proleptic_gregorian"
    case julian
    /// 365 days every year (`noleap`, `365_day`).
    case noleap
    /// 366 days every year (`all_leap`, `366_day`).
    case allLeap = "all_leap"
    /// Twelve 30-day months.
    case day360 = "360_day"

    /// Parses a `calendar` attribute (case-insensitive, with the CF aliases); absent means
    /// `standard`.
    ///
    /// - Returns: `nil` for a calendar CF does not define (a clear error for the caller).
    package init?(attribute: String?) {
        guard let attribute else {
            self = .standard
            return
        }
        switch attribute.trimmingWhitespace.lowercased() {
        case "standard", "gregorian", "": self = .standard
        case "proleptic_gregorian": self = .prolepticGregorian
        case "julian": self = .julian
        case "noleap", "365_day", "no_leap": self = .noleap
        case "all_leap", "366_day": self = .allLeap
        case "360_day": self = .day360
        default: return nil
        }
    }

    /// Days in `month` of `year`.
    package func daysInMonth(year: Int, month: Int) -> Int {
        let common = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        switch self {
        case .day360: return 30
        case .noleap: return common[month - 1]
        case .allLeap: return month == 2 ? 29 : common[month - 1]
        case .julian, .prolepticGregorian, .standard:
            guard month == 2 else { return common[month - 1] }
            return isLeap(year) ? 29 : 28
        }
    }

    private func isLeap(_ year: Int) -> Bool {
        switch self {
        case .julian: return year % 4 == 0
        case .prolepticGregorian: return gregorianLeap(year)
        case .standard: return year < 1583 ? year % 4 == 0 : gregorianLeap(year)
        default: return false
        }
    }

    private func gregorianLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// A continuous day number for a calendar date (Julian Day Number for the real-world
    /// calendars; days since year 0 for the idealised ones).
    ///
    /// - Returns: `nil` for dates the calendar does not have (e.g. 1582-10-10 in `standard`).
    package func dayNumber(year: Int, month: Int, day: Int) -> Int? {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        switch self {
        case .prolepticGregorian: return gregorianJDN(year, month, day)
        case .julian: return julianJDN(year, month, day)
        case .standard:
            if (year, month, day) >= (1582, 10, 15) { return gregorianJDN(year, month, day) }
            if (year, month, day) <= (1582, 10, 4) { return julianJDN(year, month, day) }
            return nil
        case .noleap, .allLeap, .day360:
            let yearLength = self == .day360 ? 360 : (self == .noleap ? 365 : 366)
            var days = year * yearLength
            for m in 1..<month { days += daysInMonth(year: year, month: m) }
            return days + day - 1
        }
    }

    /// The calendar date of a day number (inverse of ``dayNumber(year:month:day:)``).
    package func date(dayNumber n: Int) -> (year: Int, month: Int, day: Int) {
        switch self {
        case .prolepticGregorian: return gregorianDate(n)
        case .julian: return julianDate(n)
        case .standard: return n >= 2_299_161 ? gregorianDate(n) : julianDate(n)
        case .noleap, .allLeap, .day360:
            let yearLength = self == .day360 ? 360 : (self == .noleap ? 365 : 366)
            let year = floorDiv(n, yearLength)
            var rest = n - year * yearLength
            var month = 1
            while rest >= daysInMonth(year: year, month: month) {
                rest -= daysInMonth(year: year, month: month)
                month += 1
            }
            return (year, month, rest + 1)
        }
    }
}

private func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

// Fliegel–Van Flandern style conversions (valid for all years with floor division).
private func gregorianJDN(_ y: Int, _ m: Int, _ d: Int) -> Int {
    let a = floorDiv(14 - m, 12)
    let yy = y + 4800 - a
    let mm = m + 12 * a - 3
    return d + floorDiv(153 * mm + 2, 5) + 365 * yy + floorDiv(yy, 4) - floorDiv(yy, 100)
        + floorDiv(yy, 400) - 32045
}

private func julianJDN(_ y: Int, _ m: Int, _ d: Int) -> Int {
    let a = floorDiv(14 - m, 12)
    let yy = y + 4800 - a
    let mm = m + 12 * a - 3
    return d + floorDiv(153 * mm + 2, 5) + 365 * yy + floorDiv(yy, 4) - 32083
}

private func gregorianDate(_ jdn: Int) -> (year: Int, month: Int, day: Int) {
    let a = jdn + 32044
    let b = floorDiv(4 * a + 3, 146097)
    let c = a - floorDiv(146097 * b, 4)
    let d = floorDiv(4 * c + 3, 1461)
    let e = c - floorDiv(1461 * d, 4)
    let m = floorDiv(5 * e + 2, 153)
    let day = e - floorDiv(153 * m + 2, 5) + 1
    let month = m + 3 - 12 * floorDiv(m, 10)
    let year = 100 * b + d - 4800 + floorDiv(m, 10)
    return (year, month, day)
}

private func julianDate(_ jdn: Int) -> (year: Int, month: Int, day: Int) {
    let c = jdn + 32082
    let d = floorDiv(4 * c + 3, 1461)
    let e = c - floorDiv(1461 * d, 4)
    let m = floorDiv(5 * e + 2, 153)
    let day = e - floorDiv(153 * m + 2, 5) + 1
    let month = m + 3 - 12 * floorDiv(m, 10)
    let year = d - 4800 + floorDiv(m, 10)
    return (year, month, day)
}

/// A date and time in some CF calendar (no time zone: CF times are UTC unless stated).
package struct CFDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var year: Int
    package var month: Int
    package var day: Int
    package var hour: Int
    package var minute: Int
    /// Seconds within the minute, with fraction.
    package var second: Double

    package init(
        year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0,
        second: Double = 0
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Parses a calendar day written `YYYY-MM-DD` (midnight), checked against `calendar`
    /// (so `2017-02-30` exists in `360_day` only); nil for anything else.
    package init?(day text: some StringProtocol, calendar: CFCalendar) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), d >= 1, d <= calendar.daysInMonth(year: y, month: m)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    package static func < (a: CFDate, b: CFDate) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second)
            < (b.year, b.month, b.day, b.hour, b.minute, b.second)
    }

    /// Whether the time of day is midnight (the date alone says it all).
    package var isMidnight: Bool { hour == 0 && minute == 0 && second == 0 }

    /// ISO 8601 text: `YYYY-MM-DD` at midnight, else `YYYY-MM-DDTHH:MM:SS` (fraction if any).
    package var description: String {
        isMidnight ? dateDescription : dateTimeDescription
    }

    /// ISO 8601 date `YYYY-MM-DD` (the time of day left out).
    package var dateDescription: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// ISO 8601 date and time `YYYY-MM-DDTHH:MM:SS` (`.mmm` when there is a fraction), also
    /// at midnight.
    package var dateTimeDescription: String {
        let date = dateDescription
        let whole = Int(second)
        var text = "\(date)T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(whole, 2))"
        let fraction = second - Double(whole)
        if fraction > 1e-6 {
            let millis = Int((fraction * 1000).rounded())
            text += ".\(pad(millis, 3))"
        }
        return text
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(abs(value))
    let sign = value < 0 ? "-" : ""
    return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// CF time units `"<unit> since <reference date>"` in a calendar.
package struct CFTimeUnits: Sendable, Equatable, CustomStringConvertible {
    /// Seconds per unit (86400 for days, 3600 for hours, 60 for minutes, 1 for seconds).
    package let secondsPerUnit: Double
    /// The unit word as written (`days`, `hours`, …).
    package let unitName: String
    /// The reference date and time.
    package let reference: CFDate
    package let calendar: CFCalendar

    /// Parses `units` (e.g. `days since 1970-01-01`, `hours since 1900-1-1 00:00:0.0`,
    /// `seconds since 2000-01-01T00:00:00Z`).
    ///
    /// - Returns: `nil` when the text is not CF time units with a supported unit (months and
    ///   years are ambiguous in CF and refused) or the reference date is not in `calendar`.
    package init?(_ units: String, calendar: CFCalendar) {
        let words = units.trimmingWhitespace.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 3, words[1].lowercased() == "since" else { return nil }
        let seconds: Double
        switch words[0].lowercased() {
        case "day", "days", "d": seconds = 86400
        case "hour", "hours", "hr", "hrs", "h": seconds = 3600
        case "minute", "minutes", "min", "mins": seconds = 60
        case "second", "seconds", "sec", "secs", "s": seconds = 1
        default: return nil
        }
        guard let reference = CFTimeUnits.parseDate(words[2...].joined(separator: " ")),
            calendar.dayNumber(year: reference.year, month: reference.month, day: reference.day)
                != nil
        else { return nil }
        self.secondsPerUnit = seconds
        self.unitName = String(words[0])
        self.reference = reference
        self.calendar = calendar
    }

    package var description: String { "\(unitName) since \(reference)" }

    /// Parses `YYYY-M-D[( |T)h:m[:s[.f]]][Z| UTC| +00:00]`; a non-zero offset is refused.
    static func parseDate(_ text: String) -> CFDate? {
        var rest = text.trimmingWhitespace
        for suffix in [" UTC", " utc", "Z", " +00:00", "+00:00", " +0000", " 00:00"]
        where rest.hasSuffix(suffix) && rest.count > 10 {
            rest = String(rest.dropLast(suffix.count)).trimmingWhitespace
            break
        }
        let parts = rest.split(
            whereSeparator: { $0 == " " || $0 == "T" }
        ).map(String.init)
        guard let datePart = parts.first, parts.count <= 2 else { return nil }
        var dateFields = datePart.split(separator: "-", omittingEmptySubsequences: false)
            .map(String.init)
        var negative = false
        if dateFields.first == "" {
            negative = true
            dateFields.removeFirst()
        }
        guard dateFields.count == 3, var year = Int(dateFields[0]),
            let month = Int(dateFields[1]), let day = Int(dateFields[2])
        else { return nil }
        if negative { year = -year }
        var date = CFDate(year: year, month: month, day: day)
        if parts.count == 2 {
            let timeFields = parts[1].split(separator: ":").map(String.init)
            guard (1...3).contains(timeFields.count), let hour = Int(timeFields[0]),
                (0..<24).contains(hour)
            else { return nil }
            date.hour = hour
            if timeFields.count > 1 {
                guard let minute = Int(timeFields[1]), (0..<60).contains(minute) else {
                    return nil
                }
                date.minute = minute
            }
            if timeFields.count > 2 {
                guard let second = Double(timeFields[2]), second >= 0, second < 61 else {
                    return nil
                }
                date.second = second
            }
        }
        return date
    }

    private var referenceSeconds: Double {
        Double(reference.hour * 3600 + reference.minute * 60) + reference.second
    }

    private var referenceDay: Int {
        calendar.dayNumber(year: reference.year, month: reference.month, day: reference.day)!
    }

    /// Whether `value` is a time geomap can turn into a date: finite and within ±10^14 s
    /// (about 3 million years) of the reference, so every day count fits an `Int`.
    package func isUsable(_ value: Double) -> Bool {
        value.isFinite && abs(value * secondsPerUnit) <= 1e14
    }

    /// The date `value` units after the reference (to the millisecond).
    /// - Precondition: ``isUsable(_:)`` (time axes are checked when a file is opened).
    package func date(_ value: Double) -> CFDate {
        let totalMillis = ((value * secondsPerUnit + referenceSeconds) * 1000).rounded()
        let dayMillis = 86_400_000.0
        let days = (totalMillis / dayMillis).rounded(.down)
        var millis = Int(totalMillis - days * dayMillis)
        let ymd = calendar.date(dayNumber: referenceDay + Int(days))
        let hour = millis / 3_600_000
        millis -= hour * 3_600_000
        let minute = millis / 60_000
        millis -= minute * 60_000
        return CFDate(
            year: ymd.year, month: ymd.month, day: ymd.day, hour: hour, minute: minute,
            second: Double(millis) / 1000)
    }

    /// The value (in these units) of `date`, or `nil` when the calendar has no such date.
    package func value(of date: CFDate) -> Double? {
        guard let day = calendar.dayNumber(year: date.year, month: date.month, day: date.day)
        else { return nil }
        let seconds =
            Double(day - referenceDay) * 86400
            + Double(date.hour * 3600 + date.minute * 60) + date.second - referenceSeconds
        return seconds / secondsPerUnit
    }
}
