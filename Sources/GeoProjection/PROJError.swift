/// A failure reported by PROJ, naming the C call and, when there is one, the input it concerned.
///
/// PROJ's own error text (`proj_context_errno_string`) is only "Unknown error (code 4096)"; the
/// real reason arrives through the context's log callback, which ``ProjContext`` captures.
package struct PROJError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The C function that failed, e.g. `proj_create`.
    package let function: String
    /// PROJ's own message, or geomap's when PROJ gave none.
    package let message: String
    /// What the call was about (a CRS definition, a file), when there is one.
    package let subject: String?

    package init(function: String, message: String, subject: String? = nil) {
        self.function = function
        self.message = message
        self.subject = subject
    }

    package var description: String {
        let about = subject.map { "\($0): " } ?? ""
        return "\(about)\(message) (\(function))"
    }
}
