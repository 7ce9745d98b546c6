package import Foundation
import Yams

/// Reads a run configuration strictly: unknown keys, wrong types, a duplicated key, a missing
/// required key and a bad date expression are ``RunConfigError``s naming the file, the line and
/// the key path. Date expressions in date options are resolved against `now`.
package enum RunConfigLoader {
    /// Top-level keys and their meaning; anything else is an error.
    static let topLevelKeys: Set<String> = [
        "version", "retries", "max-failed-fraction", "jobs", "shards",
    ]
    /// Keys of a job that are not command options.
    static let jobKeys: Set<String> = ["name", "kind", "inputs", "chunk-pixels", "group-size"]
    /// Default transient-failure retries per item.
    package static let defaultRetries = 2
    /// Default share of failed items that stops a run.
    package static let defaultMaxFailedFraction = 0.5

    /// Reads and checks `url`. `displayPath` is the file as the user named it (for messages).
    package static func load(_ url: URL, displayPath: String? = nil, now: Date = Date()) throws
        -> RunConfig
    {
        let name = displayPath ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RunConfigError(
                file: name, line: nil, keyPath: "", problem: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RunConfigError(file: name, line: nil, keyPath: "", problem: "not UTF-8 text")
        }
        return try parse(text, file: url.standardizedFileURL, displayPath: name, now: now)
    }

    /// Parses configuration text read from `file`.
    package static func parse(_ text: String, file: URL, displayPath: String, now: Date) throws
        -> RunConfig
    {
        let reader = Reader(file: displayPath, now: now)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw reader.error(nil, "", "the file is empty")
            }
            root = node
        } catch let error as YamlError {
            throw reader.syntaxError(error)
        }
        let top = try reader.mapping(root, "", allowed: topLevelKeys)
        guard let versionNode = top["version"] else {
            throw reader.error(root, "version", "missing (write version: 1)")
        }
        let version = try reader.integer(versionNode, "version")
        guard version == RunConfig.supportedVersion else {
            throw reader.error(
                versionNode, "version",
                "\(version) is not supported (this geomap reads version "
                    + "\(RunConfig.supportedVersion))")
        }
        let retries = try top["retries"].map { try reader.integer($0, "retries") } ?? defaultRetries
        guard (0...100).contains(retries) else {
            throw reader.error(top["retries"], "retries", "must be 0…100")
        }
        let fraction =
            try top["max-failed-fraction"].map { try reader.number($0, "max-failed-fraction") }
            ?? defaultMaxFailedFraction
        guard fraction > 0, fraction <= 1 else {
            throw reader.error(
                top["max-failed-fraction"], "max-failed-fraction", "must be in (0, 1]")
        }
        let shards = try top["shards"].map { try reader.integer($0, "shards") }
        if let shards, !(1...100_000).contains(shards) {
            throw reader.error(top["shards"], "shards", "must be 1…100000 (the number of shards)")
        }
        guard let jobsNode = top["jobs"] else {
            throw reader.error(root, "jobs", "missing (a list of jobs)")
        }
        guard case .sequence(let jobList) = jobsNode, !jobList.isEmpty else {
            throw reader.error(jobsNode, "jobs", "expected a non-empty list of jobs")
        }
        var jobs: [RunJob] = []
        for (index, node) in jobList.enumerated() {
            let job = try reader.job(node, "jobs[\(index)]")
            if let first = jobs.first(where: { $0.name == job.name }) {
                throw reader.error(
                    node, "jobs[\(index)].name",
                    "'\(job.name)' is already the name of the job on line \(first.line)")
            }
            jobs.append(job)
        }
        return RunConfig(
            file: file, retries: retries, maxFailedFraction: fraction, jobs: jobs, shards: shards)
    }
}

/// Walks the YAML node tree, keeping the file name and the run's clock for messages and dates.
private struct Reader {
    let file: String
    let now: Date

    func error(_ node: Node?, _ keyPath: String, _ problem: String) -> RunConfigError {
        RunConfigError(file: file, line: node?.mark?.line, keyPath: keyPath, problem: problem)
    }

    func syntaxError(_ error: YamlError) -> RunConfigError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return RunConfigError(
                file: file, line: context.mark.line, keyPath: "",
                problem: "\(keys) given twice in one mapping (first on this line)")
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return RunConfigError(
                file: file, line: mark.line, keyPath: "", problem: "YAML syntax: \(problem)")
        default:
            let text = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return RunConfigError(file: file, line: nil, keyPath: "", problem: "YAML: \(text)")
        }
    }

    /// A mapping's entries by key, refusing keys outside `allowed` (when given), duplicated
    /// keys and keys that are not plain text.
    func mapping(_ node: Node, _ keyPath: String, allowed: Set<String>?) throws -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw error(node, keyPath, "expected a mapping of keys to values")
        }
        var entries: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                throw error(keyNode, keyPath, "a key must be text")
            }
            let path = keyPath.isEmpty ? key.string : "\(keyPath).\(key.string)"
            if let allowed, !allowed.contains(key.string) {
                let known = allowed.sorted().joined(separator: ", ")
                throw error(keyNode, path, "unknown key (known here: \(known))")
            }
            guard entries[key.string] == nil else {
                throw error(keyNode, path, "given twice")
            }
            entries[key.string] = value
        }
        return entries
    }

    func scalar(_ node: Node, _ keyPath: String) throws -> String {
        guard case .scalar(let scalar) = node else {
            throw error(node, keyPath, "expected one value, found \(describe(node))")
        }
        guard scalar.style != .plain || !isNull(scalar.string) else {
            throw error(node, keyPath, "expected a value, found nothing (null)")
        }
        return scalar.string
    }

    func integer(_ node: Node, _ keyPath: String) throws -> Int {
        let text = try scalar(node, keyPath)
        guard let value = Int(text) else {
            throw error(node, keyPath, "expected a whole number, found '\(text)'")
        }
        return value
    }

    func number(_ node: Node, _ keyPath: String) throws -> Double {
        let text = try scalar(node, keyPath)
        guard let value = Double(text), value.isFinite else {
            throw error(node, keyPath, "expected a number, found '\(text)'")
        }
        return value
    }

    func job(_ node: Node, _ keyPath: String) throws -> RunJob {
        let entries = try mapping(node, keyPath, allowed: nil)
        guard let nameNode = entries["name"] else {
            throw error(node, "\(keyPath).name", "missing (every job needs a name)")
        }
        let name = try scalar(nameNode, "\(keyPath).name")
        let allowedName = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_"))
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(allowedName.contains),
            name.unicodeScalars.allSatisfy(\.isASCII)
        else {
            throw error(
                nameNode, "\(keyPath).name", "'\(name)' may hold only letters, digits, - and _")
        }
        guard let kindNode = entries["kind"] else {
            throw error(node, "\(keyPath).kind", "missing (\(kindList))")
        }
        let kindText = try scalar(kindNode, "\(keyPath).kind")
        guard let kind = RunJobKind(rawValue: kindText) else {
            throw error(kindNode, "\(keyPath).kind", "'\(kindText)' is not one of \(kindList)")
        }
        var inputs: [String] = []
        if let inputsNode = entries["inputs"] {
            guard kind.takesInputs else {
                throw error(
                    inputsNode, "\(keyPath).inputs",
                    "a \(kind.rawValue) job takes no inputs list (its inputs are options)")
            }
            inputs = try list(inputsNode, "\(keyPath).inputs")
            guard !inputs.isEmpty else {
                throw error(inputsNode, "\(keyPath).inputs", "the list is empty")
            }
        } else if kind.takesInputs {
            throw error(
                node, "\(keyPath).inputs",
                "missing (the rasters to predict: paths, globs, folders or VRTs)")
        }
        var chunkPixels: Int?
        if let chunkNode = entries["chunk-pixels"] {
            let path = "\(keyPath).chunk-pixels"
            guard kind.takesInputs else {
                throw error(
                    chunkNode, path,
                    "only tile jobs (predict-tiles, embed-tiles) are split into chunks")
            }
            let value = try integer(chunkNode, path)
            guard value >= 1 else {
                throw error(chunkNode, path, "must be 1 or more (output pixels per side)")
            }
            chunkPixels = value
        }
        var groupSize: Int?
        if let groupNode = entries["group-size"] {
            let path = "\(keyPath).group-size"
            guard kind == .predictBasins || kind == .embedBasins else {
                throw error(
                    groupNode, path,
                    "only basin jobs (predict-basins, embed-basins) are split into groups")
            }
            let value = try integer(groupNode, path)
            guard value >= 1 else {
                throw error(groupNode, path, "must be 1 or more (basins per group)")
            }
            groupSize = value
        }
        guard case .mapping(let mapping) = node else { fatalError("checked by mapping()") }
        var options: [RunOption] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard !RunConfigLoader.jobKeys.contains(key) else { continue }
            let path = "\(keyPath).\(key)"
            guard let first = key.unicodeScalars.first,
                CharacterSet.lowercaseLetters.contains(first),
                key.unicodeScalars.allSatisfy({
                    CharacterSet.lowercaseLetters.contains($0)
                        || CharacterSet.decimalDigits
                            .contains($0)
                        || $0 == "-"
                })
            else {
                throw error(
                    keyNode, path,
                    "not an option name (write options as on the command line without --, "
                        + "e.g. static-raster)")
            }
            options.append(
                RunOption(
                    key: key, value: try optionValue(value, key: key, path),
                    line: keyNode.mark?.line ?? 0))
        }
        return RunJob(
            name: name, kind: kind, inputs: inputs, options: options,
            line: node.mark?.line ?? 0, chunkPixels: chunkPixels, groupSize: groupSize)
    }

    /// A scalar or a list of scalars, as text.
    func list(_ node: Node, _ keyPath: String) throws -> [String] {
        if case .sequence(let items) = node {
            return try items.enumerated().map { try scalar($1, "\(keyPath)[\($0)]") }
        }
        return [try scalar(node, keyPath)]
    }

    func optionValue(_ node: Node, key: String, _ keyPath: String) throws -> RunOption.Value {
        if case .scalar(let scalar) = node, scalar.style == .plain,
            scalar.string == "true" || scalar.string == "false"
        {
            return .flag(scalar.string == "true")
        }
        let values = try list(node, keyPath)
        guard RunDate.optionKeys.contains(key) else { return .values(values) }
        return .values(
            try values.map { text in
                switch RunDate.resolve(text, now: now) {
                case nil: return text
                case .success(let day): return day
                case .failure(let failure): throw error(node, keyPath, failure.message)
                }
            })
    }

    var kindList: String { RunJobKind.allCases.map(\.rawValue).joined(separator: ", ") }

    func isNull(_ text: String) -> Bool { ["", "~", "null", "Null", "NULL"].contains(text) }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        default: return "a value"
        }
    }
}
