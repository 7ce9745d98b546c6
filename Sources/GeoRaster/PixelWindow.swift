/// A rectangle of pixels: column `x`, row `y` of its top-left pixel, and its size.
public struct PixelWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Pixels in the window.
    public var count: Int { width * height }

    /// Whether the window is non-empty and lies within a `width`×`height` raster.
    public func fits(width rasterWidth: Int, height rasterHeight: Int) -> Bool {
        x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= rasterWidth
            && y + height <= rasterHeight
    }

    public var description: String { "x=\(x) y=\(y) \(width)×\(height)" }
}
