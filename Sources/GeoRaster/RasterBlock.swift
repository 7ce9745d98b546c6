/// Values of some bands over one window, as Float32, with a validity mask.
///
/// Layout is band-major: `values[(b · height + row) · width + column]` for band slot `b`
/// (the position in the requested band list, not the band number).
package struct RasterBlock: Sendable {
    /// The window read, in the source raster's pixels.
    package let window: PixelWindow
    /// The 1-based band numbers read, in slot order.
    package let bands: [Int]
    /// Physical values (scale/offset applied), [bands][height][width]; invalid pixels hold
    /// whatever the file stores (usually the nodata value), check `valid`.
    package var values: [Float]
    /// Validity, [bands][height][width]: false where the pixel equals nodata, the mask band
    /// says invalid, or the value is NaN, ±Inf or beyond ±``magnitudeLimit``.
    package var valid: [Bool]

    /// The largest magnitude a stored pixel value may have (1e30): beyond it a pixel is
    /// invalid even without a nodata value (no physical quantity comes near it; undeclared
    /// fill values such as 3.4e38 lie beyond). GeoNetCDF's `CFFloatMissing.magnitudeLimit` is
    /// the same rule for NetCDF values.
    package static let magnitudeLimit: Float = 1e30

    /// Index of (slot, row, column) in `values` and `valid`.
    package func index(slot: Int, row: Int, column: Int) -> Int {
        (slot * window.height + row) * window.width + column
    }

    /// The value at (slot, row, column), or `nil` where invalid.
    package func value(slot: Int, row: Int, column: Int) -> Float? {
        let i = index(slot: slot, row: row, column: column)
        return valid[i] ? values[i] : nil
    }

    /// Number of valid pixels over all bands.
    package var validCount: Int { valid.lazy.filter { $0 }.count }
}
