/// The bytes inflated from an archive's deflated entries, in all, bounded by what its tensors
/// need: `4 × (bytes of the tensors rebuilt so far) + 64 MiB`. One entry's inflation is
/// already bounded by the bytes its tensor reaches; this bounds their sum, so an archive of many
/// small deflate streams that each expand to gigabytes (a tensor of a few elements at the end of
/// each) is refused after the margin instead of inflating them one after another.
///
/// `torch.save` stores entries uncompressed, so a real checkpoint inflates nothing, or (re-zipped)
/// about the size of its tensors. The last entry inflated is kept, and grows geometrically when a
/// later tensor reaches further into it, so tensors sharing one storage (slices, tied weights)
/// inflate it about once, never once per tensor.
final class InflateBudget {
    /// Inflation allowed beyond four times the tensors' bytes (the pickle, views, slack).
    static let margin = 64 << 20

    /// Bytes inflated so far (every entry, every time).
    private(set) var inflated = 0
    /// Bytes of the tensors rebuilt so far (element count × stored element size).
    private(set) var needed = 0
    private var kept: (name: String, bytes: [UInt8])?

    /// The bytes allowed in all, now.
    var allowance: Int {
        let (times4, overflow) = needed.multipliedReportingOverflow(by: 4)
        let (sum, overflowAgain) = times4.addingReportingOverflow(Self.margin)
        return overflow || overflowAgain ? Int.max : sum
    }

    /// Records a tensor of `bytes` about to be rebuilt.
    func need(_ bytes: Int) {
        needed = needed.addingReportingOverflow(bytes).overflow ? Int.max : needed + bytes
    }

    /// At least the first `wanted` bytes of `entry`, from the kept entry or inflated by
    /// `inflate(count)` (the first `count` bytes).
    /// - Throws: ``ModelError`` naming `path` when the total would pass ``allowance``.
    func bytes(
        of entry: ZipArchive.Entry, wanted: Int, path: String,
        inflate: (Int) throws -> [UInt8]
    ) throws -> [UInt8] {
        var earlier = 0
        if let kept, kept.name == entry.name {
            if kept.bytes.count >= wanted { return kept.bytes }
            earlier = kept.bytes.count
        }
        kept = nil
        let count = min(entry.uncompressedSize, max(wanted, 2 * earlier))
        guard count <= allowance - inflated else {
            throw ModelError(
                path,
                "its deflated entries would inflate to more than \(allowance) bytes in all "
                    + "(\(inflated) so far, \(count) more for \(entry.name)), far more than its "
                    + "tensors need (\(needed) bytes): refused as a zip bomb (torch.save stores "
                    + "entries uncompressed; re-save it)")
        }
        inflated += count
        let bytes = try inflate(count)
        kept = (entry.name, bytes)
        return bytes
    }
}
