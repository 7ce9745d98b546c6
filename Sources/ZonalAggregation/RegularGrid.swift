/// A regular, axis-aligned grid of cells: a raster's geotransform without rotation, or a
/// NetCDF variable's evenly spaced x/y axes.
///
/// Cell `(row, col)` spans x from `originX + col·cellWidth` to `originX + (col+1)·cellWidth`
/// and y from `originY + row·cellHeight` to `originY + (row+1)·cellHeight`. The steps are
/// signed: a north-up raster has `cellHeight < 0` (row 0 at the top), a NetCDF file with
/// ascending latitude has `cellHeight > 0` (row 0 at the bottom). Cells are numbered row-major:
/// `index = row·cols + col`, which is the layout of a `[y, x]` block or time step.
package struct RegularGrid: Sendable, Hashable, CustomStringConvertible {
    /// x of the outer edge of column 0 (CRS units).
    package var originX: Double
    /// y of the outer edge of row 0 (CRS units).
    package var originY: Double
    /// Signed x step per column (CRS units); never zero.
    package var cellWidth: Double
    /// Signed y step per row (CRS units); never zero (negative for north-up rasters).
    package var cellHeight: Double
    package var rows: Int
    package var cols: Int
    /// Whether x/y are longitude/latitude in degrees (cell areas then come from the sphere).
    package var isGeographic: Bool

    package init(
        originX: Double, originY: Double, cellWidth: Double, cellHeight: Double,
        rows: Int, cols: Int, isGeographic: Bool = false
    ) {
        precondition(cellWidth != 0 && cellHeight != 0, "grid cell size must not be zero")
        precondition(rows >= 0 && cols >= 0, "grid size must not be negative")
        self.originX = originX
        self.originY = originY
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.rows = rows
        self.cols = cols
        self.isGeographic = isGeographic
    }

    /// A grid from a GDAL geotransform `[x0, dx, rx, y0, ry, dy]` (rotation terms must be 0).
    package init?(geoTransform t: [Double], rows: Int, cols: Int, isGeographic: Bool) {
        guard t.count == 6, t[2] == 0, t[4] == 0, t[1] != 0, t[5] != 0 else { return nil }
        self.init(
            originX: t[0], originY: t[3], cellWidth: t[1], cellHeight: t[5],
            rows: rows, cols: cols, isGeographic: isGeographic)
    }

    /// A grid from cell-centre coordinates along x (columns) and y (rows), as in a CF file.
    /// Returns `nil` unless both axes have at least two values and are evenly spaced.
    ///
    /// Each step may differ from the mean step by `relativeTolerance` of it, or by the rounding
    /// the axis type allows, whichever is larger: values stored with machine epsilon
    /// `axisEpsilon` are each off by up to `|value|·ε/2`, so a step (a difference of two) by up
    /// to `max|value|·ε` (float32 axes: 0.22° steps near 30° differ by ~1e-5 relative).
    package init?(
        xCentres: [Double], yCentres: [Double], isGeographic: Bool,
        relativeTolerance: Double = 1e-6, axisEpsilon: Double = Double.ulpOfOne
    ) {
        guard
            let dx = Self.step(
                of: xCentres, tolerance: relativeTolerance, axisEpsilon: axisEpsilon),
            let dy = Self.step(
                of: yCentres, tolerance: relativeTolerance, axisEpsilon: axisEpsilon)
        else { return nil }
        self.init(
            originX: xCentres[0] - dx / 2, originY: yCentres[0] - dy / 2,
            cellWidth: dx, cellHeight: dy, rows: yCentres.count, cols: xCentres.count,
            isGeographic: isGeographic)
    }

    private static func step(of centres: [Double], tolerance: Double, axisEpsilon: Double)
        -> Double?
    {
        guard centres.count >= 2 else { return nil }
        let step = (centres[centres.count - 1] - centres[0]) / Double(centres.count - 1)
        guard step != 0, step.isFinite else { return nil }
        let largest = centres.reduce(0) { max($0, abs($1)) }
        let allowed = max(tolerance * abs(step), 2 * largest * axisEpsilon)
        for i in 1..<centres.count {
            let d = centres[i] - centres[i - 1]
            if !(abs(d - step) <= allowed) { return nil }
        }
        return step
    }

    package var cellCount: Int { rows * cols }

    /// Whether this is a longitude/latitude grid whose columns go once round the Earth
    /// (`cols·|cellWidth|` = 360° within 1e-6 of a cell): column `cols` is column 0 again,
    /// and a basin crossing the grid's longitude seam lies on both of its ends.
    package var wrapsLongitude: Bool {
        isGeographic && abs(Double(cols) * abs(cellWidth) - 360) <= 1e-6 * abs(cellWidth)
    }

    /// The grid's extent `(minX, minY, maxX, maxY)` in CRS units.
    package var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        let x1 = originX + Double(cols) * cellWidth
        let y1 = originY + Double(rows) * cellHeight
        return (min(originX, x1), min(originY, y1), max(originX, x1), max(originY, y1))
    }

    /// Mean radius of the sphere used for latitude/longitude cell areas, in metres: the
    /// authalic (equal-area) radius of the WGS 84 ellipsoid, so a sphere of this radius has the
    /// ellipsoid's total area. Cell areas on it differ from ellipsoidal ones by < 0.3 %.
    package static let authalicRadius = 6_371_007.180_918_5

    /// Area of one cell of `row`: `|cellWidth·cellHeight|` in CRS units² for projected grids;
    /// for geographic grids the area on the authalic sphere in m²,
    /// `R²·Δλ·|sin φ₂ − sin φ₁|` (latitudes clamped to ±90°).
    package func cellArea(row: Int) -> Double {
        guard isGeographic else { return abs(cellWidth * cellHeight) }
        let degree = Double.pi / 180
        let y0 = originY + Double(row) * cellHeight
        let y1 = y0 + cellHeight
        let phi0 = max(-90, min(90, y0)) * degree
        let phi1 = max(-90, min(90, y1)) * degree
        let r = Self.authalicRadius
        return r * r * abs(cellWidth) * degree * abs(sin(phi1) - sin(phi0))
    }

    package var description: String {
        "\(rows)×\(cols) grid at (\(originX), \(originY)), cells \(cellWidth)×\(cellHeight)"
            + (isGeographic ? " (lon/lat)" : "")
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
