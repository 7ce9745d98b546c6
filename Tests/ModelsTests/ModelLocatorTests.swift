import Foundation
import Models
import Tensor
import TestSupport
import Testing

@Suite("Model locations")
struct ModelLocatorTests {
    @Test(
        "search order: GEOMAP_MODELS_PATH, install prefix share/geomap/models, then GEOMAP_MODELS")
    func order() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let extra = root.appendingPathComponent("extra")
        let prefix = root.appendingPathComponent("prefix")
        let user = root.appendingPathComponent("user")
        let bundled = prefix.appendingPathComponent("share/geomap/models")
        for dir in [extra, bundled, user, prefix.appendingPathComponent("bin")] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let locator = ModelLocator(
            environment: ["GEOMAP_MODELS_PATH": extra.path, "GEOMAP_MODELS": user.path],
            executable: prefix.appendingPathComponent("bin/geomap"))
        #expect(locator.locations.map(\.kind) == ["path", "bundled", "user"])
        #expect(locator.locations[1].directory.path == bundled.path)
        let weights = [(name: "w", tensor: Tensor(zeros: [1]))]
        try SafetensorsWriter.write(weights, to: bundled.appendingPathComponent("demo.safetensors"))
        try SafetensorsWriter.write(weights, to: user.appendingPathComponent("demo.safetensors"))
        try SafetensorsWriter.write(weights, to: user.appendingPathComponent("mine.safetensors"))
        let found = locator.modelFiles()
        #expect(found.map(\.name) == ["demo", "mine"])
        #expect(found[0].kind == "bundled", "the bundled demo shadows the user's file of that name")
        #expect(
            try locator.resolve("mine").path == user.appendingPathComponent("mine.safetensors").path
        )
        #expect(try locator.resolve("demo.safetensors").path.hasPrefix(bundled.path))
        #expect { try locator.resolve("absent") } throws: {
            "\($0)".contains("no such model file or model name")
        }
    }

    @Test("a binary inside a source checkout finds the repository's models/ folder")
    func sourceTree() {
        let binary = TestPaths.repository.appendingPathComponent(".build/debug/geomap")
        let locator = ModelLocator(environment: ["HOME": "/nonexistent"], executable: binary)
        #expect(
            locator.locations.contains {
                $0.kind == "bundled"
                    && $0.directory.path
                        == TestPaths.repository.appendingPathComponent("models").path
            })
        #expect(locator.locations.last?.directory.path == "/nonexistent/.local/share/geomap/models")
    }
}
