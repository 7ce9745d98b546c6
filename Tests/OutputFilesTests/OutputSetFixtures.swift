import Foundation
import OutputFiles
import TestSupport

/// A folder holding an "old" output set, and helpers to stage and read a "new" one.
struct SetFolder {
    let directory: URL
    /// Names of the set (a raster with its sidecars, plus a second file).
    static let names = ["r.tif.aux.xml", "r.qml", "r.tif", "r.csv"]

    init(old: Bool = true) throws {
        directory = try makeTemporaryDirectory("geomap-outputs")
        if old {
            for name in Self.names { try write("old \(name)", name) }
        }
    }

    func write(_ text: String, _ name: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    /// Everything in the folder (hidden names included): name → content.
    func contents() throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let data = FileManager.default.contents(
                atPath: directory.appendingPathComponent(name).path)
            result[name] = data.map { String(decoding: $0, as: UTF8.self) } ?? "<dir>"
        }
        return result
    }

    /// The old set as written by `init`.
    static var oldSet: [String: String] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, "old \($0)") })
    }

    /// The new set `stageNew` writes: no `.aux.xml` (so the old one must go).
    static var newSet: [String: String] {
        ["r.qml": "new r.qml", "r.tif": "new r.tif", "r.csv": "new r.csv"]
    }

    func open() throws -> OutputSet {
        try OutputSet(
            directory: directory.path, key: "r", names: Self.names,
            removeWhenAbsent: ["r.tif.aux.xml"], inputs: [])
    }

    /// Opens the set, stages the new files and commits.
    @discardableResult
    func commitNew() throws -> [String] {
        let set = try open()
        for (name, text) in Self.newSet {
            try Data(text.utf8).write(to: URL(fileURLWithPath: set.stagedPath(name)))
        }
        return try set.commit()
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
