package import CGDAL

/// A failure reported by GDAL/OGR, with the C call and the file it concerned.
///
/// GDAL reports errors through its error handler (`CPLError`), not through return values alone;
/// ``withGDALErrors(_:path:_:)`` collects them per thread and turns a failed call into this error.
package struct GDALError: Error, CustomStringConvertible, Sendable {
    /// The GDAL error class (`CE_Warning` = 2, `CE_Failure` = 3, `CE_Fatal` = 4).
    package let errorClass: Int32
    /// The GDAL error number (`CPLE_OpenFailed` = 4, `CPLE_FileIO` = 3, …).
    package let number: Int32
    /// GDAL's own message, or geomap's when GDAL gave none.
    package let message: String
    /// The C function that failed, e.g. `GDALOpenEx`.
    package let function: String
    /// The file the call concerned, when there is one.
    package let path: String?

    package init(
        function: String, path: String?, message: String, number: Int32 = 1,
        errorClass: Int32 = 3
    ) {
        self.function = function
        self.path = path
        self.message = message
        self.number = number
        self.errorClass = errorClass
    }

    package var description: String {
        let subject = path.map { "\($0): " } ?? ""
        return "\(subject)\(message) (\(function))"
    }
}

/// Per-call collector the C trampoline appends to. Used by one thread at a time.
final class GDALErrorLog {
    var failures: [(errorClass: Int32, number: Int32, message: String)] = []
    var warnings: [String] = []
}

/// Non-capturing trampoline: finds the log through the handler's user data.
private let collectGDALError: CPLErrorHandler = { errorClass, number, message in
    guard let userData = CPLGetErrorHandlerUserData() else { return }
    let log = Unmanaged<GDALErrorLog>.fromOpaque(userData).takeUnretainedValue()
    let text = message.map { String(cString: $0) } ?? ""
    if errorClass.rawValue >= CE_Failure.rawValue {
        log.failures.append((Int32(errorClass.rawValue), number, text))
    } else if errorClass == CE_Warning {
        log.warnings.append(text)
    }
}

/// Runs `body` with a per-thread GDAL error handler and returns its result.
///
/// The call fails when `body` returns `nil`, or when it returns a value but GDAL reported an error
/// of class `CE_Failure` or worse meanwhile. Never `await` inside `body`: GDAL's handler stack is
/// per thread.
///
/// - Parameters:
///   - function: the C function name reported in the error.
///   - path: the file concerned, reported in the error.
///   - body: the C call(s); return `nil` for failure.
/// - Throws: ``GDALError`` naming `function` and `path`.
package func withGDALErrors<T>(
    _ function: String, path: String? = nil, _ body: () -> T?
) throws(GDALError) -> T {
    try withGDALErrorsAndWarnings(function, path: path, body).value
}

/// Like ``withGDALErrors(_:path:_:)``, and also returns the warnings GDAL reported meanwhile
/// (e.g. libtiff's "IO error during reading" on a truncated file), which would otherwise go to
/// GDAL's default handler on stderr.
package func withGDALErrorsAndWarnings<T>(
    _ function: String, path: String? = nil, _ body: () -> T?
) throws(GDALError) -> (value: T, warnings: [String]) {
    let log = GDALErrorLog()
    CPLPushErrorHandlerEx(collectGDALError, Unmanaged.passUnretained(log).toOpaque())
    let result = withExtendedLifetime(log) { body() }
    CPLPopErrorHandler()
    if let failure = log.failures.last {
        throw GDALError(
            function: function, path: path, message: failure.message, number: failure.number,
            errorClass: failure.errorClass)
    }
    guard let result else {
        throw GDALError(function: function, path: path, message: "GDAL call failed")
    }
    return (result, log.warnings)
}

/// Checks a `CPLErr` status returned by a GDAL call made inside ``withGDALErrors(_:path:_:)``.
package func gdalCheck(
    _ function: String, path: String? = nil, _ body: () -> CPLErr
) throws(GDALError) {
    _ = try withGDALErrors(function, path: path) { () -> Bool? in
        body() == CE_None ? true : nil
    }
}

/// Checks an `OGRErr` status (`OGRERR_NONE` = 0) returned by an OGR call.
package func ogrCheck(
    _ function: String, path: String? = nil, _ body: () -> OGRErr
) throws(GDALError) {
    var code: OGRErr = OGRERR_NONE
    _ = try withGDALErrors(function, path: path) { () -> Bool? in
        code = body()
        return code == OGRERR_NONE ? true : nil
    }
}
