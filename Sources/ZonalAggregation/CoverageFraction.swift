package import GeoVector

/// The cells a polygon covers and by how much.
///
/// `cells[i]` is a row-major cell index of the grid and `fractions[i]` the exact share of that
/// cell's planar area (in the grid's CRS) inside the polygon, in (0, 1]; cells are listed in
/// increasing index order and cells with zero coverage are left out.
package struct CellCoverage: Sendable, Equatable {
    package var cells: [Int32]
    package var fractions: [Double]
    /// Polygon area in cell units (1 = one whole cell), holes subtracted.
    package var polygonCells: Double
    /// Σ fractions: the part of the polygon inside the grid, in cell units.
    package var coveredCells: Double

    /// The share of the polygon's area that lies on the grid, in [0, 1] (1 when it lies
    /// wholly inside; 0 for an empty polygon or one entirely outside).
    package var coveredShare: Double {
        polygonCells > 0 ? min(1, coveredCells / polygonCells) : 0
    }
}

/// Exact coverage fractions of grid cells by polygons.
///
/// Algorithm (Green's theorem on a scanline accumulator). In grid coordinates
/// `u = (x − originX)/cellWidth`, `v = (y − originY)/cellHeight` every cell is a unit square.
/// Each ring edge is cut where it crosses a cell boundary, so every piece lies in one cell
/// `(r, c)`. The covered area of a cell is `∫∫ w(u, v) du dv`, with `w` the winding number;
/// a piece with vertical extent `Δv` therefore adds `−Δv·(c + 1 − ū)` (ū its mean `u`) to its
/// own cell and `−Δv` (a whole cell width) to every cell right of it in the same row. The
/// second part is stored once at column `c + 1` and spread by a prefix sum along the row,
/// which fills the interior by scanline without touching it per edge. Pieces left of the
/// working window add to its first column, pieces right of it add nothing: so clipping to the
/// grid is exact. Rings are oriented so exteriors add and holes subtract. Work is
/// O(edge-cell crossings + bounding-box cells); bands of rows bound the memory.
package enum CoverageFraction {
    /// Rows × columns per band of the accumulator (bounds memory for huge polygons).
    static let bandCells = 1 << 22

    /// Coverage of `grid` cells by `polygon` (coordinates in the grid's CRS).
    package static func compute(_ polygon: MultiPolygon, on grid: RegularGrid) -> CellCoverage {
        let rings = gridRings(polygon, grid: grid)
        var polygonCells = 0.0
        var minU = Double.infinity
        var maxU = -Double.infinity
        var minV = Double.infinity
        var maxV = -Double.infinity
        for ring in rings {
            polygonCells += ring.sign * abs(ring.signedArea)
            for p in ring.points {
                minU = min(minU, p.u)
                maxU = max(maxU, p.u)
                minV = min(minV, p.v)
                maxV = max(maxV, p.v)
            }
        }
        var result = CellCoverage(
            cells: [], fractions: [], polygonCells: max(0, polygonCells), coveredCells: 0)
        guard minU.isFinite, maxU.isFinite, minV.isFinite, maxV.isFinite else { return result }
        // Working window: the polygon's bounding box clipped to the grid.
        let c0 = max(0, Int(clampedFloor(minU)))
        let c1 = min(grid.cols, Int(clampedCeil(maxU)))
        let r0 = max(0, Int(clampedFloor(minV)))
        let r1 = min(grid.rows, Int(clampedCeil(maxV)))
        guard c0 < c1, r0 < r1 else { return result }
        let width = c1 - c0
        let bandRows = max(1, min(r1 - r0, bandCells / (width + 1)))
        var area = [Double](repeating: 0, count: bandRows * width)
        var cover = [Double](repeating: 0, count: bandRows * (width + 1))
        var bandStart = r0
        while bandStart < r1 {
            let bandEnd = min(r1, bandStart + bandRows)
            for i in area.indices { area[i] = 0 }
            for i in cover.indices { cover[i] = 0 }
            area.withUnsafeMutableBufferPointer { areaBuffer in
                cover.withUnsafeMutableBufferPointer { coverBuffer in
                    var band = Band(
                        r0: bandStart, r1: bandEnd, c0: c0, c1: c1,
                        area: areaBuffer, cover: coverBuffer)
                    for ring in rings { band.add(ring) }
                }
            }
            for r in bandStart..<bandEnd {
                let rowOffset = (r - bandStart)
                var running = 0.0
                for c in 0..<width {
                    running += cover[rowOffset * (width + 1) + c]
                    let fraction = min(1, area[rowOffset * width + c] + running)
                    if fraction > fractionFloor {
                        result.cells.append(Int32(r * grid.cols + c0 + c))
                        result.fractions.append(fraction)
                        result.coveredCells += fraction
                    }
                }
            }
            bandStart = bandEnd
        }
        return result
    }

    /// Coverage below this is rounding noise of the accumulation and is left out.
    static let fractionFloor = 1e-13

    private static func clampedFloor(_ x: Double) -> Double {
        max(-1, min(Double(Int32.max), x.rounded(.down)))
    }
    private static func clampedCeil(_ x: Double) -> Double {
        max(-1, min(Double(Int32.max), x.rounded(.up)))
    }

    /// A ring in grid coordinates with the sign it contributes (+1 adds area, −1 removes it).
    struct GridRing {
        var points: [(u: Double, v: Double)]
        var signedArea: Double
        var sign: Double
        /// Factor applied to `−Δv` so that the ring adds `sign·|area|`.
        var orientation: Double
    }

    static func gridRings(_ polygon: MultiPolygon, grid: RegularGrid) -> [GridRing] {
        var rings: [GridRing] = []
        func convert(_ ring: LinearRing, sign: Double) {
            guard ring.points.count >= 3 else { return }
            let points = ring.points.map {
                (
                    u: ($0.x - grid.originX) / grid.cellWidth,
                    v: ($0.y - grid.originY) / grid.cellHeight
                )
            }
            var twice = 0.0
            var previous = points[points.count - 1]
            for p in points {
                twice += previous.u * p.v - p.u * previous.v
                previous = p
            }
            let signed = twice / 2
            guard signed != 0, signed.isFinite else { return }
            // A counter-clockwise ring (signed > 0) adds |area| with factor +1.
            let orientation = sign * (signed > 0 ? 1.0 : -1.0)
            rings.append(
                GridRing(points: points, signedArea: signed, sign: sign, orientation: orientation))
        }
        for part in polygon.polygons {
            convert(part.exterior, sign: 1)
            for hole in part.holes { convert(hole, sign: -1) }
        }
        return rings
    }

    /// The accumulator of one band of rows `r0..<r1` over columns `c0..<c1`.
    struct Band {
        let r0: Int, r1: Int, c0: Int, c1: Int
        let area: UnsafeMutableBufferPointer<Double>  // [bandRows, c1 − c0]
        let cover: UnsafeMutableBufferPointer<Double>  // [bandRows, c1 − c0 + 1]

        mutating func add(_ ring: GridRing) {
            let points = ring.points
            var previous = points[points.count - 1]
            for p in points {
                addEdge(previous.u, previous.v, p.u, p.v, factor: ring.orientation)
                previous = p
            }
        }

        /// Adds the edge from `(ua, va)` to `(ub, vb)`, clipped to the band's rows.
        func addEdge(_ ua: Double, _ va: Double, _ ub: Double, _ vb: Double, factor: Double) {
            if va == vb { return }  // horizontal: no Δv, no area
            let lo = Double(r0)
            let hi = Double(r1)
            if max(va, vb) <= lo || min(va, vb) >= hi { return }
            // Clip to lo ≤ v ≤ hi (exact v at the cut).
            var su = ua
            var sv = va
            var eu = ub
            var ev = vb
            let du = ub - ua
            let dv = vb - va
            if sv < lo {
                su = ua + (lo - va) / dv * du
                sv = lo
            }
            if sv > hi {
                su = ua + (hi - va) / dv * du
                sv = hi
            }
            if ev < lo {
                eu = ua + (lo - va) / dv * du
                ev = lo
            }
            if ev > hi {
                eu = ua + (hi - va) / dv * du
                ev = hi
            }
            walk(su, sv, eu, ev, factor: factor)
        }

        /// Cuts the segment at integer u (inside the window) and integer v, and adds each piece.
        func walk(_ ua: Double, _ va: Double, _ ub: Double, _ vb: Double, factor: Double) {
            let du = ub - ua
            let dv = vb - va
            let width = c1 - c0
            // Next integer crossings in the direction of travel.
            let stepU = du > 0 ? 1.0 : -1.0
            let stepV = dv > 0 ? 1.0 : -1.0
            let uLow = Double(c0)
            let uHigh = Double(c1)
            var nextU: Double = .infinity  // parameter t of the next u crossing
            var gridU = 0.0
            if du > 0 {
                // ua < c0: nothing to split before c0 (everything left of it clamps).
                let k = max(ua.rounded(.down) + 1, uLow)
                if k <= uHigh {
                    gridU = k
                    nextU = (k - ua) / du
                }
            } else if du < 0 {
                let k = min(ua.rounded(.up) - 1, uHigh)
                if k >= uLow {
                    gridU = k
                    nextU = (k - ua) / du
                }
            }
            var gridV = dv > 0 ? va.rounded(.down) + 1 : va.rounded(.up) - 1
            var nextV = (gridV - va) / dv
            var t = 0.0
            var pu = ua
            var pv = va
            while t < 1 {
                var tn: Double
                var qu: Double
                var qv: Double
                if nextU <= nextV {
                    tn = nextU
                    qu = gridU
                    qv = va + tn * dv
                } else {
                    tn = nextV
                    qu = ua + tn * du
                    qv = gridV
                }
                if tn >= 1 {
                    tn = 1
                    qu = ub
                    qv = vb
                }
                if tn > t { piece(pu, pv, qu, qv, factor: factor, width: width) }
                if nextU <= nextV, tn < 1 {
                    gridU += stepU
                    if gridU < uLow || gridU > uHigh {
                        nextU = .infinity
                    } else {
                        nextU = (gridU - ua) / du
                    }
                } else if tn < 1 {
                    gridV += stepV
                    nextV = (gridV - va) / dv
                }
                t = tn
                pu = qu
                pv = qv
            }
        }

        /// Adds one piece lying inside one cell row (and one column, or left/right of the window).
        @inline(__always)
        func piece(
            _ ua: Double, _ va: Double, _ ub: Double, _ vb: Double, factor: Double, width: Int
        ) {
            let a = -(vb - va) * factor
            if a == 0 { return }
            let row = Int(((va + vb) / 2).rounded(.down))
            guard row >= r0, row < r1 else { return }
            let rowIndex = row - r0
            let um = (ua + ub) / 2
            if um <= Double(c0) {
                cover[rowIndex * (width + 1)] += a
                return
            }
            let col = Int(um.rounded(.down))
            if col >= c1 { return }
            area[rowIndex * width + (col - c0)] += a * (Double(col + 1) - um)
            cover[rowIndex * (width + 1) + (col - c0) + 1] += a
        }
    }
}
