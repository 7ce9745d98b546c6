/// A problem with a per-basin input file (forcings, attributes, variable mapping) or with the
/// statistics. The description is one line: `file[:line]: what is wrong`.
package struct BasinInputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file concerned (or a label such as `model statistics`).
    package let path: String
    /// 1-based line number in a text file, when one line is at fault.
    package let line: Int?
    package let message: String

    package init(_ path: String, line: Int? = nil, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    package var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
