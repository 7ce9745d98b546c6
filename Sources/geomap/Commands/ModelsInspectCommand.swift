import ArgumentParser
import Foundation
import Models

/// `geomap models inspect PATH [--json]`.
struct ModelsInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a model file, a PyTorch checkpoint or a safetensors file.",
        discussion: """
            Prints the architecture (or "raw checkpoint"), the parameter count and every tensor \
            with its shape and stored dtype. For a model file it also loads the weights strictly \
            with the architecture's loader and reports the verdict.
            """)

    @Argument(help: "A model file, .pth/.pt checkpoint or .safetensors file (or a model name).")
    var path: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let url = try ModelLocator().resolve(path)
        let report = try ModelReport(url: url)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(TerminalText.escaped(report.text, keepingLines: true))
        }
        if report.valid == false { throw ExitCode(3) }
    }
}

/// What `inspect` reports, as text or JSON.
struct ModelReport: Encodable {
    struct TensorRow: Encodable {
        let name: String
        let shape: [Int]
        let dtype: String
    }

    let path: String
    /// `model file`, `PyTorch zip checkpoint` or `safetensors`.
    let kind: String
    /// The architecture id, or `raw checkpoint`.
    let architecture: String
    let parameterCount: Int
    let tensors: [TensorRow]
    var manifest: ModelManifest?
    /// Strict load by the architecture: `true`/`false` for model files, absent otherwise.
    var valid: Bool?
    var validationError: String?
    /// Where the state dict was found in a checkpoint (`model_state`, …).
    var wrapperKey: String?
    /// Other top-level entries of a checkpoint (`epoch: int`, …) or safetensors metadata.
    var otherEntries: [String: String]?

    init(url: URL) throws {
        path = url.path
        if ModelFile.isModelFile(url) {
            let file = try ModelFile(contentsOf: url)
            kind = "model file"
            architecture = file.manifest.architecture
            manifest = file.manifest
            tensors = file.safetensors.entries.map {
                TensorRow(name: $0.name, shape: $0.shape, dtype: $0.dtype.rawValue)
            }
            parameterCount = file.safetensors.entries.reduce(0) { $0 + $1.count }
            do {
                try ArchitectureRegistry.architecture(for: file.manifest.architecture).validate(
                    file)
                valid = true
            } catch {
                valid = false
                validationError = "\(error)"
            }
            return
        }
        let checkpoint = try Checkpoint(contentsOf: url)
        kind = checkpoint.format.rawValue
        architecture = "raw checkpoint"
        wrapperKey = checkpoint.wrapperKey
        tensors = checkpoint.stateDict.items.map {
            TensorRow(name: $0.name, shape: $0.tensor.shape, dtype: $0.storedDType.rawValue)
        }
        parameterCount = checkpoint.stateDict.parameterCount
        var others: [String: String] = [:]
        if case .dict(let pairs)? = checkpoint.root, checkpoint.wrapperKey != nil {
            for pair in pairs {
                guard case .string(let key) = pair.key, key != checkpoint.wrapperKey else {
                    continue
                }
                others[key] = Self.summary(pair.value)
            }
        }
        for (key, value) in checkpoint.metadata { others["metadata." + key] = value }
        otherEntries = others.isEmpty ? nil : others
    }

    static func summary(_ value: PickleValue) -> String {
        switch value {
        case .int(let v): "\(v)"
        case .float(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .string(let v): v.count > 60 ? "\"\(v.prefix(57))…\"" : "\"\(v)\""
        case .none: "None"
        case .dict(let pairs): "dict (\(pairs.count) entries)"
        case .list(let items): "list (\(items.count) items)"
        case .tuple(let items): "tuple (\(items.count) items)"
        case .tensor(let t, let dtype): "tensor \(t.shape) \(dtype.rawValue)"
        default: value.kind
        }
    }

    /// One line per variable: name, role, units and the normalisation mean ± std when given
    /// (`    clay  static  fraction  mean 0.21 std 0.09`).
    static func variableLines(_ variables: [VariableSpec]) -> [String] {
        let width = min(max(variables.map(\.name.count).max() ?? 0, 4), 40)
        let roleWidth = variables.map { ($0.role?.rawValue ?? "").count }.max() ?? 0
        return variables.map { v in
            var line =
                "    "
                + v.name.padding(toLength: max(width, v.name.count), withPad: " ", startingAt: 0)
            if roleWidth > 0 {
                line +=
                    "  "
                    + (v.role?.rawValue ?? "").padding(
                        toLength: roleWidth, withPad: " ", startingAt: 0)
            }
            line += "  " + (v.units ?? "(no units)")
            if let mean = v.mean, let std = v.std { line += "  mean \(mean) std \(std)" }
            return line
        }
    }

    var text: String {
        var lines = ["\(path)", "  kind:          \(kind)", "  architecture:  \(architecture)"]
        if let manifest {
            lines.append("  name:          \(manifest.name)")
            lines.append("  description:   \(manifest.description)")
            lines.append("  task:          \(manifest.output.task.rawValue)")
            lines.append(
                "  inputs:        \(manifest.input.kind.rawValue), \(manifest.input.variables.count) variables (\(manifest.input.normalization.rawValue))"
            )
            lines += Self.variableLines(manifest.input.variables)
            if let outputs = manifest.output.variables, !outputs.isEmpty {
                lines.append("  outputs:       \(outputs.count) variables")
                lines += Self.variableLines(outputs)
            }
            lines.append(
                "  provenance:    \(manifest.provenance.source)\(manifest.provenance.demo ? " (demo)" : "")"
            )
        }
        if let wrapperKey { lines.append("  state dict:    under '\(wrapperKey)'") }
        if let valid {
            lines.append("  strict load:   \(valid ? "ok" : "FAILED: \(validationError ?? "")")")
        }
        lines.append("  parameters:    \(parameterCount) in \(tensors.count) tensors")
        for key in (otherEntries ?? [:]).keys.sorted() {
            lines.append("  \(key): \(otherEntries![key]!)")
        }
        let width = min(max(tensors.map(\.name.count).max() ?? 0, 4), 70)
        lines.append("  tensors:")
        for row in tensors {
            let padded = row.name.padding(
                toLength: max(width, row.name.count), withPad: " ", startingAt: 0)
            lines.append(
                "    \(padded)  \(row.dtype.padding(toLength: 4, withPad: " ", startingAt: 0))  \(row.shape)"
            )
        }
        return lines.joined(separator: "\n")
    }
}
