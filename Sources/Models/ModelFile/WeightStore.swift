package import Tensor

/// Named weights that an architecture consumes strictly while it builds itself.
///
/// ```swift
/// let store = try modelFile.weights()
/// let w = try store.tensor("layers.0.norm1.weight", shape: [144])
/// …
/// try store.verifyAllConsumed()   // an extra tensor is an error naming it
/// ```
/// A missing tensor, a tensor of another shape, and (at the end) any tensor nobody asked for
/// are errors naming the tensor and the file. A final class (not `Sendable`): build the model
/// on one task, then share the model's tensors (which are `Sendable`).
package final class WeightStore {
    /// The file the weights come from (for error messages).
    package let path: String
    private var tensors: [String: Tensor]
    private let order: [String]
    private var consumed = Set<String>()

    /// A store over `tensors` (kept in this order for listings).
    package init(_ tensors: [(name: String, tensor: Tensor)], path: String) {
        self.path = path
        self.order = tensors.map(\.name)
        self.tensors = Dictionary(
            tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// The names, in file order.
    package var names: [String] { order }

    /// Whether a tensor named `name` exists.
    package func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// The shape of `name`, or `nil` when absent (does not consume it).
    package func shape(of name: String) -> [Int]? { tensors[name]?.shape }

    /// The tensor `name`, which must have exactly `shape`; marks it consumed.
    /// - Throws: ``ModelError`` "missing tensor NAME" or "tensor NAME has shape […], expected […]".
    package func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let t = try tensor(name)
        guard t.shape == shape else {
            throw ModelError(path, "tensor \(name) has shape \(t.shape), expected \(shape)")
        }
        return t
    }

    /// The tensor `name` of any shape; marks it consumed.
    /// - Throws: ``ModelError`` "missing tensor NAME", or "tensor NAME holds a non-finite
    ///   value" when any element is NaN or ±Inf (refused at import and at load: such a weight
    ///   only ever yields non-finite outputs).
    package func tensor(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else {
            throw ModelError(path, "missing tensor \(name)")
        }
        if let bad = t.scalars.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(
                path,
                "tensor \(name) holds a non-finite value (\(t.scalars[bad]) at element \(bad) "
                    + "of \(t.count)); a model with NaN or infinite weights is refused")
        }
        consumed.insert(name)
        return t
    }

    /// The tensor `name` with `shape` if present (checked), else `nil`.
    package func optionalTensor(_ name: String, shape: [Int]) throws -> Tensor? {
        contains(name) ? try tensor(name, shape: shape) : nil
    }

    /// Names not consumed yet, in file order.
    package var unconsumed: [String] { order.filter { !consumed.contains($0) } }

    /// Throws if any tensor was never asked for (names up to five of them and the count).
    package func verifyAllConsumed() throws {
        let extra = unconsumed
        guard extra.isEmpty else {
            let shown = extra.prefix(5).joined(separator: ", ")
            let more = extra.count > 5 ? " and \(extra.count - 5) more" : ""
            throw ModelError(
                path, "unexpected tensor\(extra.count == 1 ? "" : "s") \(shown)\(more)")
        }
    }
}
