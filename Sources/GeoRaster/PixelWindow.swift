/// A rectangle of pixels: column `x`, row `y` of its top-left pixel, and its size.
package struct PixelWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    package var x: Int
    package var y: Int
    package var width: Int
    package var height: Int

    package init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Pixels in the window.
    package var count: Int { width * height }

    /// Whether the window is non-empty and lies within a `width`×`height` raster.
    package func fits(width rasterWidth: Int, height rasterHeight: Int) -> Bool {
        x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= rasterWidth
            && y + height <= rasterHeight
    }

    package var description: String { "x=\(x) y=\(y) \(width)×\(height)" }
}
