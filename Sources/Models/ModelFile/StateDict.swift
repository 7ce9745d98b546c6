package import Tensor

/// An ordered PyTorch state dict as imported from a checkpoint: names → Float32 tensors, with
/// each tensor's original dtype for reports. Architectures remap and check it when importing.
package struct StateDict: Sendable {
    /// One named tensor.
    package struct Item: Sendable {
        package var name: String
        package var tensor: Tensor
        /// The dtype it was stored with (e.g. `F16` before conversion).
        package var storedDType: DType

        package init(name: String, tensor: Tensor, storedDType: DType = .float32) {
            self.name = name
            self.tensor = tensor
            self.storedDType = storedDType
        }
    }

    /// The tensors in checkpoint order (names unique).
    package private(set) var items: [Item]

    package init(_ items: [Item]) {
        var seen = Set<String>()
        self.items = items.filter { seen.insert($0.name).inserted }
    }

    /// The names, in order.
    package var names: [String] { items.map(\.name) }

    /// The tensor named `name`, or `nil`.
    package subscript(name: String) -> Tensor? { items.first { $0.name == name }?.tensor }

    /// Total element count (the parameter count).
    package var parameterCount: Int { items.reduce(0) { $0 + $1.tensor.count } }

    /// Removes `prefix` from every name that starts with it (e.g. DataParallel's `module.`).
    package func strippingPrefix(_ prefix: String) -> StateDict {
        renaming { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    }

    /// Only the entries whose name starts with `prefix`, with the prefix removed.
    package func selectingPrefix(_ prefix: String) -> StateDict {
        StateDict(
            items.filter { $0.name.hasPrefix(prefix) }.map {
                Item(
                    name: String($0.name.dropFirst(prefix.count)), tensor: $0.tensor,
                    storedDType: $0.storedDType)
            })
    }

    /// Every name mapped through `rename` (entries mapped to `nil` are dropped).
    package func renaming(_ rename: (String) -> String?) -> StateDict {
        StateDict(
            items.compactMap { item in
                rename(item.name).map {
                    Item(name: $0, tensor: item.tensor, storedDType: item.storedDType)
                }
            })
    }

    /// A strict store over these tensors, for validating them like a model file's.
    package func weightStore(path: String) -> WeightStore {
        WeightStore(items.map { ($0.name, $0.tensor) }, path: path)
    }
}
