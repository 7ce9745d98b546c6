import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The machine failed an operation on a file (disk full, I/O error, read-only file system, a
/// file that vanished under the run): exit code 74, or 75 when running again may succeed.
/// One line naming the file and the OS error.
package struct EnvironmentError: Error, CustomStringConvertible, ExitStatusProviding, Sendable {
    /// What geomap was doing, e.g. `rename`, `write`.
    package let operation: String
    package let path: String
    /// The `errno` value.
    package let code: Int32
    /// The failure that revealed it, when the OS error was found afterwards (one line).
    package let detail: String?

    /// Captures `errno` now.
    package init(operation: String, path: String) {
        self.init(operation: operation, path: path, code: errno)
    }

    package init(operation: String, path: String, code: Int32, detail: String? = nil) {
        self.operation = operation
        self.path = path
        self.code = code
        self.detail = detail
    }

    /// `errno` values of a passing condition (a retry may succeed): 75; every other one: 74.
    static let retryable: Set<Int32> = [EAGAIN, EWOULDBLOCK, EBUSY, EINTR, ESTALE, ETXTBSY]

    package var exitStatus: ExitStatus {
        EnvironmentError.retryable.contains(code) ? .tryAgainLater : .ioError
    }

    package var description: String {
        let reason = String(cString: strerror(code))
        let base = "cannot \(operation) \(path): \(reason)"
        guard let detail else { return base }
        return "\(base) (\(detail))"
    }
}

/// Why an output set cannot be written, each one line naming the paths concerned.
package enum OutputError: Error, CustomStringConvertible, ExitStatusProviding, Sendable {
    /// Something that is not a regular file sits at an output name (exit 2).
    case notRegularFile(path: String, kind: String)
    /// An output would replace an input (exit 2).
    case sameAsInput(output: String, input: String)
    /// An output name longer than the file system allows (exit 2).
    case nameTooLong(path: String)
    /// The output folder does not exist or is not a folder (exit 2).
    case noDirectory(path: String)
    /// Another geomap process is writing the same outputs (exit 75).
    case locked(lockFile: String, holder: String)
    /// A written output failed its check; it was removed (exit 3).
    case invalid(path: String, reason: String)
    /// An output larger than the limit (``OutputSizeCheck``; exit 2).
    case tooLarge(path: String, size: Int, shape: String, limit: Int)
    /// The output folder has less free space than the run certainly writes (exit 74).
    case noSpace(directory: String, needed: Int, free: Int)
    /// An environment variable geomap reads has a value it cannot use (exit 2).
    case badSetting(variable: String, value: String, reason: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .notRegularFile, .sameAsInput, .nameTooLong, .noDirectory, .tooLarge, .badSetting:
            .badInput
        case .locked: .tryAgainLater
        case .invalid: .invalidOutput
        case .noSpace: .ioError
        }
    }

    package var description: String {
        switch self {
        case .notRegularFile(let path, let kind):
            "\(path): an output name is taken by a \(kind); geomap only replaces regular files "
                + "(move it away or choose another output)"
        case .sameAsInput(let output, let input):
            "output \(output) is the input \(input); choose another output name or folder"
        case .nameTooLong(let path):
            "\(path): the output name is too long for the file system"
        case .noDirectory(let path):
            "\(path): the output folder does not exist"
        case .locked(let lockFile, let holder):
            "the outputs are being written by \(holder) (lock \(lockFile)); try again when it "
                + "ends"
        case .invalid(let path, let reason):
            "\(path): the written output failed its check and was removed: \(reason)"
        case .tooLarge(let path, let size, let shape, let limit):
            "\(path): the output would be \(OutputSizeCheck.describe(size)) uncompressed "
                + "(\(shape)), over the limit of \(OutputSizeCheck.describe(limit)); if that "
                + "is meant, raise the limit: \(OutputSizeCheck.limitVariable)="
                + "\(Int((Double(size) / 1_073_741_824).rounded(.up)))"
        case .noSpace(let directory, let needed, let free):
            "\(directory): not enough free space: the outputs need at least \(needed) bytes "
                + "(\(OutputSizeCheck.describe(needed))) written there, only \(free) bytes "
                + "(\(OutputSizeCheck.describe(free))) are free"
        case .badSetting(let variable, let value, let reason):
            "\(variable)=\(value): \(reason)"
        }
    }
}

/// Turns any error into one line and the exit code it deserves: Foundation's file errors
/// (`NSCocoaErrorDomain`, `NSPOSIXErrorDomain`) become ``EnvironmentError`` or a one-line bad
/// input; errors that already know their code are left alone.
package enum ErrorClassification {
    /// `errno` values that say the input was fine and the machine failed.
    package static let environmentCodes: Set<Int32> = [
        ENOSPC, EDQUOT, EIO, EROFS, EFBIG, ENFILE, EMFILE, ENOMEM, EAGAIN, EWOULDBLOCK, EBUSY,
        EINTR, ESTALE, ETXTBSY,
    ]

    /// `error` with a one-line description and the right exit code.
    package static func classify(_ error: Error) -> Error {
        if error is ExitStatusProviding { return error }
        let nsError = error as NSError
        guard nsError.domain == NSCocoaErrorDomain || nsError.domain == NSPOSIXErrorDomain
        else { return error }
        let path =
            (nsError.userInfo[NSFilePathErrorKey] as? String)
            ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path ?? "a file"
        var code: Int32?
        if nsError.domain == NSPOSIXErrorDomain { code = Int32(nsError.code) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            code = Int32(underlying.code)
        }
        if code == nil, nsError.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: nsError.code) {
            case .fileWriteOutOfSpace: code = ENOSPC
            case .fileWriteVolumeReadOnly: code = EROFS
            case .fileNoSuchFile, .fileReadNoSuchFile: code = ENOENT
            case .fileWriteNoPermission, .fileReadNoPermission: code = EACCES
            case .fileWriteFileExists: code = EEXIST
            default: break
            }
        }
        let operation =
            (CocoaError.Code(rawValue: nsError.code).isFileRead) ? "read" : "write"
        guard let code else {
            return FileFailure(text: "cannot \(operation) \(path): \(nsError.localizedDescription)")
        }
        if environmentCodes.contains(code) || code == EACCES || code == EPERM {
            return EnvironmentError(operation: operation, path: path, code: code)
        }
        return FileFailure(
            text: "cannot \(operation) \(path): \(String(cString: strerror(code)))")
    }

    /// After `error` while writing into `directory`: when the file system there is full,
    /// read-only or failing (a small probe write fails), an ``EnvironmentError`` saying so;
    /// otherwise `error` classified as ``classify(_:)`` does.
    package static func classify(_ error: Error, writingIn directory: String) -> Error {
        let classified = classify(error)
        if let status = (classified as? ExitStatusProviding)?.exitStatus, status != .badInput {
            return classified
        }
        if let code = probe(directory) {
            let detail = String(describing: classified).split(whereSeparator: \.isNewline)
                .joined(separator: " ")
            return EnvironmentError(
                operation: "write in", path: directory, code: code, detail: detail)
        }
        return classified
    }

    /// The `errno` of a failed 64 KiB probe write + fsync in `directory`, or `nil` when the
    /// probe succeeds (or fails for a reason that says nothing about the machine).
    static func probe(_ directory: String) -> Int32? {
        var info = statvfs()
        if statvfs(directory, &info) == 0, info.f_flag & UInt(ST_RDONLY) != 0 { return EROFS }
        let path = directory + "/" + TemporaryName.make(suffix: "probe")
        let bytes = [UInt8](repeating: 0, count: 64 << 10)
        defer { _ = SystemCall.unlink(path) }
        do {
            try POSIXFileSystem().write(bytes, to: path)
            return nil
        } catch let error as EnvironmentError {
            return environmentCodes.contains(error.code) ? error.code : nil
        } catch {
            return nil
        }
    }
}

/// A file error that is the input's fault (exit 2), as one line.
package struct FileFailure: Error, CustomStringConvertible, Sendable {
    package let text: String
    package init(text: String) { self.text = text }
    package var description: String { text }
}

extension CocoaError.Code {
    fileprivate var isFileRead: Bool { (256...511).contains(rawValue) }
}
extension Optional where Wrapped == CocoaError.Code {
    fileprivate var isFileRead: Bool { self?.isFileRead ?? false }
}
