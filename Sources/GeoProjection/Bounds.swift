/// An axis-aligned rectangle in one CRS, x = easting/longitude, y = northing/latitude.
package struct Bounds: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    package var minX: Double
    package var minY: Double
    package var maxX: Double
    package var maxY: Double

    package init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    /// Width in CRS units.
    package var width: Double { maxX - minX }
    /// Height in CRS units.
    package var height: Double { maxY - minY }

    package var description: String { "(\(minX), \(minY)) – (\(maxX), \(maxY))" }

    enum CodingKeys: String, CodingKey {
        case minX = "min_x"
        case minY = "min_y"
        case maxX = "max_x"
        case maxY = "max_y"
    }
}
