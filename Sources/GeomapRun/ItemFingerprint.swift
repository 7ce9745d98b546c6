import Foundation
import Models

/// The identity of one work item's result: SHA-256 over the identities of its inputs, the model
/// file's SHA-256, the job's effective options and geomap's version. A ledger entry with the
/// same fingerprint (and its outputs present) means the item need not run again; any change to
/// an input file, the model, an option or geomap redoes exactly the items it touches.
package struct ItemFingerprint: Sendable, Equatable {
    /// Files at most this large are hashed by content as well (cheap), beside their path, size
    /// and modification time; larger ones are known by those three.
    package static let contentHashLimit: Int64 = 4 << 20

    /// An input file as the fingerprint sees it.
    package struct InputIdentity: Sendable, Equatable {
        /// Absolute, standardised path.
        package var path: String
        package var size: Int64
        /// Modification time, nanoseconds since 1970.
        package var modified: Int64
        /// SHA-256 (hex) of the content, for files up to ``contentHashLimit``.
        package var contentSHA256: String?

        /// Reads the identity of the file at `path` (which must exist).
        package static func of(_ path: String) throws -> InputIdentity {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            var info = stat()
            guard stat(absolute, &info) == 0 else {
                throw RunFileError(
                    path: path, problem: "cannot read: \(String(cString: strerror(errno)))")
            }
            let size = Int64(info.st_size)
            let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            let isRegular = (info.st_mode & S_IFMT) == S_IFREG
            let content =
                isRegular && size <= contentHashLimit
                ? try FileDigest.sha256(ofFileAt: absolute) : nil
            return InputIdentity(
                path: absolute, size: size, modified: modified, contentSHA256: content)
        }
    }

    /// Lower-case hex SHA-256.
    package var value: String

    /// - Parameters:
    ///   - inputs: every file the item reads (rasters, forcings, polygons, mapping…), any order.
    ///   - modelSHA256: the model file's digest (empty for jobs without a model).
    ///   - options: the job's effective command-line arguments, in order.
    ///   - item: what part of the inputs the item covers (e.g. a window or a basin range).
    ///   - version: geomap's version.
    package init(
        inputs: [InputIdentity], modelSHA256: String, options: [String], item: String,
        version: String
    ) {
        var hasher = SHA256Digest()
        func field(_ text: String) { hasher.update(text) }  // length-prefixed
        field("geomap-item-v1")
        field(version)
        field(modelSHA256)
        field(item)
        hasher.update(UInt64(options.count))
        options.forEach(field)
        let sorted = inputs.sorted { $0.path < $1.path }
        hasher.update(UInt64(sorted.count))
        for input in sorted {
            field(input.path)
            hasher.update(UInt64(bitPattern: input.size))
            // Like make: a touched input is a changed input, even with the same bytes.
            hasher.update(UInt64(bitPattern: input.modified))
            field(input.contentSHA256 ?? "")
        }
        value = SHA256Digest.hex(hasher.finalize())
    }
}
