package import Foundation
import Tensor

/// A checkpoint to import or inspect: a PyTorch `torch.save` zip archive (read with the
/// restricted unpickler, which executes nothing) or a safetensors file.
package struct Checkpoint {
    /// What kind of file it was.
    package enum Format: String, Sendable {
        case pytorch = "PyTorch zip checkpoint"
        case safetensors = "safetensors"
    }

    /// The file's path.
    package let path: String
    /// Its format.
    package let format: Format
    /// The whole unpickled object (PyTorch), or `nil` (safetensors).
    package let root: PickleValue?
    /// The state dict found in the checkpoint (`module.` prefixes stripped).
    package let stateDict: StateDict
    /// The wrapper key the state dict was found under (`model_state`, `state_dict`, …), or `nil`
    /// for a bare state dict.
    package let wrapperKey: String?
    /// The safetensors `__metadata__` (empty for PyTorch files).
    package let metadata: [String: String]
    /// SHA-256 of the file, hex.
    package let sha256: String

    /// Wrapper keys searched, in order, for the model's state dict.
    package static let wrapperKeys = [
        "model_state", "model_state_dict", "state_dict", "model", "net",
    ]

    /// Reads `url`, recognising the format from its first bytes.
    /// - Throws: ``ModelError`` naming the file: unknown format, corrupt archive, a refused
    ///   global, no state dict found, …
    package init(contentsOf url: URL) throws {
        try self.init(file: try MappedFile(path: url.path))
    }

    /// Reads checkpoint bytes held in memory; `path` names them in errors (tests, fuzzing).
    package init(bytes: [UInt8], path: String) throws {
        try self.init(file: MappedFile(copying: bytes, path: path))
    }

    init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        var hasher = SHA256Digest()
        hasher.update(file.bytes)
        sha256 = SHA256Digest.hex(hasher.finalize())
        if file.bytes.count >= 4, file.bytes[0] == 0x50, file.bytes[1] == 0x4B,
            file.bytes[2] == 0x03, file.bytes[3] == 0x04
        {
            format = .pytorch
            let root = try TorchArchiveReader(bytes: file.bytes, path: path).load()
            self.root = root
            metadata = [:]
            (stateDict, wrapperKey) = try Self.findStateDict(in: root, path: path)
        } else if file.bytes.count >= 9, file.bytes[8] == UInt8(ascii: "{") {
            format = .safetensors
            let safetensors = try SafetensorsFile(file: file)
            root = nil
            metadata = safetensors.metadata
            wrapperKey = nil
            stateDict = Self.strippingDataParallel(
                StateDict(
                    safetensors.entries.map {
                        StateDict.Item(
                            name: $0.name, tensor: safetensors.tensor($0), storedDType: $0.dtype)
                    }))
        } else {
            throw ModelError(
                path,
                "not a PyTorch zip checkpoint or safetensors file (legacy non-zip torch.save files are not supported; re-save with torch >= 1.6)"
            )
        }
    }

    /// The state dict inside `root`: the first of ``wrapperKeys`` holding a dict of tensors, else
    /// `root` itself when it is a dict of tensors. Non-tensor entries are not part of a state dict.
    static func findStateDict(in root: PickleValue, path: String) throws -> (StateDict, String?) {
        func tensors(_ value: PickleValue) -> StateDict? {
            guard case .dict(let pairs) = value, !pairs.isEmpty else { return nil }
            var items: [StateDict.Item] = []
            for pair in pairs {
                guard case .string(let name) = pair.key, case .tensor(let t, let dtype) = pair.value
                else { return nil }
                items.append(StateDict.Item(name: name, tensor: t, storedDType: dtype))
            }
            return StateDict(items)
        }
        for key in wrapperKeys {
            if let inner = root[key] {
                if let state = tensors(inner) { return (strippingDataParallel(state), key) }
                // One more level, e.g. {"model": {"state_dict": …}}.
                for innerKey in wrapperKeys {
                    if let nested = inner[innerKey], let state = tensors(nested) {
                        return (strippingDataParallel(state), "\(key).\(innerKey)")
                    }
                }
            }
        }
        if let state = tensors(root) { return (strippingDataParallel(state), nil) }
        let keys: String
        if case .dict(let pairs) = root {
            keys =
                "keys: "
                + pairs.prefix(8).map { pair in
                    if case .string(let k) = pair.key { return "\(k) (\(pair.value.kind))" }
                    return pair.key.kind
                }.joined(separator: ", ")
        } else {
            keys = "the top level is a \(root.kind)"
        }
        throw ModelError(
            path,
            "no state dict found (looked for a dict of tensors at the top level or under \(wrapperKeys.joined(separator: ", ")); \(keys)"
        )
    }

    /// Removes DataParallel's `module.` prefix when every name carries it.
    static func strippingDataParallel(_ state: StateDict) -> StateDict {
        guard !state.items.isEmpty, state.names.allSatisfy({ $0.hasPrefix("module.") }) else {
            return state
        }
        return state.strippingPrefix("module.")
    }
}
