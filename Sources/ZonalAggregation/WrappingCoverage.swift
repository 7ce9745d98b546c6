package import GeoVector

extension CoverageFraction {
    /// Coverage of `grid` cells by `polygon`, going round the Earth on a grid that wraps in
    /// longitude (``RegularGrid/wrapsLongitude``): the polygon is also taken shifted by every
    /// multiple of ±360° that brings part of it onto the grid, so a basin crossing the grid's
    /// seam (0° on a 0…360 grid, 180° on a −180…180 one) is covered on both ends of the grid
    /// and nothing of it is clipped away. On other grids this is ``compute(_:on:)``.
    ///
    /// The polygon's area (`polygonCells`) is counted once; a cell reached by two shifts (only
    /// for a polygon wider than 360°) gets their sum, at most 1.
    package static func computeWrapping(_ polygon: MultiPolygon, on grid: RegularGrid)
        -> CellCoverage
    {
        var result = compute(polygon, on: grid)
        guard grid.wrapsLongitude, let box = polygon.bounds else { return result }
        let extent = grid.bounds
        // Shifts k·360 with [minX, maxX] + k·360 overlapping the grid's [minX, maxX].
        let lowest = Int(((extent.minX - box.maxX) / 360).rounded(.up))
        let highest = Int(((extent.maxX - box.minX) / 360).rounded(.down))
        guard lowest <= highest, highest - lowest < 4 else { return result }
        var merged: [Int32: Double] = [:]
        for k in lowest...highest where k != 0 {
            let shift = Double(k) * 360
            let part = compute(polygon.shifted(x: shift), on: grid)
            for (cell, fraction) in zip(part.cells, part.fractions) {
                merged[cell, default: 0] += fraction
            }
        }
        guard !merged.isEmpty else { return result }
        for (cell, fraction) in zip(result.cells, result.fractions) {
            merged[cell, default: 0] += fraction
        }
        let cells = merged.keys.sorted()
        result.cells = cells
        result.fractions = cells.map { min(1, merged[$0] ?? 0) }
        result.coveredCells = result.fractions.reduce(0, +)
        return result
    }
}

extension MultiPolygon {
    /// The polygon moved by `x` along the x axis (e.g. ±360° of longitude).
    func shifted(x shift: Double) -> MultiPolygon {
        func move(_ ring: LinearRing) -> LinearRing {
            LinearRing(points: ring.points.map { Point2D(x: $0.x + shift, y: $0.y) })
        }
        return MultiPolygon(
            polygons: polygons.map {
                Polygon(exterior: move($0.exterior), holes: $0.holes.map(move))
            }
        )
    }
}
