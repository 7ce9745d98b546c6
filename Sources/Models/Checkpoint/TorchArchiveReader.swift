/// Reads a `torch.save` zip archive: finds `*/data.pkl`, unpickles it with the restricted
/// unpickler, and rebuilds tensors from the `*/data/<key>` storage entries.
struct TorchArchiveReader {
    let bytes: UnsafeRawBufferPointer
    let path: String

    func load() throws -> PickleValue {
        throw ModelError(path, "PyTorch zip checkpoints are not readable yet in this build")
    }
}
