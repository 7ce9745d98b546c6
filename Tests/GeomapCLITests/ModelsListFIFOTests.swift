import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("geomap models list: only regular files are opened")
struct ModelsListFIFOTests {
    @Test("a FIFO named *.safetensors in GEOMAP_MODELS is listed as not loadable, no hang")
    func fifo() throws {
        let dir = try makeTemporaryDirectory("models-fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.safetensors").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // `timeout` is only a hang guard (exit 124 if the old blocking open came back).
        let result = try runProgram(
            URL(fileURLWithPath: "/usr/bin/timeout"),
            ["120", geomapExecutable().path, "models", "list"],
            environment: ["GEOMAP_MODELS": dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.split(separator: "\n").contains {
                $0.hasPrefix("pipe ") && $0.contains("not a loadable model")
                    && $0.contains("not a regular file")
            }, "\(result.stdout)")
    }
}
