import ArgumentParser
import Foundation
import Models

/// `geomap models list`.
struct ModelsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List bundled models and those in the user's model directory.",
        discussion: """
            Searches $GEOMAP_MODELS_PATH (colon-separated), the bundled models \
            (<prefix>/share/geomap/models beside an installed binary, or models/ of the source \
            tree), then $GEOMAP_MODELS (default ~/.local/share/geomap/models). A model's name \
            is its file name without .safetensors; pass it to --model.
            """)

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Row: Encodable {
        let name: String
        let location: String
        let path: String
        let architecture: String?
        let task: String?
        let demo: Bool?
        let error: String?
    }

    func run() throws {
        let locator = ModelLocator()
        let rows: [Row] = locator.modelFiles().map { found in
            do {
                let file = try ModelFile(contentsOf: found.url)
                return Row(
                    name: found.name, location: found.kind, path: found.url.path,
                    architecture: file.manifest.architecture,
                    task: file.manifest.output.task.rawValue,
                    demo: file.manifest.provenance.demo, error: nil)
            } catch {
                return Row(
                    name: found.name, location: found.kind, path: found.url.path,
                    architecture: nil, task: nil, demo: nil, error: "\(error)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print(
            "searched: "
                + locator.locations.map { "\($0.directory.path) (\($0.kind))" }.joined(
                    separator: ", "))
        if rows.isEmpty { print("no models found") }
        for row in rows {
            if let error = row.error {
                print(
                    TerminalText.escaped(
                        "\(row.name)  [\(row.location)]  not a loadable model: \(error)"))
            } else {
                print(
                    TerminalText.escaped(
                        "\(row.name)  [\(row.location)]  \(row.architecture!)  \(row.task!)"
                            + "\(row.demo! ? "  demo" : "")  \(row.path)"))
            }
        }
    }
}
