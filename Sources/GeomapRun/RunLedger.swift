public import Foundation
public import GeomapCore

/// The record of a run's finished items: `<run-dir>/ledger.jsonl`, one JSON object a line,
/// appended and fsynced per item, so a kill at any moment loses at most the item in flight.
///
/// An item is done when the ledger's latest entry for its key is `done` with the item's current
/// fingerprint and every output it lists still exists with the recorded size. A torn last line
/// (a kill during the append) is ignored when reading and completed by the next append.
public final class RunLedger {
    /// What happened to one item in one attempt series.
    public struct Entry: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable { case done, failed }

        /// `job/item`, unique in the run.
        public var key: String
        /// ``ItemFingerprint`` of the inputs, model, options and geomap version.
        public var fingerprint: String
        public var status: Status
        public var outputs: [OutputRecord]
        /// Attempts made (1 + transient retries).
        public var attempts: Int
        /// Wall-clock seconds of the last attempt.
        public var seconds: Double
        /// For failures: `bad-input`, `io`, `model`, … and the one-line message.
        public var errorClass: String?
        public var message: String?
        /// ISO 8601 UTC.
        public var finished: String

        public init(
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
    public struct OutputRecord: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int64
        public var sha256: String

        public init(path: String, size: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    public let url: URL
    /// The latest entry per key, in file order.
    public private(set) var latest: [String: Entry] = [:]
    private let handle: FileHandle
    private var endsWithNewline: Bool

    /// Opens (creating) the ledger at `url` and reads what it holds.
    public init(url: URL) throws {
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
    public static func read(_ url: URL) throws -> [String: Entry] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        guard let data = try? Data(contentsOf: url) else {
            throw RunFileError(path: url.path, problem: "cannot read the ledger")
        }
        return latest(in: data)
    }

    deinit { try? handle.close() }

    /// Appends `entry` and fsyncs it before returning.
    public func append(_ entry: Entry) throws {
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
    public func isDone(_ key: String, fingerprint: String, resolve: (String) -> URL) -> Bool {
        guard let entry = latest[key], entry.status == .done, entry.fingerprint == fingerprint
        else { return false }
        return Self.outputsPresent(entry, resolve: resolve)
    }

    /// Whether every output `entry` lists is a regular file of the recorded size.
    public static func outputsPresent(_ entry: Entry, resolve: (String) -> URL) -> Bool {
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
public struct RunFileError: Error, CustomStringConvertible, ExitStatusProviding {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
    public var exitStatus: ExitStatus { .ioError }
}
