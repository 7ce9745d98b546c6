import Tensor

/// Reads a `torch.save` zip archive (PyTorch ≥ 1.6): `<prefix>/data.pkl` is unpickled with the
/// restricted ``Unpickler`` and tensors are rebuilt from the `<prefix>/data/<key>` storage entries,
/// with their storage offsets and strides (non-contiguous tensors are gathered into contiguous
/// Float32). Every storage access is checked against the entry's size, the total number of
/// elements rebuilt is bounded by a budget proportional to the file's size, and the bytes
/// inflated from deflated entries, in all, by what the tensors need (``InflateBudget``).
struct TorchArchiveReader {
    let bytes: UnsafeRawBufferPointer
    let path: String

    /// Bytes-to-elements budget: at most `4 · file bytes + 16 Mi` elements in all tensors.
    final class Budget {
        var remaining: Int
        init(_ remaining: Int) { self.remaining = remaining }
    }

    func load() throws -> PickleValue {
        let archive = try ZipArchive(bytes: bytes, path: path)
        let pickles = archive.entries.filter {
            $0.name.hasSuffix("data.pkl") && $0.name.split(separator: "/").count == 2
                && $0.name.split(separator: "/").last == "data.pkl"
        }
        guard let pickle = pickles.first else {
            throw ModelError(path, "not a torch.save archive: no <name>/data.pkl entry")
        }
        guard pickles.count == 1 else {
            throw ModelError(
                path, "ambiguous torch.save archive: \(pickles.count) data.pkl entries")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        let inflation = InflateBudget()
        if let order = archive.entry(prefix + "byteorder") {
            let text = try archive.withData(order, budget: inflation) {
                String(decoding: $0, as: UTF8.self)
            }
            guard text == "little" else {
                throw ModelError(
                    path, "checkpoint byte order '\(text)' is not supported (only little-endian)")
            }
        }
        let budget = Budget(4 * bytes.count + (16 << 20))
        let path = self.path
        let builder: Unpickler.TensorBuilder = { storage, offset, size, stride in
            try Self.rebuild(
                archive: archive, prefix: prefix, storage: storage, offset: offset,
                size: size, stride: stride, budget: budget, inflation: inflation, path: path)
        }
        return try archive.withData(pickle, budget: inflation) { data in
            var unpickler = Unpickler(data: data, path: path, buildTensor: builder)
            return try unpickler.load()
        }
    }

    static func rebuild(
        archive: ZipArchive, prefix: String, storage: Unpickler.Storage, offset: Int,
        size: [Int], stride: [Int], budget: Budget, inflation: InflateBudget, path: String
    ) throws -> Tensor {
        let name = "\(prefix)data/\(storage.key)"
        guard let entry = archive.entry(name) else {
            throw ModelError(path, "storage \(storage.key) is missing from the archive (\(name))")
        }
        let (declaredBytes, overflow) = storage.count.multipliedReportingOverflow(
            by: storage.dtype.size)
        guard !overflow, entry.uncompressedSize >= declaredBytes else {
            throw ModelError(
                path,
                "storage \(storage.key) holds \(entry.uncompressedSize) bytes, shorter than its \(storage.count) declared \(storage.dtype.rawValue) elements"
            )
        }
        guard size.count == stride.count, size.count <= 16 else {
            throw ModelError(
                path,
                "tensor on storage \(storage.key): size \(size) and stride \(stride) differ in rank"
            )
        }
        guard offset >= 0, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
            throw ModelError(
                path, "tensor on storage \(storage.key): negative offset, size or stride")
        }
        var count = 1
        for dim in size {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= budget.remaining else {
                throw ModelError(
                    path,
                    "tensor on storage \(storage.key) with size \(size) is larger than the checkpoint can hold"
                )
            }
            count = product
        }
        if count == 0 { return Tensor(zeros: size) }
        var last = offset
        for (dim, step) in zip(size, stride) {
            let (span, o1) = (dim - 1).multipliedReportingOverflow(by: step)
            let (sum, o2) = last.addingReportingOverflow(span)
            guard !o1, !o2 else {
                throw ModelError(path, "tensor on storage \(storage.key): absurd strides \(stride)")
            }
            last = sum
        }
        guard last < storage.count else {
            throw ModelError(
                path,
                "tensor of size \(size) at offset \(offset) needs element \(last) of storage \(storage.key), which has only \(storage.count) elements"
            )
        }
        budget.remaining -= count
        let dtype = storage.dtype
        let elementSize = dtype.size
        inflation.need(count * elementSize)
        // Only the storage bytes this tensor reaches are inflated (shape × dtype from its
        // offset), never the whole declared storage.
        return try archive.withData(entry, prefix: (last + 1) * elementSize, budget: inflation) {
            raw in
            guard let base = raw.baseAddress else { return Tensor(zeros: size) }
            return Tensor(shape: size) { buffer in
                let destination = buffer.baseAddress!
                // Contiguous (row-major) layout: one conversion; otherwise gather element-wise.
                var expected = 1
                var contiguous = true
                for (dim, step) in zip(size, stride).reversed() where dim != 1 {
                    if step != expected {
                        contiguous = false
                        break
                    }
                    expected *= dim
                }
                if contiguous {
                    dtype.convert(base + offset * elementSize, count: count, into: destination)
                    return
                }
                var index = [Int](repeating: 0, count: size.count)
                var source = offset
                for i in 0..<count {
                    dtype.convert(base + source * elementSize, count: 1, into: destination + i)
                    // Advance the multi-index (last dimension fastest).
                    var d = size.count - 1
                    while d >= 0 {
                        index[d] += 1
                        source += stride[d]
                        if index[d] < size[d] { break }
                        source -= stride[d] * size[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
    }
}
