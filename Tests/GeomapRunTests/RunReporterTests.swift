import Foundation
import Testing

@testable import GeomapRun

/// Collects what a reporter writes.
private final class Output {
    var text = ""
}

@Suite("run progress: one bar on a terminal, a line per item event elsewhere")
struct RunReporterTests {
    @Test(
        "the bar shows items finished of the plan, failures, the ETA and the item in flight",
        arguments: [
            (RunProgress(total: 12), "[........................] 0/12 items, ETA --:--"),
            (
                RunProgress(total: 12, finished: 3, failed: 1, ran: 2, ranSeconds: 50),
                "[######..................] 3/12 items, 1 failed, ETA 3:45"
            ),
            (
                RunProgress(
                    total: 4, finished: 1, ran: 1, ranSeconds: 2000, current: "landcover/b"),
                "[######..................] 1/4 items, ETA 1:40:00 · landcover/b"
            ),
            (
                RunProgress(total: 2, finished: 2, ran: 1, ranSeconds: 0.2),
                "[########################] 2/2 items, ETA 0:00"
            ),
            (RunProgress(total: 0), "[########################] 0/0 items, ETA --:--"),
        ])
    func bar(progress: RunProgress, expected: String) {
        #expect(progress.line() == expected)
    }

    @Test("clock: m:ss, h:mm:ss from an hour, --:-- for what cannot be a time")
    func clock() {
        #expect(RunProgress.clock(0) == "0:00")
        #expect(RunProgress.clock(59.2) == "1:00")
        #expect(RunProgress.clock(3599) == "59:59")
        #expect(RunProgress.clock(3600) == "1:00:00")
        #expect(RunProgress.clock(.infinity) == "--:--")
        #expect(RunProgress.clock(.nan) == "--:--")
        #expect(RunProgress.clock(-1) == "--:--")
    }

    @Test("off a terminal every event is its own line and no bar is drawn")
    func lines() {
        let output = Output()
        let reporter = RunReporter(terminal: false, total: 2) { output.text += $0 }
        reporter.event("[1/2] a: running")
        reporter.update { $0.current = "a" }
        reporter.event("[1/2] a: failed (bad-input): x", important: true)
        reporter.finish("1 of 2 items failed: a")
        #expect(
            output.text
                == "geomap run: [1/2] a: running\ngeomap run: [1/2] a: failed (bad-input): x\n"
                + "geomap run: 1 of 2 items failed: a\n")
    }

    @Test("on a terminal the bar is redrawn in place; important lines go above it")
    func terminal() {
        let output = Output()
        let reporter = RunReporter(terminal: true, total: 2) { output.text += $0 }
        reporter.event("[1/2] a: running")
        #expect(!output.text.contains("\n"))
        #expect(output.text.hasPrefix("\rgeomap run: [....."))
        output.text = ""
        reporter.update {
            $0.finished = 1
            $0.ran = 1
            $0.ranSeconds = 30
            $0.failed = 1
        }
        reporter.event("[1/2] a: failed (bad-input): x", important: true)
        #expect(
            output.text.hasPrefix(
                "\rgeomap run: [############............] 1/2 items, 1 failed, ETA 0:30\u{1B}[K"
                    + "\r\u{1B}[Kgeomap run: [1/2] a: failed (bad-input): x\n\rgeomap run: ["))
        output.text = ""
        reporter.finish("1 of 2 items failed: a")
        #expect(output.text == "\r\u{1B}[Kgeomap run: 1 of 2 items failed: a\n")
    }
}
