package import Foundation
package import GeomapCore

/// The record of a run's finished items: `<run-dir>/ledger.jsonl`, one JSON object a line,
/// appended and fsynced per item, so a kill at any moment loses at most the item in flight.
///
/// An item is done when the ledger's latest entry for its key is `done` with the item's current
/// fingerprint and every output it lists still exists with the recorded size. A torn last line
/// (a kill during the append) is ignored when reading and completed by the next append.
package final class RunLedger {
    /// What happened to one item in one attempt series.
    package struct Entry: Codable, Sendable, Equatable {
        package enum Status: String, Codable, Sendable { case done, failed }

        /// `job/item`, unique in the run.
        package var key: String
        /// ``ItemFingerprint`` of the inputs, model, options and geomap version.
        package var fingerprint: String
        package var status: Status
        package var outputs: [OutputRecord]
        /// Attempts made (1 + transient retries).
        package var attempts: Int
        /// Wall-clock seconds of the last attempt.
        package var seconds: Double
        /// For failures: `bad-input`, `io`, `model`, … and the one-line message.
        package var errorClass: String?
        package var message: String?
        /// ISO 8601 UTC.
        package var finished: String

        package init(
            key: String, fingerprint: String, status: Status, outputs: [OutputRecord],
            attempts: Int, seconds: Double, errorClass: String? = nil, message: String? = nil,
            finished: Date = Date()
        ) {
            self.key = key
            self.fingerprint = fingerprint
            self.status = status
            self.outputs = outputs
            self.attempts = attempts
            self.seconds = seconds
            self.errorClass = errorClass
            self.message = message
            self.finished = ISO8601DateFormatter().string(from: finished)
        }
    }

    /// A file an item wrote: path (as the run names it), size in bytes, SHA-256 (hex).
    package struct OutputRecord: Codable, Sendable, Equatable {
        package var path: String
        package var size: Int64
        package var sha256: String

        package init(path: String, size: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    package let url: URL
    /// The latest entry per key, in file order.
    package private(set) var latest: [String: Entry] = [:]
    private let handle: FileHandle
    private var endsWithNewline: Bool

    /// Opens (creating) the ledger at `url` and reads what it holds.
    package init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw RunFileError(path: url.path, problem: "cannot create the ledger")
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw RunFileError(path: url.path, problem: "cannot open the ledger")
        }
        endsWithNewline = data.isEmpty || data.last == UInt8(ascii: "\n")
        latest = Self.latest(in: data)
    }

    /// The latest entry per key of a ledger's bytes. A torn line (a kill during an append)
    /// decodes to nothing and is skipped.
    static func latest(in data: Data) -> [String: Entry] {
        var latest: [String: Entry] = [:]
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let entry = try? decoder.decode(Entry.self, from: Data(line)) else { continue }
            latest[entry.key] = entry
        }
        return latest
    }

    /// The latest entry per key of the ledger at `url`, read only (a ledger that is not there
    /// holds nothing).
    package static func read(_ url: URL) throws -> [String: Entry] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        guard let data = try? Data(contentsOf: url) else {
            throw RunFileError(path: url.path, problem: "cannot read the ledger")
        }
        return latest(in: data)
    }

    deinit { try? handle.close() }

    /// Appends `entry` and fsyncs it before returning.
    package func append(_ entry: Entry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        if !endsWithNewline { line.insert(UInt8(ascii: "\n"), at: 0) }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw RunFileError(path: url.path, problem: "cannot append to the ledger: \(error)")
        }
        endsWithNewline = true
        latest[entry.key] = entry
    }

    /// Whether `key` is done with `fingerprint` and its outputs are still there, whole.
    /// `resolve` turns a recorded output path into a file URL.
    package func isDone(_ key: String, fingerprint: String, resolve: (String) -> URL) -> Bool {
        guard let entry = latest[key], entry.status == .done, entry.fingerprint == fingerprint
        else { return false }
        return Self.outputsPresent(entry, resolve: resolve)
    }

    /// Whether every output `entry` lists is a regular file of the recorded size.
    package static func outputsPresent(_ entry: Entry, resolve: (String) -> URL) -> Bool {
        entry.outputs.allSatisfy { output in
            let path = resolve(output.path).path
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? NSNumber
            else { return false }
            return size.int64Value == output.size
        }
    }
}

/// A run-directory file (ledger, manifest, lock) that cannot be read or written. Exit code 74:
/// the configuration was fine, the machine was not.
package struct RunFileError: Error, CustomStringConvertible, ExitStatusProviding {
    package var path: String
    package var problem: String

    package init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    package var description: String { "\(path): \(problem)" }
    package var exitStatus: ExitStatus { .ioError }
}
