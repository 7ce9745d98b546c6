import ArgumentParser

/// `geomap models`: inspect, import and list model files.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Inspect checkpoints and model files, import checkpoints, list models.",
        discussion: """
            A geomap model file is one .safetensors file whose metadata carries a JSON manifest \
            (architecture, hyper-parameters, inputs, outputs, provenance); see \
            docs/model-format.md. PyTorch checkpoints are read by a restricted unpickler that \
            executes nothing.
            """,
        subcommands: [ModelsInspectCommand.self, ModelsImportCommand.self, ModelsListCommand.self])
}
