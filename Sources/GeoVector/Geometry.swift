/// Plain value types for polygon geometry, shared by the readers (OGR), the reprojection code
/// and the exact aggregation. Coordinates are in the CRS of the layer they came from, with
/// x = easting/longitude and y = northing/latitude whatever the CRS's axis order.

/// A point in a projected or geographic CRS.
package struct Point2D: Sendable, Hashable {
    package var x: Double
    package var y: Double

    package init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A closed ring: `points.first == points.last` is not required; the ring is implicitly closed.
package struct LinearRing: Sendable, Hashable {
    package var points: [Point2D]

    package init(points: [Point2D]) {
        self.points = points
    }

    /// Signed area by the shoelace formula (positive when counter-clockwise), in CRS units².
    package var signedArea: Double {
        guard points.count >= 3 else { return 0 }
        var sum = 0.0
        var previous = points[points.count - 1]
        for point in points {
            sum += previous.x * point.y - point.x * previous.y
            previous = point
        }
        return sum / 2
    }
}

/// A polygon: one exterior ring and zero or more holes.
package struct Polygon: Sendable, Hashable {
    package var exterior: LinearRing
    package var holes: [LinearRing]

    package init(exterior: LinearRing, holes: [LinearRing] = []) {
        self.exterior = exterior
        self.holes = holes
    }

    /// Area (exterior minus holes), in CRS units².
    package var area: Double {
        abs(exterior.signedArea) - holes.reduce(0) { $0 + abs($1.signedArea) }
    }
}

/// One or more polygons (a single polygon is a multipolygon of one part).
package struct MultiPolygon: Sendable, Hashable {
    package var polygons: [Polygon]

    package init(polygons: [Polygon]) {
        self.polygons = polygons
    }

    /// Total area of all parts, in CRS units².
    package var area: Double { polygons.reduce(0) { $0 + $1.area } }

    /// Bounding box `(minX, minY, maxX, maxY)`, or `nil` when empty.
    package var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        var minX = Double.infinity
        var minY = Double.infinity
        var maxX = -Double.infinity
        var maxY = -Double.infinity
        for polygon in polygons {
            for point in polygon.exterior.points {
                minX = min(minX, point.x)
                maxX = max(maxX, point.x)
                minY = min(minY, point.y)
                maxY = max(maxY, point.y)
            }
        }
        return minX <= maxX ? (minX, minY, maxX, maxY) : nil
    }

    package var isEmpty: Bool { polygons.allSatisfy { $0.exterior.points.count < 3 } }
}
