import Tensor

/// A restricted unpickler for `torch.save` data: it understands the opcodes of protocols 2–5
/// that state dicts and training checkpoints use and builds only data (``PickleValue``).
///
/// It executes nothing. `GLOBAL`/`STACK_GLOBAL` may name only the globals in
/// ``allowedGlobals``, each of which geomap implements itself as a pure data constructor; any
/// other global (e.g. `posix system`) is refused with an error naming it. Every read is bounds
/// checked, containers and memo are bounded by the pickle's own size (every element costs at
/// least one opcode byte), nesting is bounded by ``maximumDepth``, and integers wider than 64 bits
/// are refused, so hostile input fails with a ``ModelError`` instead of crashing or allocating
/// without bound.
struct Unpickler {
    /// Deepest container nesting accepted.
    static let maximumDepth = 200

    /// The globals a checkpoint may reference, and why each is harmless.
    static let allowedGlobals: Set<String> = Set([
        "collections.OrderedDict",  // → an (ordered) dict
        "builtins.set", "__builtin__.set", "builtins.frozenset",  // → a set
        "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",  // → a tensor
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2",
        "torch.nn.parameter.Parameter", "torch.Tensor",  // type markers for the above
        "torch.device", "torch.Size",  // → an object / a tuple
        "_codecs.encode",  // (text, 'latin1') → bytes (how protocol 2 stores bytes)
        "numpy.dtype", "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
    ]).union(storageTypes.keys).union(torchDTypes.map { "torch.\($0)" })

    /// `torch.*Storage` types → element type.
    static let storageTypes: [String: DType] = [
        "torch.FloatStorage": .float32, "torch.DoubleStorage": .float64,
        "torch.HalfStorage": .float16, "torch.BFloat16Storage": .bfloat16,
        "torch.LongStorage": .int64, "torch.IntStorage": .int32, "torch.ShortStorage": .int16,
        "torch.CharStorage": .int8, "torch.ByteStorage": .uint8, "torch.BoolStorage": .bool,
    ]

    /// `torch.<dtype>` objects that may appear as values (e.g. in configs).
    static let torchDTypes = [
        "float32", "float64", "float16", "bfloat16", "int64", "int32",
        "int16", "int8", "uint8", "bool", "float", "double", "half", "long", "int",
    ]

    // MARK: Intermediate values (reference semantics, as in Python)

    // Every box is registered in `arena` and emptied when unpickling ends, so releasing even a
    // hostile, deeply nested graph never recurses (no stack overflow in deinit).
    protocol Box: AnyObject { func clear() }
    final class ListBox: Box {
        var items: [Node] = []
        func clear() { items = [] }
    }
    final class DictBox: Box {
        var pairs: [(Node, Node)] = []
        func clear() { pairs = [] }
    }
    final class TupleBox: Box {
        var items: [Node]
        init(_ items: [Node]) { self.items = items }
        func clear() { items = [] }
    }

    enum Node {
        case value(PickleValue)
        case list(ListBox)
        case dict(DictBox)
        case set(ListBox)
        case tuple(TupleBox)
        case global(String)
        case storage(Storage)
        case numpyDType(String)
        case mark
    }

    struct Storage {
        let dtype: DType
        let key: String
        let count: Int
    }

    /// Resolves persistent storage ids into bytes: `(dtype, key, declared count) → tensor`.
    typealias TensorBuilder = (_ storage: Storage, _ offset: Int, _ size: [Int], _ stride: [Int])
        throws -> Tensor

    let data: UnsafeRawBufferPointer
    let path: String
    let buildTensor: TensorBuilder

    private var position = 0
    private var stack: [Node] = []
    private var marks: [Int] = []
    private var memo: [Int: Node] = [:]
    private var arena: [any Box] = []

    init(data: UnsafeRawBufferPointer, path: String, buildTensor: @escaping TensorBuilder) {
        self.data = data
        self.path = path
        self.buildTensor = buildTensor
    }

    private func fail(_ message: String) -> ModelError {
        ModelError(path, "checkpoint pickle: \(message)")
    }

    // MARK: Reading

    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= data.count - position else {
            throw fail("truncated: needs \(count) bytes at offset \(position) of \(data.count)")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: data[position..<position + count])
    }

    private mutating func byte() throws -> UInt8 { try take(1)[0] }

    private mutating func uint(_ count: Int) throws -> UInt64 {
        let bytes = try take(count)
        var value: UInt64 = 0
        for i in (0..<count).reversed() { value = value << 8 | UInt64(bytes[i]) }
        return value
    }

    private mutating func length(_ width: Int) throws -> Int {
        let value = try uint(width)
        guard value <= UInt64(data.count - position) else {
            throw fail(
                "declared length \(value) exceeds the remaining \(data.count - position) bytes")
        }
        return Int(value)
    }

    private mutating func line() throws -> String {
        var bytes: [UInt8] = []
        while true {
            let b = try byte()
            if b == 0x0A { break }
            bytes.append(b)
            guard bytes.count <= 256 else { throw fail("GLOBAL name longer than 256 bytes") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func utf8(_ count: Int) throws -> String {
        let bytes = try take(count)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw fail("invalid UTF-8 string at offset \(position - count)")
        }
        return text
    }

    // MARK: Stack

    private mutating func pop() throws -> Node {
        guard let top = stack.popLast() else {
            throw fail("stack underflow at offset \(position - 1)")
        }
        if case .mark = top { throw fail("unexpected MARK at offset \(position - 1)") }
        return top
    }

    private mutating func popMark() throws -> [Node] {
        guard let mark = marks.popLast() else { throw fail("no MARK at offset \(position - 1)") }
        guard mark < stack.count, case .mark = stack[mark] else { throw fail("corrupt MARK stack") }
        let items = Array(stack[(mark + 1)...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func push(_ node: Node) throws {
        stack.append(node)
        if case .mark = node { marks.append(stack.count - 1) }
    }

    private func top() throws -> Node {
        guard let last = stack.last else { throw fail("stack underflow at offset \(position - 1)") }
        return last
    }

    // MARK: Run

    /// Unpickles the whole stream and returns its value.
    mutating func load() throws -> PickleValue {
        defer {
            stack = []
            memo = [:]
            for box in arena { box.clear() }
            arena = []
        }
        while true {
            let opcodeOffset = position
            let opcode = try byte()
            switch opcode {
            case 0x80:  // PROTO
                let version = try byte()
                guard version <= 5 else {
                    throw fail("pickle protocol \(version) is not supported")
                }
            case 0x95:  // FRAME
                _ = try uint(8)
            case 0x2E:  // STOP
                let result = try pop()
                var budget = data.count * 4 + 1_000_000
                return try freeze(result, depth: 0, budget: &budget)
            case 0x28: try push(.mark)  // MARK
            case 0x7D: try push(.dict(newDict()))  // EMPTY_DICT
            case 0x5D: try push(.list(newList()))  // EMPTY_LIST
            case 0x29: try push(tuple([]))  // EMPTY_TUPLE
            case 0x8F: try push(.set(newList()))  // EMPTY_SET
            case 0x64:  // DICT
                let items = try popMark()
                guard items.count % 2 == 0 else { throw fail("DICT with an odd number of items") }
                let box = newDict()
                for i in stride(from: 0, to: items.count, by: 2) {
                    box.pairs.append((items[i], items[i + 1]))
                }
                try push(.dict(box))
            case 0x6C:  // LIST
                let box = newList()
                box.items = try popMark()
                try push(.list(box))
            case 0x74: try push(tuple(try popMark()))  // TUPLE
            case 0x85: try push(tuple([try pop()]))  // TUPLE1
            case 0x86:  // TUPLE2
                let b = try pop()
                let a = try pop()
                try push(tuple([a, b]))
            case 0x87:  // TUPLE3
                let c = try pop()
                let b = try pop()
                let a = try pop()
                try push(tuple([a, b, c]))
            case 0x4A:  // BININT
                try push(.value(.int(Int64(Int32(truncatingIfNeeded: try uint(4))))))
            case 0x4B: try push(.value(.int(Int64(try byte()))))  // BININT1
            case 0x4D: try push(.value(.int(Int64(try uint(2)))))  // BININT2
            case 0x8A, 0x8B:  // LONG1, LONG4
                let count = opcode == 0x8A ? Int(try byte()) : try length(4)
                guard count <= 8 else { throw fail("integer of \(count) bytes is too large") }
                let raw = try uint(count)
                let value =
                    count == 0
                    ? 0
                    : count == 8
                        ? Int64(bitPattern: raw)
                        : Int64(bitPattern: raw << UInt64(64 - 8 * count)) >> Int64(64 - 8 * count)
                try push(.value(.int(value)))
            case 0x47:  // BINFLOAT (big-endian)
                let bytes = try take(8)
                var bits: UInt64 = 0
                for b in bytes { bits = bits << 8 | UInt64(b) }
                try push(.value(.float(Double(bitPattern: bits))))
            case 0x8C: try push(.value(.string(try utf8(Int(try byte())))))  // SHORT_BINUNICODE
            case 0x58: try push(.value(.string(try utf8(try length(4)))))  // BINUNICODE
            case 0x8D: try push(.value(.string(try utf8(try length(8)))))  // BINUNICODE8
            case 0x55:  // SHORT_BINSTRING
                try push(
                    .value(.string(String(decoding: try take(Int(try byte())), as: UTF8.self))))
            case 0x54:  // BINSTRING
                try push(.value(.string(String(decoding: try take(try length(4)), as: UTF8.self))))
            case 0x43: try push(.value(.bytes(Array(try take(Int(try byte()))))))  // SHORT_BINBYTES
            case 0x42: try push(.value(.bytes(Array(try take(try length(4))))))  // BINBYTES
            case 0x8E: try push(.value(.bytes(Array(try take(try length(8))))))  // BINBYTES8
            case 0x4E: try push(.value(.none))  // NONE
            case 0x88: try push(.value(.bool(true)))  // NEWTRUE
            case 0x89: try push(.value(.bool(false)))  // NEWFALSE
            case 0x71: memo[Int(try byte())] = try top()  // BINPUT
            case 0x72: memo[Int(try uint(4))] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68, 0x6A:  // BINGET, LONG_BINGET
                let index = opcode == 0x68 ? Int(try byte()) : Int(try uint(4))
                guard let node = memo[index] else { throw fail("memo entry \(index) is missing") }
                try push(node)
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: try push(try top())  // DUP
            case 0x73:  // SETITEM
                let value = try pop()
                let key = try pop()
                guard case .dict(let box) = try top() else { throw fail("SETITEM on a non-dict") }
                box.pairs.append((key, value))
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else {
                    throw fail("SETITEMS with an odd number of items")
                }
                guard case .dict(let box) = try top() else { throw fail("SETITEMS on a non-dict") }
                for i in stride(from: 0, to: items.count, by: 2) {
                    box.pairs.append((items[i], items[i + 1]))
                }
            case 0x61:  // APPEND
                let value = try pop()
                guard case .list(let box) = try top() else { throw fail("APPEND on a non-list") }
                box.items.append(value)
            case 0x65:  // APPENDS
                let items = try popMark()
                guard case .list(let box) = try top() else { throw fail("APPENDS on a non-list") }
                box.items += items
            case 0x90:  // ADDITEMS
                let items = try popMark()
                guard case .set(let box) = try top() else { throw fail("ADDITEMS on a non-set") }
                box.items += items
            case 0x91:  // FROZENSET
                let box = newList()
                box.items = try popMark()
                try push(.set(box))
            case 0x63:  // GLOBAL
                let module = try line()
                let name = try line()
                try push(try global(module, name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard case .value(.string(let n)) = name, case .value(.string(let m)) = module
                else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                try push(try global(m, n))
            case 0x52, 0x81:  // REDUCE, NEWOBJ
                let arguments = try pop()
                let callable = try pop()
                guard case .tuple(let argsBox) = arguments else {
                    throw fail("call arguments are not a tuple")
                }
                try push(try call(callable, argsBox.items))
            case 0x62:  // BUILD
                let state = try pop()
                let target = try top()
                switch target {
                case .dict, .value(.tensor), .numpyDType:
                    _ = state  // OrderedDict attributes (_metadata), parameter state: not needed
                default:
                    throw fail("BUILD on \(describe(target)) is not allowed")
                }
            case 0x51:  // BINPERSID
                try push(try persistentLoad(try pop()))
            default:
                throw fail(
                    "opcode 0x\(String(opcode, radix: 16)) at offset \(opcodeOffset) is not allowed"
                )
            }
        }
    }

    private func global(_ module: String, _ name: String) throws -> Node {
        let full = "\(module).\(name)"
        guard Self.allowedGlobals.contains(full) else {
            throw fail(
                "refused global '\(full)': geomap's checkpoint reader only rebuilds tensors and plain containers and never calls other code"
            )
        }
        return .global(full)
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .value(let v): v.kind
        case .list: "list"
        case .dict: "dict"
        case .set: "set"
        case .tuple: "tuple"
        case .global(let name): name
        case .storage: "storage"
        case .numpyDType: "numpy.dtype"
        case .mark: "MARK"
        }
    }

    // MARK: Allowed calls

    private func int(_ node: Node, _ what: String) throws -> Int {
        guard case .value(.int(let v)) = node else { throw fail("\(what) is not an integer") }
        return Int(v)
    }

    private func ints(_ node: Node, _ what: String) throws -> [Int] {
        guard case .tuple(let box) = node else {
            if case .list(let box) = node { return try box.items.map { try int($0, what) } }
            throw fail("\(what) is not a tuple")
        }
        return try box.items.map { try int($0, what) }
    }

    private mutating func call(_ callable: Node, _ args: [Node]) throws -> Node {
        guard case .global(let name) = callable else {
            throw fail("call of \(describe(callable)) is not allowed")
        }
        switch name {
        case "collections.OrderedDict":
            guard args.isEmpty else { throw fail("OrderedDict with arguments is not supported") }
            return .dict(newDict())
        case "builtins.set", "__builtin__.set", "builtins.frozenset":
            let box = newList()
            if let first = args.first {
                switch first {
                case .list(let list): box.items = list.items
                case .tuple(let tuple): box.items = tuple.items
                default: throw fail("set() of \(describe(first))")
                }
            }
            return .set(box)
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard args.count >= 4, case .storage(let storage) = args[0] else {
                throw fail("_rebuild_tensor_v2 needs (storage, offset, size, stride, …)")
            }
            let offset = try int(args[1], "storage offset")
            let size = try ints(args[2], "tensor size")
            let stride = try ints(args[3], "tensor stride")
            let tensor = try buildTensor(storage, offset, size, stride)
            return .value(.tensor(tensor, dtype: storage.dtype))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let first = args.first, case .value(.tensor) = first else {
                throw fail("_rebuild_parameter needs a tensor")
            }
            return first
        case "torch._tensor._rebuild_from_type_v2":
            guard args.count >= 3, case .tuple(let innerBox) = args[2] else {
                throw fail("_rebuild_from_type_v2 needs (function, type, arguments, state)")
            }
            guard case .global(let type) = args[1],
                ["torch.nn.parameter.Parameter", "torch.Tensor"].contains(type)
            else { throw fail("_rebuild_from_type_v2 of a type other than Tensor or Parameter") }
            return try call(args[0], innerBox.items)
        case "torch.device":
            let values = try args.map { try freezeLeaf($0) }
            return .value(.object("torch.device", values))
        case "torch.Size":
            guard let first = args.first else { return tuple([]) }
            return tuple(try ints(first, "torch.Size").map { .value(.int(Int64($0))) })
        case "_codecs.encode":
            guard args.count == 2, case .value(.string(let text)) = args[0],
                case .value(.string(let encoding)) = args[1], encoding == "latin1"
            else { throw fail("_codecs.encode other than (str, 'latin1')") }
            var bytes: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { throw fail("_codecs.encode: non-latin1 text") }
                bytes.append(UInt8(scalar.value))
            }
            return .value(.bytes(bytes))
        case "numpy.dtype":
            guard case .value(.string(let code)) = args.first else {
                throw fail("numpy.dtype needs a type code")
            }
            return .numpyDType(code)
        case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar":
            guard args.count == 2, case .numpyDType(let code) = args[0],
                case .value(.bytes(let bytes)) = args[1]
            else { throw fail("numpy scalar needs (dtype, bytes)") }
            return .value(try numpyScalar(code, bytes))
        default:
            throw fail("call of '\(name)' is not allowed")
        }
    }

    private func numpyScalar(_ code: String, _ bytes: [UInt8]) throws -> PickleValue {
        func raw(_ n: Int) throws -> UInt64 {
            guard bytes.count == n else {
                throw fail("numpy \(code) scalar of \(bytes.count) bytes")
            }
            return bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        switch code {
        case "f8": return .float(Double(bitPattern: try raw(8)))
        case "f4": return .float(Double(Float(bitPattern: UInt32(try raw(4)))))
        case "f2": return .float(Double(DType.halfToFloat(UInt16(try raw(2)))))
        case "i8": return .int(Int64(bitPattern: try raw(8)))
        case "i4": return .int(Int64(Int32(truncatingIfNeeded: try raw(4))))
        case "u1", "i1", "b1": return .int(Int64(try raw(1)))
        default: throw fail("numpy scalar of dtype \(code) is not supported")
        }
    }

    private mutating func newList() -> ListBox {
        let box = ListBox()
        arena.append(box)
        return box
    }

    private mutating func newDict() -> DictBox {
        let box = DictBox()
        arena.append(box)
        return box
    }

    private mutating func tuple(_ items: [Node]) -> Node {
        let box = TupleBox(items)
        arena.append(box)
        return .tuple(box)
    }

    private func persistentLoad(_ pid: Node) throws -> Node {
        guard case .tuple(let box) = pid, case let items = box.items, items.count >= 5,
            case .value(.string("storage")) = items[0],
            case .global(let typeName) = items[1],
            case .value(.string(let key)) = items[2]
        else { throw fail("persistent id is not ('storage', type, key, location, count)") }
        guard let dtype = Self.storageTypes[typeName] else {
            throw fail("storage type \(typeName) is not supported")
        }
        let count = try int(items[4], "storage element count")
        guard count >= 0 else { throw fail("storage \(key) has a negative element count") }
        return .storage(Storage(dtype: dtype, key: key, count: count))
    }

    // MARK: Freezing into values

    private func freezeLeaf(_ node: Node) throws -> PickleValue {
        var budget = 1000
        return try freeze(node, depth: Self.maximumDepth - 2, budget: &budget)
    }

    /// Converts the reference graph into values, bounding depth (which also stops cycles) and
    /// the total number of nodes produced (which stops exponential expansion of shared nodes).
    private func freeze(_ node: Node, depth: Int, budget: inout Int) throws -> PickleValue {
        guard depth < Self.maximumDepth else {
            throw fail("nesting deeper than \(Self.maximumDepth) levels (or a reference cycle)")
        }
        budget -= 1
        guard budget >= 0 else {
            throw fail("too many values (shared references expand beyond the pickle's size)")
        }
        switch node {
        case .value(let value): return value
        case .list(let box):
            return .list(try box.items.map { try freeze($0, depth: depth + 1, budget: &budget) })
        case .set(let box):
            return .set(try box.items.map { try freeze($0, depth: depth + 1, budget: &budget) })
        case .tuple(let box):
            return .tuple(try box.items.map { try freeze($0, depth: depth + 1, budget: &budget) })
        case .dict(let box):
            return .dict(
                try box.pairs.map {
                    (
                        key: try freeze($0.0, depth: depth + 1, budget: &budget),
                        value: try freeze($0.1, depth: depth + 1, budget: &budget)
                    )
                })
        case .global(let name):
            if name.hasPrefix("torch."), Self.torchDTypes.contains(String(name.dropFirst(6))) {
                return .object("torch.dtype", [.string(String(name.dropFirst(6)))])
            }
            throw fail("a bare reference to \(name) is not data")
        case .storage(let storage): throw fail("a bare storage (\(storage.key)) outside a tensor")
        case .numpyDType(let code): return .object("numpy.dtype", [.string(code)])
        case .mark: throw fail("unexpected MARK")
        }
    }
}
