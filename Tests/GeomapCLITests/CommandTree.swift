import Foundation
import TestSupport

/// The command tree of the built `geomap` binary, from its own `--experimental-dump-help`
/// (ArgumentParser's description of every command, subcommand and option).
struct CommandTree: Decodable {
    struct Name: Decodable {
        var kind: String
        var name: String
    }

    struct Argument: Decodable {
        var kind: String
        var names: [Name]?
        var isRepeating: Bool?
        var shouldDisplay: Bool?

        /// `--in`, or `-h` for a short-only name.
        var spelling: String? {
            guard let names, !names.isEmpty else { return nil }
            let long = names.first { $0.kind == "long" }
            return long.map { "--" + $0.name } ?? "-" + names[0].name
        }
    }

    struct Command: Decodable {
        var commandName: String
        var arguments: [Argument]?
        var subcommands: [Command]?
    }

    var command: Command

    /// The binary's tree.
    static func load() throws -> CommandTree {
        let result = try runGeomap(["--experimental-dump-help"])
        guard result.status == 0 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: ["stderr": result.stderr])
        }
        return try JSONDecoder().decode(CommandTree.self, from: Data(result.stdout.utf8))
    }

    /// Every command that runs something (no `help`), as its words after `geomap`
    /// (`["models", "import"]`), with its options and flags (not `--help`, `--version`).
    func runnableCommands() -> [(path: [String], options: [Argument])] {
        var found: [(path: [String], options: [Argument])] = []
        func visit(_ command: Command, _ path: [String]) {
            let subcommands = (command.subcommands ?? []).filter { $0.commandName != "help" }
            if subcommands.isEmpty, !path.isEmpty {
                let options = (command.arguments ?? []).filter {
                    $0.kind != "positional" && $0.shouldDisplay != false
                        && !["--help", "--version"].contains($0.spelling ?? "")
                }
                found.append((path, options))
            }
            for subcommand in subcommands { visit(subcommand, path + [subcommand.commandName]) }
        }
        visit(command, [])
        return found
    }
}
