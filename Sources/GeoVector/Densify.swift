/// Densifying polygon edges before reprojection, so curved images of long straight edges are
/// followed closely enough (e.g. no edge longer than a fraction of a grid cell).

extension LinearRing {
    /// The ring with points inserted so no edge (including the closing one) is longer than
    /// `maxSegmentLength` (CRS units).
    package func densified(maxSegmentLength: Double) -> LinearRing {
        precondition(maxSegmentLength > 0, "maxSegmentLength must be positive")
        guard points.count >= 2 else { return self }
        var result: [Point2D] = []
        result.reserveCapacity(points.count)
        for (i, a) in points.enumerated() {
            let b = points[(i + 1) % points.count]
            result.append(a)
            let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            let pieces = Int((length / maxSegmentLength).rounded(.up))
            if pieces > 1 {
                for k in 1..<pieces {
                    let t = Double(k) / Double(pieces)
                    result.append(Point2D(x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t))
                }
            }
        }
        return LinearRing(points: result)
    }

    /// The longest edge (including the closing one), in CRS units.
    package var longestEdge: Double {
        guard points.count >= 2 else { return 0 }
        var longest = 0.0
        for (i, a) in points.enumerated() {
            let b = points[(i + 1) % points.count]
            longest = max(
                longest,
                ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y))
                    .squareRoot())
        }
        return longest
    }
}

extension MultiPolygon {
    /// Every ring densified (see ``LinearRing/densified(maxSegmentLength:)``).
    package func densified(maxSegmentLength: Double) -> MultiPolygon {
        MultiPolygon(
            polygons: polygons.map { polygon in
                Polygon(
                    exterior: polygon.exterior.densified(maxSegmentLength: maxSegmentLength),
                    holes: polygon.holes.map { $0.densified(maxSegmentLength: maxSegmentLength) })
            })
    }
}
