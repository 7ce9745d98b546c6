import Foundation
import Models

/// SHA-256 of a whole file, read in blocks of 1 MiB (memory stays bounded for any size).
package enum FileDigest {
    /// Lower-case hex digest of the file at `path`.
    package static func sha256(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunFileError(path: path, problem: "cannot open the file to hash it")
        }
        defer { try? handle.close() }
        var hasher = SHA256Digest()
        while true {
            let block: Data?
            do {
                block = try handle.read(upToCount: 1 << 20)
            } catch {
                throw RunFileError(path: path, problem: "cannot read the file to hash it")
            }
            guard let block, !block.isEmpty else { break }
            hasher.update(block)
        }
        return SHA256Digest.hex(hasher.finalize())
    }
}
