/// Which Float32 values mean "missing" in a buffer filled by
/// ``CFForcing/read(_:times:into:)``: NaN always, plus, when the values were left as stored,
/// the variable's fill / missing values and anything outside its valid range.
public struct CFFloatMissing: Sendable, Equatable {
    /// Stored values meaning missing (fill value, missing_value), compared exactly.
    public var values: [Float]
    /// The valid interval (inclusive); values outside it are missing.
    public var low: Float
    public var high: Float

    /// Only NaN is missing (the values were decoded, or the variable declares nothing else).
    public static let nanOnly = CFFloatMissing(values: [], low: -.infinity, high: .infinity)

    public init(values: [Float], low: Float, high: Float) {
        self.values = values
        self.low = low
        self.high = high
    }

    /// Whether NaN is the only missing marker.
    public var isNaNOnly: Bool { values.isEmpty && low == -.infinity && high == .infinity }

    /// Whether `x` is missing.
    @inline(__always)
    public func isMissing(_ x: Float) -> Bool {
        if !(x >= low && x <= high) { return true }  // NaN fails both comparisons
        for m in values where x == m { return true }
        return false
    }

    /// Whether no missing value lies in `lowest…highest` (the range of some values without
    /// NaN): then none of those values is missing.
    @inline(__always)
    public func excludes(lowest: Float, highest: Float) -> Bool {
        guard lowest >= low, highest <= high else { return false }
        for m in values where m >= lowest && m <= highest { return false }
        return true
    }

    /// Replaces the missing values of `buffer` by NaN.
    public func markNaN(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard !isNaNOnly else { return }
        for i in buffer.indices where isMissing(buffer[i]) { buffer[i] = .nan }
    }
}
