import Foundation
import GeomapRun
import TestSupport
import Testing

@Suite("run ledger and item fingerprints")
struct RunLedgerTests {
    private func output(_ folder: URL, _ name: String, _ text: String) throws
        -> RunLedger.OutputRecord
    {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return RunLedger.OutputRecord(
            path: name, size: Int64(text.utf8.count),
            sha256: try FileDigest.sha256(ofFileAt: url.path))
    }

    @Test("entries survive reopening; the latest entry per key wins; done needs its outputs")
    func reopen() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("ledger.jsonl")
        let resolve = { (path: String) in folder.appendingPathComponent(path) }
        let a = try output(folder, "a.tif", "scene a")
        do {
            let ledger = try RunLedger(url: url)
            try ledger.append(
                .init(
                    key: "tiles/a", fingerprint: "f1", status: .failed, outputs: [], attempts: 3,
                    seconds: 1, errorClass: "io", message: "a.tif: disk full"))
            try ledger.append(
                .init(
                    key: "tiles/a", fingerprint: "f1", status: .done, outputs: [a], attempts: 1,
                    seconds: 2))
        }
        let ledger = try RunLedger(url: url)
        #expect(ledger.latest["tiles/a"]?.status == .done)
        #expect(ledger.isDone("tiles/a", fingerprint: "f1", resolve: resolve))
        #expect(!ledger.isDone("tiles/a", fingerprint: "f2", resolve: resolve))
        #expect(!ledger.isDone("tiles/b", fingerprint: "f1", resolve: resolve))
        // An output that changed size or is gone is not done.
        try Data("scene a, rewritten".utf8).write(to: folder.appendingPathComponent("a.tif"))
        #expect(!ledger.isDone("tiles/a", fingerprint: "f1", resolve: resolve))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("a.tif"))
        #expect(!ledger.isDone("tiles/a", fingerprint: "f1", resolve: resolve))
    }

    @Test("a torn last line (a kill during an append) is skipped and the next append completes it")
    func tornLine() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("ledger.jsonl")
        do {
            let ledger = try RunLedger(url: url)
            try ledger.append(
                .init(
                    key: "k1", fingerprint: "f", status: .done, outputs: [], attempts: 1, seconds: 0
                ))
        }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"key":"k2","fingerpr"#.utf8))
        try handle.close()
        let ledger = try RunLedger(url: url)
        #expect(Set(ledger.latest.keys) == ["k1"])
        try ledger.append(
            .init(key: "k3", fingerprint: "f", status: .done, outputs: [], attempts: 1, seconds: 0))
        let reread = try RunLedger(url: url)
        #expect(Set(reread.latest.keys) == ["k1", "k3"])
    }

    @Test("a fingerprint changes with every part it covers and only with them")
    func fingerprint() throws {
        let folder = try makeTemporaryDirectory()
        let scene = folder.appendingPathComponent("scene.tif")
        try Data("pixels".utf8).write(to: scene)
        func print(
            options: [String] = ["--stride", "20"], model: String = "m1", item: String = "all",
            version: String = "0.1.0"
        ) throws -> String {
            ItemFingerprint(
                inputs: [try .of(scene.path)], modelSHA256: model, options: options, item: item,
                version: version
            ).value
        }
        let base = try print()
        #expect(try print() == base)
        #expect(try print(options: ["--stride", "40"]) != base)
        #expect(try print(model: "m2") != base)
        #expect(try print(item: "rows 0-99") != base)
        #expect(try print(version: "0.2.0") != base)
        // Touching the input (same bytes, new time stamp) redoes the item, as make would.
        let later = Date().addingTimeInterval(60)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: scene.path)
        let touched = try print()
        #expect(touched != base)
        try Data("pixelz".utf8).write(to: scene)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: scene.path)
        #expect(try print() != touched)
    }

    @Test("a missing input is named")
    func missingInput() throws {
        #expect {
            try ItemFingerprint.InputIdentity.of("/nonexistent/scene.tif")
        } throws: { error in
            "\(error)" == "/nonexistent/scene.tif: cannot read: No such file or directory"
        }
    }
}
