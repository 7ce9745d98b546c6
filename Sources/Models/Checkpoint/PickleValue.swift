package import Tensor

/// A value unpickled from a PyTorch checkpoint by geomap's restricted unpickler: only data, never
/// code. Dicts keep their insertion order.
package indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    case set([PickleValue])
    /// A dict or `collections.OrderedDict`, in insertion order.
    case dict([(key: PickleValue, value: PickleValue)])
    /// A tensor rebuilt from its storage (converted to Float32; `dtype` is the stored type).
    case tensor(Tensor, dtype: DType)
    /// An allowed global that is data, e.g. `torch.device("cpu")` → `object("torch.device", ["cpu"])`.
    case object(String, [PickleValue])

    /// The value of string key `key` if this is a dict.
    package subscript(key: String) -> PickleValue? {
        guard case .dict(let pairs) = self else { return nil }
        for pair in pairs {
            if case .string(let k) = pair.key, k == key { return pair.value }
        }
        return nil
    }

    /// A short type name for reports: `dict`, `tensor`, `int`, …
    package var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .list: "list"
        case .tuple: "tuple"
        case .set: "set"
        case .dict: "dict"
        case .tensor: "tensor"
        case .object(let name, _): name
        }
    }
}
