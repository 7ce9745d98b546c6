/// An axis-aligned rectangle in one CRS, x = easting/longitude, y = northing/latitude.
public struct Bounds: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    /// Width in CRS units.
    public var width: Double { maxX - minX }
    /// Height in CRS units.
    public var height: Double { maxY - minY }

    public var description: String { "(\(minX), \(minY)) – (\(maxX), \(maxY))" }

    enum CodingKeys: String, CodingKey {
        case minX = "min_x"
        case minY = "min_y"
        case maxX = "max_x"
        case maxY = "max_y"
    }
}
