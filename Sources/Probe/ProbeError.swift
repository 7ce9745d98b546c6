/// An error of the linear-probe tools: a sample list, a label file, or data of the wrong shape.
/// Its description is one line naming the file (when there is one) and what is wrong.
package enum ProbeError: Error, CustomStringConvertible, Equatable {
    /// Arrays whose sizes do not fit together.
    case shape(String)
    /// Training data that cannot make a head (e.g. one class only).
    case data(String)
    /// A file that cannot be read or is malformed: the path and what is wrong.
    case file(path: String, problem: String)
    /// An argument outside its range.
    case argument(String)

    package var description: String {
        switch self {
        case .shape(let message): "probe data: \(message)"
        case .data(let message): "probe data: \(message)"
        case .file(let path, let problem): "\(path): \(problem)"
        case .argument(let message): message
        }
    }
}
