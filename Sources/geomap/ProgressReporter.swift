import Foundation

/// The one progress display of every command: a bar on stderr with the count, rate and ETA of
/// the current stage, drawn only when stderr is a terminal (never into logs), and notes (one
/// line each) that clear the bar first. Safe to call from the worker threads of a job.
final class ProgressReporter: @unchecked Sendable {
    /// Draw the bar (stderr is a terminal and `--quiet` was not given).
    let drawsBar: Bool
    /// Print notes (`--quiet` was not given); warnings and errors print regardless.
    let printsNotes: Bool
    private let lock = NSLock()
    private var shown = false
    private var stage = ""
    private var stageStart = Date()
    private var lastDraw = Date.distantPast

    /// - Parameter quiet: `--quiet`: no bar and no notes.
    init(quiet: Bool) {
        drawsBar = !quiet && isatty(2) != 0
        printsNotes = !quiet
    }

    /// Shows `done` of `total` `unit` of `stage` (a new stage restarts the rate and ETA).
    /// Redraws at most five times a second and always at the end of a stage.
    func update(_ stage: String, done: Int, total: Int, unit: String = "") {
        guard drawsBar, total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if stage != self.stage {
            self.stage = stage
            stageStart = now
        }
        guard done >= total || now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        try? FileHandle.standardError.write(
            contentsOf:
                Data(Self.line(stage, done: done, total: total, unit: unit, since: stageStart).utf8)
        )
        shown = true
    }

    /// The bar's text: `\r<stage> [####....] done/total unit, rate unit/s, ETA m:ss`.
    static func line(_ stage: String, done: Int, total: Int, unit: String, since start: Date)
        -> String
    {
        let width = 30
        let filled = min(width, max(0, done) * width / total)
        let bar =
            String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Int(Double(max(0, total - done)) / rate) : 0
        let units = unit.isEmpty ? "" : " \(unit)"
        let perSecond = unit.isEmpty ? "/s" : " \(unit)/s"
        return "\r\(stage) [\(bar)] \(done)/\(total)\(units), \(Int(rate))\(perSecond), "
            + "ETA \(eta / 60):\(String(format: "%02d", eta % 60))\u{1B}[K"
    }

    /// Removes the bar.
    func clear() {
        lock.lock()
        defer { lock.unlock() }
        clearLocked()
    }

    /// A note on its own line (left out with `--quiet`).
    func note(_ line: String) {
        guard printsNotes else { return }
        warn(line)
    }

    /// A line that prints even with `--quiet` (warnings, items not run).
    func warn(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        clearLocked()
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }

    private func clearLocked() {
        if shown { try? FileHandle.standardError.write(contentsOf: Data("\r\u{1B}[K".utf8)) }
        shown = false
    }
}
