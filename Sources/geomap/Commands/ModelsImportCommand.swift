import ArgumentParser
import Foundation
import Models

/// `geomap models import CHECKPOINT --arch ID --out PATH`.
struct ModelsImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a PyTorch checkpoint or safetensors file into a geomap model file.",
        discussion: """
            Every tensor is checked against the architecture (names, shapes, shared copies); \
            the file is written under a temporary name, loaded strictly, then renamed into \
            place, so a failed import leaves nothing behind. Architectures: \
            \(ArchitectureRegistry.all.map { "\($0.ids.joined(separator: "|")) (\($0.summary))" }.joined(separator: "; ")).
            """)

    @Argument(help: "The checkpoint (.pth/.pt torch.save archive, or .safetensors).")
    var checkpoint: String

    @Option(name: .customLong("arch"), help: "Architecture id (see the discussion above).")
    var architecture: String

    @Option(help: "The model file to write (.safetensors).")
    var out: String

    @Option(help: "Short model name (default: the output file's stem).")
    var name: String?

    @Option(help: "One- or two-sentence description.")
    var description: String?

    @Option(help: "Normalisation statistics JSON ({\"VAR\": {\"mean\": m, \"std\": s}, …}).")
    var stats: String?

    @Option(name: .customLong("set"), help: "Architecture option KEY=VALUE (repeatable).")
    var settings: [String] = []

    @Option(help: "Provenance: where the weights come from (default: the checkpoint's name).")
    var source: String?

    @Option(help: "Provenance: licence of the weights (SPDX id).")
    var license: String?

    @Option(help: "Provenance: training data.")
    var trainingData: String?

    @Flag(help: "Mark the model as a demonstration model (not published weights).")
    var demo = false

    func validate() throws {
        guard out.hasSuffix(".safetensors") else {
            throw ValidationError("--out must end in .safetensors (got \(out))")
        }
        for setting in settings where !setting.contains("=") {
            throw ValidationError("--set expects KEY=VALUE (got \(setting))")
        }
    }

    func run() throws {
        _ = try ArchitectureRegistry.architecture(for: architecture)
        let outURL = URL(fileURLWithPath: out)
        var pairs: [String: String] = [:]
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1)
            pairs[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let options = ImportOptions(
            name: name ?? outURL.deletingPathExtension().lastPathComponent,
            description: description, statsPath: stats, settings: pairs, source: source,
            license: license, trainingData: trainingData, demo: demo)
        let model = try ArchitectureRegistry.importModel(
            checkpoint: URL(fileURLWithPath: checkpoint), architecture: architecture,
            options: options, output: outURL)
        let parameters = model.safetensors.entries.reduce(0) { $0 + $1.count }
        print(
            "wrote \(out): \(model.manifest.architecture), \(parameters) parameters in \(model.safetensors.entries.count) tensors"
        )
    }
}
