import Foundation
import Models
import Tensor
import TestSupport
import Testing

/// `Tests/Fixtures/checkpoints/expected.json`, written by tools/fixtures/make_checkpoint_fixtures.py.
struct ExpectedFixtures: Decodable {
    struct TensorRecord: Decodable {
        let name: String
        let shape: [Int]
        let dtype: String
        let values: [Double]
    }
    struct File: Decodable {
        let wrapper: String?
        let tensors: [TensorRecord]
        let metadata: [String: String]?
    }
    let files: [String: File]
    let hostile: [String: String]

    static let directory = TestPaths.fixtures.appendingPathComponent("checkpoints")

    static func load() throws -> ExpectedFixtures {
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(ExpectedFixtures.self, from: data)
    }
}

@Suite("PyTorch checkpoints written by torch.save")
struct CheckpointTests {
    static let names = [
        "state_dict_f32.pth", "training_checkpoint.pth", "state_dict_f16.pth",
        "state_dict_bf16.pth", "noncontiguous.pth", "dataparallel.pth",
        "state_dict_deflated.pth", "weights.safetensors",
    ]

    @Test(
        "every tensor reads back exactly (names, order, shapes, dtypes, values)", arguments: names)
    func readsBack(_ name: String) throws {
        let expected = try #require(try ExpectedFixtures.load().files[name])
        let checkpoint = try Checkpoint(
            contentsOf: ExpectedFixtures.directory.appendingPathComponent(name))
        #expect(checkpoint.wrapperKey == expected.wrapper)
        #expect(checkpoint.stateDict.names == expected.tensors.map(\.name))
        for (item, record) in zip(checkpoint.stateDict.items, expected.tensors) {
            #expect(item.tensor.shape == record.shape, "\(record.name)")
            #expect(item.storedDType.rawValue == record.dtype, "\(record.name)")
            #expect(item.tensor.scalars == record.values.map { Float($0) }, "\(record.name)")
        }
        if let metadata = expected.metadata { #expect(checkpoint.metadata == metadata) }
    }

    @Test("the training checkpoint keeps epoch, loss, scaler and optimizer state as data")
    func trainingCheckpoint() throws {
        let url = ExpectedFixtures.directory.appendingPathComponent("training_checkpoint.pth")
        let checkpoint = try Checkpoint(contentsOf: url)
        #expect(checkpoint.format == .pytorch)
        let root = try #require(checkpoint.root)
        guard case .int(7) = root["epoch"], case .float(0.123) = root["best_train_loss"],
            case .float(65536) = root["scaler_state"]?["scale"]
        else {
            Issue.record("epoch/best_train_loss/scaler_state not read: \(root.kind)")
            return
        }
        // opt_state.state[0].exp_avg is a tensor shaped like the first weight ([4, 6]).
        guard case .dict(let states) = root["opt_state"]?["state"],
            case .int(0) = states.first?.key,
            case .tensor(let expAvg, _) = states.first?.value["exp_avg"]
        else {
            Issue.record("optimizer state not read")
            return
        }
        #expect(expAvg.shape == [4, 6])
        guard case .list(let groups) = root["opt_state"]?["param_groups"],
            case .float(let lr) = groups.first?["lr"]
        else {
            Issue.record("param_groups not read")
            return
        }
        #expect(lr == 1e-3)
    }

    @Test(
        "hostile files fail with a clear error naming the file, and never crash",
        arguments: [
            "hostile_os_system.pth", "hostile_truncated.pth", "hostile_absurd_size.pth",
            "hostile_short_storage.pth", "hostile_storage_bytes.pth", "hostile_deep_nesting.pth",
            "hostile_cycle.pth",
        ])
    func hostile(_ name: String) throws {
        let message = try #require(try ExpectedFixtures.load().hostile[name])
        let url = ExpectedFixtures.directory.appendingPathComponent(name)
        do {
            _ = try Checkpoint(contentsOf: url)
            Issue.record("\(name) was accepted")
        } catch let error as ModelError {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.hasPrefix(url.path))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a file that is neither zip nor safetensors is refused")
    func unknownFormat() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("legacy.pth")
        try Data([0x80, 0x02, 0x8A, 0x0A] + [UInt8](repeating: 0, count: 20)).write(to: url)
        #expect { try Checkpoint(contentsOf: url) } throws: {
            "\($0)".contains("not a PyTorch zip checkpoint or safetensors file")
        }
    }
}
