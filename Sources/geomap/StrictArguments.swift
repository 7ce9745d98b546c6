import ArgumentParser
import Foundation

/// The command line checked against what a command declares: a single-valued option given twice,
/// an option of the other mode. Which options a type declares is read from ArgumentParser's own
/// description of it (`_dumpHelp()`, the JSON behind `--experimental-dump-help`), so no list of
/// option names is kept by hand beside the `@Option` declarations.
///
/// ArgumentParser itself keeps the last value of a repeated single-valued option; geomap refuses
/// it (exit 2), because a dropped value is a wrong result nobody sees.
struct StrictArguments {
    /// The words after the program name, up to a `--` terminator.
    let words: [String]

    init(_ arguments: [String] = StrictArguments.commandLine) {
        words = Array(arguments.prefix { $0 != "--" })
    }

    /// The command line `validate()` checks: the process's, or the one `geomap run` parses for
    /// an item (``checking(_:_:)``).
    nonisolated(unsafe) private(set) static var commandLine = Array(
        CommandLine.arguments.dropFirst())

    /// Parses `arguments` as geomap's command line with every strictness check, without
    /// running anything: how `geomap run` checks its items' options before any work. Single
    /// threaded use only (the run checks its items before it starts any).
    static func checking(_ arguments: [String]) throws {
        let saved = commandLine
        commandLine = arguments
        defer { commandLine = saved }
        try StrictArguments(arguments).checkRepeats(
            Geomap.commandPath(arguments).last ?? Geomap.self)
        _ = try Geomap.parseAsRoot(arguments)
    }

    /// One option or flag as ArgumentParser declares it.
    struct Declared: Equatable {
        /// Every spelling, with its dashes (`--in`, `-h`).
        var spellings: [String]
        /// The spelling shown in messages (the first long one).
        var name: String
        /// Takes a value (an option, not a flag).
        var takesValue: Bool
        /// May be given more than once (an array option or a counted flag).
        var isRepeating: Bool
    }

    /// The options and flags `type` declares (its option groups included; `--help` and
    /// `--version` left out).
    static func declared(by type: ParsableArguments.Type) -> [Declared] {
        let json = Data(type._dumpHelp().utf8)
        guard let tool = try? JSONDecoder().decode(ToolDump.self, from: json) else { return [] }
        return (tool.command.arguments ?? []).compactMap { argument in
            guard argument.kind != "positional", let names = argument.names, !names.isEmpty
            else { return nil }
            let spellings = names.map { ($0.kind == "long" ? "--" : "-") + $0.name }
            guard !spellings.contains("--help"), !spellings.contains("--version") else {
                return nil
            }
            let name = names.firstIndex { $0.kind == "long" }.map { spellings[$0] } ?? spellings[0]
            return Declared(
                spellings: spellings, name: name, takesValue: argument.kind == "option",
                isRepeating: argument.isRepeating ?? false)
        }
    }

    /// How often `option` is written on the command line (`--in X` or `--in=X`).
    func count(of option: Declared) -> Int {
        words.filter { word in
            option.spellings.contains { word == $0 || word.hasPrefix($0 + "=") }
        }.count
    }

    /// The options and flags of `types` that the command line gives, by their shown names, in
    /// declaration order.
    func given(_ types: [ParsableArguments.Type]) -> [String] {
        types.flatMap { Self.declared(by: $0) }.filter { count(of: $0) > 0 }.map(\.name)
    }

    /// - Throws: `ValidationError` naming the first single-valued option given more than once.
    func checkRepeats(_ type: ParsableArguments.Type) throws {
        for option in Self.declared(by: type) where option.takesValue && !option.isRepeating {
            let times = count(of: option)
            if times > 1 {
                throw ValidationError(
                    "\(option.name) was given \(times) times; it takes one value")
            }
        }
    }

    /// One way to run a command (`predict --in` is tile mode), chosen by its selector option.
    struct Mode {
        /// `tile`, `basin`.
        var name: String
        /// The option that chooses the mode (`--in`, `--basins`).
        var selector: String
        /// What the selector names, for messages (`RASTER`).
        var value: String
        /// Every option group that belongs to this mode only (the selector's included).
        var groups: [ParsableArguments.Type]
    }

    /// Exactly one of `modes` is chosen, and no option of another mode is given.
    /// - Throws: `ValidationError` naming the options in conflict.
    func checkModes(_ modes: [Mode]) throws {
        let chosen = modes.filter { mode in given(mode.groups).contains(mode.selector) }
        let choices = modes.map { "\($0.selector) \($0.value) (\($0.name) mode)" }
        guard let mode = chosen.first else {
            throw ValidationError("give \(choices.joined(separator: " or "))")
        }
        guard chosen.count == 1 else {
            throw ValidationError(
                "give either \(chosen.map(\.selector).joined(separator: " or ")), not both")
        }
        for other in modes where other.name != mode.name {
            if let stray = given(other.groups).first {
                throw ValidationError(
                    "\(stray) is a \(other.name)-mode option (with \(other.selector)); it does "
                        + "not apply with \(mode.selector)")
            }
        }
    }

    /// The part of ArgumentParser's dump that is read here.
    private struct ToolDump: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }
        struct Argument: Decodable {
            var kind: String
            var names: [Name]?
            var isRepeating: Bool?
        }
        struct Command: Decodable {
            var arguments: [Argument]?
        }
        var command: Command
    }
}
