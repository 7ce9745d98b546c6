package import Foundation

/// The rasters of a tile job: its `inputs` entries (paths, globs, folders, VRTs) expanded into
/// a sorted list of distinct files, one work item each.
///
/// - A relative entry resolves against the configuration's folder.
/// - A glob (`*`, `?`, `[…]`) takes every regular file it matches; matching nothing is an error
///   (a nightly run whose scenes did not arrive must not pass as an empty success).
/// - A folder takes its regular files with a raster extension (``rasterExtensions``), not
///   recursively, hidden files left out; a folder without any is an error.
/// - Any other entry must be an existing regular file (a VRT is a file like any other).
package enum TileJobInputs {
    /// File extensions (lower case) a folder entry takes.
    package static let rasterExtensions: Set<String> = [
        "tif", "tiff", "vrt", "img", "jp2", "nc",
    ]

    /// The files of `entries`, absolute, sorted by path, each once. `line` and `keyPath` place
    /// errors in the configuration file.
    package static func expand(
        _ entries: [String], folder: URL, file: String, line: Int, keyPath: String
    ) throws -> [String] {
        func failure(_ problem: String) -> RunConfigError {
            RunConfigError(file: file, line: line, keyPath: keyPath, problem: problem)
        }
        var files = Set<String>()
        for entry in entries {
            let path =
                entry.hasPrefix("/")
                ? entry : folder.appendingPathComponent(entry).standardizedFileURL.path
            if entry.contains(where: { "*?[".contains($0) }) {
                let matches = glob(path).filter(isRegularFile)
                guard !matches.isEmpty else { throw failure("'\(entry)' matches no file") }
                files.formUnion(matches)
            } else if isDirectory(path) {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                let rasters = names.filter {
                    !$0.hasPrefix(".")
                        && rasterExtensions.contains(
                            URL(fileURLWithPath: $0).pathExtension.lowercased())
                }.map { "\(path)/\($0)" }.filter(isRegularFile)
                guard !rasters.isEmpty else {
                    throw failure(
                        "the folder '\(entry)' holds no raster ("
                            + rasterExtensions.sorted().joined(separator: ", ") + ")")
                }
                files.formUnion(rasters)
            } else if isRegularFile(path) {
                files.insert(path)
            } else if FileManager.default.fileExists(atPath: path) {
                throw failure("'\(entry)' is not a regular file")
            } else {
                throw failure("'\(entry)' does not exist")
            }
        }
        return files.sorted()
    }

    /// The paths `pattern` matches (none on GLOB_NOMATCH or a read error).
    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
