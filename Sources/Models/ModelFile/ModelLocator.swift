package import Foundation

/// Where geomap finds model files by name (`geomap models list`, `--model NAME`).
///
/// Directories searched, in order (a name found earlier wins):
/// 1. every directory of `$GEOMAP_MODELS_PATH` (colon-separated), for extra locations;
/// 2. the bundled models: `<prefix>/share/geomap/models` for an installed binary at
///    `<prefix>/bin/geomap`, and the repository's `models/` folder for a binary built inside a
///    checkout (found by walking up from the binary to the folder holding `Package.swift`);
/// 3. the user's models: `$GEOMAP_MODELS`, default `~/.local/share/geomap/models`.
/// A model's name is its file name without `.safetensors`.
package struct ModelLocator: Sendable {
    /// One directory searched and what kind it is.
    package struct Location: Sendable, Equatable {
        package let directory: URL
        /// `path` (GEOMAP_MODELS_PATH), `bundled` or `user`.
        package let kind: String
    }

    /// The directories, in search order (existing or not).
    package let locations: [Location]

    /// Locations for this process's environment and executable.
    package init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = ModelLocator.currentExecutable()
    ) {
        var locations: [Location] = []
        if let extra = environment["GEOMAP_MODELS_PATH"] {
            for part in extra.split(separator: ":") where !part.isEmpty {
                locations.append(
                    Location(directory: URL(fileURLWithPath: String(part)), kind: "path"))
            }
        }
        if let executable {
            let bin = executable.deletingLastPathComponent()
            locations.append(
                Location(
                    directory: bin.deletingLastPathComponent().appendingPathComponent(
                        "share/geomap/models"),
                    kind: "bundled"))
            var directory = bin
            for _ in 0..<8 {
                if FileManager.default.fileExists(
                    atPath: directory.appendingPathComponent("Package.swift").path)
                {
                    locations.append(
                        Location(
                            directory: directory.appendingPathComponent("models"), kind: "bundled"))
                    break
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        let user =
            environment["GEOMAP_MODELS"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory())
            .appendingPathComponent(".local/share/geomap/models")
        locations.append(Location(directory: user, kind: "user"))
        self.locations = locations
    }

    /// The running binary (resolving symbolic links), or `nil` when unknown.
    package static func currentExecutable() -> URL? {
        #if os(Linux)
            let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            if link.path != "/proc/self/exe" { return link }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }

    /// One model file found in a location.
    package struct Found: Sendable {
        package let name: String
        package let url: URL
        package let kind: String
    }

    /// Every `*.safetensors` file in the locations, first occurrence of each name only, sorted
    /// by location then name.
    package func modelFiles() -> [Found] {
        var seen = Set<String>()
        var found: [Found] = []
        for location in locations {
            guard
                let names = try? FileManager.default.contentsOfDirectory(
                    atPath: location.directory.path)
            else { continue }
            for file in names.sorted() where file.hasSuffix(".safetensors") && !file.hasPrefix(".")
            {
                let name = String(file.dropLast(".safetensors".count))
                guard seen.insert(name).inserted else { continue }
                found.append(
                    Found(
                        name: name, url: location.directory.appendingPathComponent(file),
                        kind: location.kind))
            }
        }
        return found
    }

    /// `nameOrPath` as a file: an existing path as given, else a model name from the locations.
    /// - Throws: ``ModelError`` listing where it looked.
    package func resolve(_ nameOrPath: String) throws -> URL {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return URL(fileURLWithPath: nameOrPath)
        }
        let name =
            nameOrPath.hasSuffix(".safetensors") ? String(nameOrPath.dropLast(12)) : nameOrPath
        if !name.contains("/"), let found = modelFiles().first(where: { $0.name == name }) {
            return found.url
        }
        throw ModelError(
            nameOrPath,
            "no such model file or model name (looked in \(locations.map(\.directory.path).joined(separator: ", ")))"
        )
    }
}
