internal import CPROJ

/// One PROJ context (`PJ_CONTEXT`): the owner of PROJ's per-thread state and error log.
///
/// PROJ needs one context per thread; geomap uses one per task. A context and every object made
/// in it (``CoordinateTransform``) stay with the task that created them, so this type is not
/// Sendable. Errors are captured through `proj_log_func`, which is the only place PROJ puts its
/// real messages.
package final class ProjContext {
    let handle: OpaquePointer
    private let log = PROJLog()

    /// Creates a fresh context with geomap's error log installed.
    package init() {
        guard let context = proj_context_create() else {
            fatalError("proj_context_create returned NULL (out of memory)")
        }
        handle = context
        proj_log_func(handle, Unmanaged.passUnretained(log).toOpaque(), collectPROJMessage)
    }

    deinit { proj_context_destroy(handle) }

    /// Runs `body` (PROJ calls made in this context) and turns a `nil` result, or an error PROJ
    /// logged meanwhile, into a ``PROJError`` naming `function`.
    func call<T>(
        _ function: String, subject: String? = nil, _ body: (OpaquePointer) -> T?
    ) throws(PROJError) -> T {
        log.messages.removeAll()
        let result = body(handle)
        let message = log.messages.last
        log.messages.removeAll()
        guard let result else {
            throw PROJError(
                function: function, message: message ?? "PROJ call failed", subject: subject)
        }
        return result
    }

    /// The last message PROJ logged since the last `call`, cleared on read.
    func takeMessage() -> String? {
        defer { log.messages.removeAll() }
        return log.messages.last
    }
}

/// Messages PROJ logged on one context.
final class PROJLog {
    var messages: [String] = []
}

/// Non-capturing trampoline: finds the log through the callback's user data.
private let collectPROJMessage: PJ_LOG_FUNCTION = { appData, level, message in
    guard let appData, let message, level <= Int32(PJ_LOG_ERROR.rawValue) else { return }
    let log = Unmanaged<PROJLog>.fromOpaque(appData).takeUnretainedValue()
    log.messages.append(String(cString: message))
}
