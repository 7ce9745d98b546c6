import Foundation
import TestSupport
import Testing

/// The PIDs of `parent`'s live child processes (from /proc).
private func children(of parent: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        // Fields after "(comm)": state, ppid, …
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && fields[0] != "Z" && Int32(fields[1]) == parent
    }
}

private func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    return !stat[stat.index(after: close)...].hasPrefix(" Z")
}

@Suite("geomap run killed with SIGKILL", .serialized)
struct RunParentDeathTests {
    @Test("the item's process stops itself and removes its temporaries when the run dies")
    func itemStopsWithTheRun() throws {
        let root = try makeTemporaryDirectory("run-parent-death")
        defer { try? FileManager.default.removeItem(at: root) }
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        // One long item: stride 10 over the 400 × 300 sample (999 tiles).
        let config = """
            version: 1
            retries: 0
            jobs:
              - name: landcover
                kind: predict-tiles
                inputs: ["\(region)"]
                out: out
                stride: 10
            """
        let file = root.appendingPathComponent("nightly.yaml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let run = Process()
        run.executableURL = geomapExecutable()
        run.arguments = ["run", file.path]
        run.standardError = FileHandle.nullDevice
        try run.run()
        // Wait for the item's process (bounded: a broken run must fail the test, not hang it).
        var item: Int32?
        for _ in 0..<3000 where item == nil && run.isRunning {
            item = children(of: run.processIdentifier).first
            if item == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        let child = try #require(item, "geomap run started no item process")
        // Let the item write its temporaries before the run dies.
        let out = root.appendingPathComponent("out")
        for _ in 0..<3000 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
            if names.contains(where: { $0.hasSuffix(".staging") }) { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        // The orphaned item notices within its 1 s check and stops (bounded wait, 60 s).
        for _ in 0..<600 where isAlive(child) { Thread.sleep(forTimeInterval: 0.1) }
        #expect(!isAlive(child), "the item's process \(child) outlived the killed run")
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
            .filter { $0.hasPrefix(".") && !$0.hasSuffix(".lock") }
        #expect(leftovers.isEmpty, "temporaries left: \(leftovers)")
        #expect(
            !FileManager.default.fileExists(
                atPath: out.appendingPathComponent("region.classes.tif").path))
    }
}
