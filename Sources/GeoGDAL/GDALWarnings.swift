internal import CGDAL

/// Like ``withGDALErrors(_:path:_:)``, and also returns the warnings GDAL reported meanwhile
/// (e.g. libtiff's "IO error during reading" on a truncated file), which would otherwise go to
/// GDAL's default handler on stderr.
package func withGDALErrorsAndWarnings<T>(
    _ function: String, path: String? = nil, _ body: () -> T?
) throws(GDALError) -> (value: T, warnings: [String]) {
    let log = GDALErrorLog()
    CPLPushErrorHandlerEx(collectGDALMessages, Unmanaged.passUnretained(log).toOpaque())
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

private let collectGDALMessages: CPLErrorHandler = { errorClass, number, message in
    guard let userData = CPLGetErrorHandlerUserData() else { return }
    let log = Unmanaged<GDALErrorLog>.fromOpaque(userData).takeUnretainedValue()
    let text = message.map { String(cString: $0) } ?? ""
    if errorClass.rawValue >= CE_Failure.rawValue {
        log.failures.append((Int32(errorClass.rawValue), number, text))
    } else if errorClass == CE_Warning {
        log.warnings.append(text)
    }
}
