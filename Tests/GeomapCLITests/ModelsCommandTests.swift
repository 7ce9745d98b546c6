import Foundation
import TestSupport
import Testing

@Suite("geomap models inspect | import | list")
struct ModelsCommandTests {
    static let checkpoints = TestPaths.fixtures.appendingPathComponent("checkpoints")

    @Test("inspect describes a training checkpoint as a raw checkpoint with its extras")
    func inspectCheckpoint() throws {
        let path = Self.checkpoints.appendingPathComponent("training_checkpoint.pth").path
        let result = try runGeomap(["models", "inspect", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("architecture:  raw checkpoint"))
        #expect(result.stdout.contains("state dict:    under 'model_state'"))
        #expect(result.stdout.contains("epoch: 7"))
        #expect(result.stdout.contains("1.num_batches_tracked  I64   []"))
        let json = try runGeomap(["models", "inspect", path, "--json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["parameterCount"] as? Int == 60)
        #expect((object["tensors"] as? [Any])?.count == 9)
    }

    @Test("inspect in text mode lists every input and output variable with its units")
    func inspectListsVariables() throws {
        let path = TestPaths.repository.appendingPathComponent("models/stefaland-demo.safetensors")
            .path
        let text = try runGeomap(["models", "inspect", path])
        #expect(text.status == 0, "\(text.stderr)")
        let json = try runGeomap(["models", "inspect", path, "--json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let manifest = try #require(object["manifest"] as? [String: Any])
        let input = try #require(manifest["input"] as? [String: Any])
        let output = try #require(manifest["output"] as? [String: Any])
        let inputs = try #require(input["variables"] as? [[String: Any]])
        let outputs = try #require(output["variables"] as? [[String: Any]])
        #expect(!inputs.isEmpty && !outputs.isEmpty)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        for variable in inputs + outputs {
            let name = try #require(variable["name"] as? String)
            let units = try #require(variable["units"] as? String)
            #expect(
                lines.contains {
                    $0.hasPrefix("    \(name) ") && $0.hasSuffix(units)
                        || $0.hasPrefix("    \(name) ") && $0.contains("  \(units)  ")
                },
                "no line for \(name) [\(units)] in:\n\(text.stdout)")
        }
    }

    @Test("a hostile checkpoint fails with one line naming the refused global, exit 2")
    func inspectHostile() throws {
        let path = Self.checkpoints.appendingPathComponent("hostile_os_system.pth").path
        let result = try runGeomap(["models", "inspect", path])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "geomap: error: \(path): checkpoint pickle: refused global 'posix.system': geomap's checkpoint reader only rebuilds tensors and plain containers and never calls other code\n"
        )
        #expect(result.stdout.isEmpty)
    }

    @Test("import writes a model file that inspect validates and list finds")
    func importInspectList() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("probe.safetensors").path
        let source = Self.checkpoints.appendingPathComponent("weights.safetensors").path
        let result = try runGeomap([
            "models", "import", source, "--arch", "linear", "--out", out,
            "--set", "prefix=encoder.", "--set", "task=multi-label", "--license", "MIT", "--demo",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "wrote \(out): linear, 15 parameters in 2 tensors\n")
        let inspect = try runGeomap(["models", "inspect", out])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("kind:          model file"))
        #expect(inspect.stdout.contains("strict load:   ok"))
        #expect(inspect.stdout.contains("task:          multi-label"))
        let list = try runGeomap(["models", "list"], environment: ["GEOMAP_MODELS": dir.path])
        #expect(list.status == 0)
        #expect(list.stdout.contains("probe  [user]  linear  multi-label  demo  \(out)"))
        // By name through the locator.
        let byName = try runGeomap(
            ["models", "inspect", "probe", "--json"],
            environment: ["GEOMAP_MODELS": dir.path])
        #expect(byName.status == 0 && byName.stdout.contains("\"valid\" : true"))
    }

    @Test("unknown architecture and an unreadable checkpoint leave no output (exit 2)")
    func importFailures() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("m.safetensors").path
        let good = Self.checkpoints.appendingPathComponent("state_dict_f32.pth").path
        let unknown = try runGeomap(["models", "import", good, "--arch", "resnet50", "--out", out])
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr.hasPrefix(
                "geomap: error: unknown architecture 'resnet50' (known: linear"))
        let truncated = Self.checkpoints.appendingPathComponent("hostile_truncated.pth").path
        let bad = try runGeomap(["models", "import", truncated, "--arch", "linear", "--out", out])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("zip archive"))
        let wrong = try runGeomap(["models", "import", good, "--arch", "linear", "--out", out])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("missing tensor weight"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
