/// Which Float32 values mean "missing" in a buffer filled by
/// ``CFForcing/read(_:times:into:)``: NaN, ±Inf and magnitudes beyond ``magnitudeLimit``
/// always, plus, when the values were left as stored, the variable's fill / missing values and
/// anything outside its valid range.
package struct CFFloatMissing: Sendable, Equatable {
    /// The largest magnitude a physical value may have (1e30): beyond it (and at ±Inf) a value
    /// is missing even when the file declares no valid range. No geophysical quantity in the
    /// units geomap reads comes near it; undeclared fill values (9.97e36, 3.4e38) lie beyond.
    /// GeoRaster's `RasterBlock.magnitudeLimit` is the same rule for rasters.
    package static let magnitudeLimit: Float = 1e30

    /// Whether `x` is a usable physical value: finite and within ±``magnitudeLimit``.
    @inline(__always)
    package static func isPhysical(_ x: Float) -> Bool {
        x >= -magnitudeLimit && x <= magnitudeLimit  // NaN fails both comparisons
    }

    /// Stored values meaning missing (fill value, missing_value), compared exactly.
    package var values: [Float]
    /// The valid interval (inclusive, within ±``magnitudeLimit``); values outside it are
    /// missing.
    package var low: Float
    package var high: Float

    /// Only non-physical values are missing: NaN, ±Inf, beyond ±``magnitudeLimit`` (the values
    /// were decoded, or the variable declares nothing else).
    package static let nanOnly = CFFloatMissing(values: [], low: -.infinity, high: .infinity)

    /// `low` and `high` are narrowed to ±``magnitudeLimit``.
    package init(values: [Float], low: Float, high: Float) {
        self.values = values
        self.low = max(low, -Self.magnitudeLimit)
        self.high = min(high, Self.magnitudeLimit)
    }

    /// Whether only non-physical values (NaN, ±Inf, beyond ±``magnitudeLimit``) are missing:
    /// decoded values, where those already became NaN.
    package var isNaNOnly: Bool {
        values.isEmpty && low == -Self.magnitudeLimit && high == Self.magnitudeLimit
    }

    /// Whether `x` is missing.
    @inline(__always)
    package func isMissing(_ x: Float) -> Bool {
        if !(x >= low && x <= high) { return true }  // NaN fails both comparisons
        for m in values where x == m { return true }
        return false
    }

    /// Whether no missing value lies in `lowest…highest` (the range of some values without
    /// NaN): then none of those values is missing.
    @inline(__always)
    package func excludes(lowest: Float, highest: Float) -> Bool {
        guard lowest >= low, highest <= high else { return false }
        for m in values where m >= lowest && m <= highest { return false }
        return true
    }

    /// Replaces the missing values of `buffer` by NaN.
    package func markNaN(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard !isNaNOnly else { return }
        for i in buffer.indices where isMissing(buffer[i]) { buffer[i] = .nan }
    }
}
