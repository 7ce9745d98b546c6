/// A failure reported by PROJ, naming the C call and, when there is one, the input it concerned.
///
/// PROJ's own error text (`proj_context_errno_string`) is only "Unknown error (code 4096)"; the
/// real reason arrives through the context's log callback, which ``ProjContext`` captures.
public struct PROJError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The C function that failed, e.g. `proj_create`.
    public let function: String
    /// PROJ's own message, or geomap's when PROJ gave none.
    public let message: String
    /// What the call was about (a CRS definition, a file), when there is one.
    public let subject: String?

    public init(function: String, message: String, subject: String? = nil) {
        self.function = function
        self.message = message
        self.subject = subject
    }

    public var description: String {
        let about = subject.map { "\($0): " } ?? ""
        return "\(about)\(message) (\(function))"
    }
}
