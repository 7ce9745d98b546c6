import Foundation

/// Where a run is: items finished (done, failed or skipped) of the plan, and the time the items
/// run so far took, for the ETA.
package struct RunProgress: Sendable, Equatable {
    /// Items in the plan.
    package var total: Int
    /// Items finished so far (done, failed or skipped as done earlier).
    package var finished: Int
    /// Of those, the failed ones.
    package var failed: Int
    /// Items run (not skipped) so far and their seconds: the ETA's rate.
    package var ran: Int
    package var ranSeconds: Double
    /// The item in flight, if any.
    package var current: String?

    package init(
        total: Int, finished: Int = 0, failed: Int = 0, ran: Int = 0, ranSeconds: Double = 0,
        current: String? = nil
    ) {
        self.total = total
        self.finished = finished
        self.failed = failed
        self.ran = ran
        self.ranSeconds = ranSeconds
        self.current = current
    }

    /// Seconds left: the items not finished yet, each at the mean time of the items run so far
    /// (`nil` before any item ran). An item left that turns out done earlier is skipped at once,
    /// so the estimate errs long.
    package var secondsLeft: Double? {
        guard ran > 0 else { return nil }
        return Double(max(0, total - finished)) * ranSeconds / Double(ran)
    }

    /// The bar's text: `[#####.........] 3/12 items, 1 failed, ETA 4:10 · landcover/b`
    /// (`ETA --:--` before the first item has run; hours shown as `h:mm:ss`).
    package func line(width: Int = 24) -> String {
        let filled = total > 0 ? min(width, finished * width / total) : width
        let bar =
            String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var text = "[\(bar)] \(finished)/\(total) items"
        if failed > 0 { text += ", \(failed) failed" }
        text += ", ETA " + (secondsLeft.map(Self.clock) ?? "--:--")
        if let current { text += " · \(current)" }
        return text
    }

    /// `m:ss`, or `h:mm:ss` from an hour (`--:--` for a time beyond 999 hours or not finite).
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 3_600_000 else { return "--:--" }
        let total = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, rest)
            : String(format: "%d:%02d", minutes, rest)
    }
}

/// What a run tells its user on stderr. Not on a terminal (cron mail, journald, a log file):
/// one line per item event, as `geomap run: [i/n] key: …`. On a terminal: one progress bar over
/// the whole run (``RunProgress``), redrawn at each event, with only the lines that need a
/// person (failures, retries, stops, mosaics, the outcome) printed above it.
package final class RunReporter {
    /// Draw the bar (stderr is a terminal) instead of a line per event.
    package let terminal: Bool
    package private(set) var progress: RunProgress
    private let prefix: String
    private let write: (String) -> Void
    private var shown = false

    /// - Parameters:
    ///   - terminal: draw the bar (`isatty(2)` for stderr).
    ///   - write: writes text as it is (no newline added).
    package init(
        terminal: Bool, total: Int, prefix: String = "geomap run: ",
        write: @escaping (String) -> Void
    ) {
        self.terminal = terminal
        self.progress = RunProgress(total: total)
        self.prefix = prefix
        self.write = write
    }

    /// An event of the run: a line on its own off a terminal; on a terminal printed above the
    /// bar when `important`, else only shown through the bar.
    package func event(_ line: String, important: Bool = false) {
        guard terminal else {
            write(prefix + line + "\n")
            return
        }
        if important {
            clear()
            write(prefix + line + "\n")
        }
        draw()
    }

    /// Updates where the run is and redraws the bar (on a terminal).
    package func update(_ change: (inout RunProgress) -> Void) {
        change(&progress)
        if terminal { draw() }
    }

    /// A last line (the outcome): the bar is removed first and not drawn again.
    package func finish(_ line: String) {
        clear()
        write(prefix + line + "\n")
    }

    private func draw() {
        write("\r" + prefix + progress.line() + "\u{1B}[K")
        shown = true
    }

    /// Removes the bar (before an error message, say).
    package func clear() {
        if shown { write("\r\u{1B}[K") }
        shown = false
    }
}
