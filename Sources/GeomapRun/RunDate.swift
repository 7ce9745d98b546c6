package import Foundation

/// Date expressions of run configurations, so that one configuration serves every night:
/// `today`, `yesterday`, `today-30d`, `today+1d`, `yesterday-6d`, resolved against the run's
/// start in UTC to `YYYY-MM-DD`. Other text is passed through unchanged (the command checks it
/// as a date).
package enum RunDate {
    /// Options whose values may be date expressions.
    package static let optionKeys: Set<String> = ["start", "end", "from", "to", "date"]

    /// The resolved day, `nil` when `text` is no date expression, or an error message when it
    /// starts like one but does not parse (`today-3w`, `yesterday+`).
    package static func resolve(_ text: String, now: Date) -> Result<String, DateExpressionError>? {
        let anchors = [("yesterday", -1), ("today", 0)]
        guard let (word, base) = anchors.first(where: { text.hasPrefix($0.0) }) else { return nil }
        let rest = text.dropFirst(word.count)
        var offset = base
        if !rest.isEmpty {
            guard let sign = rest.first, sign == "+" || sign == "-", rest.hasSuffix("d"),
                let days = Int(rest.dropFirst().dropLast()), days >= 0, days <= 100_000
            else {
                return .failure(
                    DateExpressionError(
                        "'\(text)' is not a date expression (today, yesterday, today-30d, "
                            + "today+1d) nor a date"))
            }
            offset += sign == "-" ? -days : days
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.date(byAdding: .day, value: offset, to: now) ?? now
        let parts = calendar.dateComponents([.year, .month, .day], from: day)
        let text = String(
            format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return .success(text)
    }
}

/// Why a date expression does not parse.
package struct DateExpressionError: Error, Equatable {
    package var message: String
    init(_ message: String) { self.message = message }
}
