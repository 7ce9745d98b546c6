import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A folder, or a glob pattern, naming one file per basin, as the large-sample datasets ship
/// them: Caravan's `timeseries/netcdf/<source>/<gauge_id>.nc` (or `csv/`), CAMELS-US's
/// `basin_mean_forcing/daymet/<huc>/<gauge_id>_lump_cida_forcing_leap.txt` and
/// `usgs_streamflow/<huc>/<gauge_id>_streamflow_qc.txt`. Given to `--forcings` or `--observed`.
///
/// Each file's basin is told by its name (``basinID(ofFile:)``), so only the files of the
/// basins asked for are read.
package enum BasinFileSet {
    /// The extensions of per-basin files; other files in a folder are not looked at.
    static let extensions: Set<String> = ["nc", "nc4", "cdf", "netcdf", "csv", "txt"]

    /// Whether `path` names a set: an existing folder, or a pattern (`*`, `?`, `[`) that is no
    /// file's own name.
    package static func isSet(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return isDirectory.boolValue
        }
        return path.contains { "*?[".contains($0) }
    }

    /// The files of a set, sorted: a folder's files with a per-basin extension, in it and in
    /// its sub-folders (CAMELS groups basins by HUC region; hidden names are left out); the
    /// matches of a pattern (`glob(3)`, e.g. `'timeseries/netcdf/camels/*.nc'`).
    /// - Throws: ``BasinInputError`` naming the set when it holds no such file.
    package static func files(_ path: String) throws(BasinInputError) -> [String] {
        var isDirectory: ObjCBool = false
        var found: [String] = []
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            collect(path, depth: 0, into: &found)
            guard !found.isEmpty else {
                throw BasinInputError(
                    path,
                    "the folder holds no per-basin file (.nc, .csv or .txt, one per basin)")
            }
        } else {
            var result = glob_t()
            defer { globfree(&result) }
            if glob(path, 0, nil, &result) == 0 {
                for i in 0..<Int(result.gl_pathc) {
                    if let match = result.gl_pathv[i] { found.append(String(cString: match)) }
                }
            }
            found = found.filter { isRegularFile($0) }
            guard !found.isEmpty else { throw BasinInputError(path, "no file matches") }
        }
        return found.sorted()
    }

    private static func collect(_ folder: String, depth: Int, into found: inout [String]) {
        guard depth < 4,
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder)
        else { return }
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                continue
            }
            if isDirectory.boolValue {
                collect(path, depth: depth + 1, into: &found)
            } else if extensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased()) {
                found.append(path)
            }
        }
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The basin a per-basin file's name gives: for CAMELS `.txt` files (Daymet forcings
    /// `01022500_lump_cida_forcing_leap.txt`, streamflow `01022500_streamflow_qc.txt`) the name
    /// up to the first `_`; for any other the name without its extension (Caravan:
    /// `camels_01022500.nc` is basin `camels_01022500`).
    package static func basinID(ofFile path: String) -> String {
        let url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "txt" {
            return String(url.lastPathComponent.prefix { $0 != "_" && $0 != "." })
        }
        return url.deletingPathExtension().lastPathComponent
    }

    /// The set's file of each of `basins` that has one.
    /// - Parameters:
    ///   - requireAll: every basin must have a file (forcings); otherwise basins without one
    ///     are only counted in the note (observations).
    ///   - requireSome: some basin must have a file (not so for a group of the basin file,
    ///     whose basins may have no observations at all).
    ///   - what: what the files hold, for messages (`forcing`, `observed`).
    ///   - elsewhere: ids whose files are left out without a word (the basin layer's other
    ///     basins when `basins` is a group of it).
    /// - Returns: `(basin index, file)` in the basins' order, and one line for the user about
    ///   the files left out (of other basins) and, without `requireAll`, the basins without a
    ///   file.
    /// - Throws: ``BasinInputError`` naming the set: no file, two files for one basin, no file
    ///   for any basin, or with `requireAll` basins without a file (listed in one line, with a
    ///   hint when the ids differ only by leading zeros).
    package static func select(
        _ path: String, basins: [String], requireAll: Bool, requireSome: Bool = true,
        what: String, elsewhere: Set<String> = []
    ) throws(BasinInputError) -> (files: [(basin: Int, path: String)], note: String?) {
        let all = try files(path)
        let index = Dictionary(
            basins.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var chosen: [Int: String] = [:]
        var others: [String] = []
        for file in all {
            let id = basinID(ofFile: file)
            guard let b = index[id] else {
                if !elsewhere.contains(id) { others.append(id) }
                continue
            }
            if let first = chosen[b] {
                throw BasinInputError(
                    path,
                    "two \(what) files for basin \(id): \(first) and \(file) (keep one kind of "
                        + "file per basin in the set)")
            }
            chosen[b] = file
        }
        let missing = basins.indices.filter { chosen[$0] == nil }.map { basins[$0] }
        let named = { (ids: [String]) in
            ids.prefix(10).joined(separator: ", ") + (ids.count > 10 ? ", …" : "")
        }
        if (requireSome && chosen.isEmpty) || (requireAll && !missing.isEmpty) {
            throw BasinInputError(
                path,
                "no \(what) file for basin(s) \(named(missing)) (\(missing.count) of "
                    + "\(basins.count); a file is matched to its basin by its name, e.g. "
                    + "\(basins.first ?? "ID").nc)"
                    + BasinIDHints.leadingZeros(missing: missing, available: others))
        }
        var notes: [String] = []
        if !others.isEmpty {
            notes.append(
                "\(others.count) file(s) of other basins left out (\(named(others)))"
            )
        }
        if !missing.isEmpty {
            notes.append("no \(what) file for \(missing.count) basin(s) (\(named(missing)))")
        }
        let files = chosen.keys.sorted().map { (basin: $0, path: chosen[$0]!) }
        return (files, notes.isEmpty ? nil : "\(path): " + notes.joined(separator: "; "))
    }
}
