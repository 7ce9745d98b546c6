import GeoVector
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

/// A rectangle ring (counter-clockwise unless `clockwise`).
func rectangle(
    _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, clockwise: Bool = false
) -> LinearRing {
    let points = [
        Point2D(x: x0, y: y0), Point2D(x: x1, y: y0), Point2D(x: x1, y: y1),
        Point2D(x: x0, y: y1),
    ]
    return LinearRing(points: clockwise ? points.reversed() : points)
}

func multi(_ exterior: LinearRing, holes: [LinearRing] = []) -> MultiPolygon {
    MultiPolygon(polygons: [Polygon(exterior: exterior, holes: holes)])
}

/// A north-up grid of unit cells covering x ∈ [0, cols], y ∈ [0, rows].
func unitGrid(rows: Int, cols: Int) -> RegularGrid {
    RegularGrid(
        originX: 0, originY: Double(rows), cellWidth: 1, cellHeight: -1, rows: rows, cols: cols)
}

/// Coverage as a dictionary `(row, col) → fraction`.
func coverageMap(_ polygon: MultiPolygon, _ grid: RegularGrid) -> [[Int]: Double] {
    let result = CoverageFraction.compute(polygon, on: grid)
    var map: [[Int]: Double] = [:]
    for (cell, fraction) in zip(result.cells, result.fractions) {
        map[[Int(cell) / grid.cols, Int(cell) % grid.cols]] = fraction
    }
    return map
}

/// Independent reference: area of polygon ∩ axis-aligned box by Sutherland–Hodgman clipping
/// of each ring (exact for a convex clip window, also for concave rings).
func clippedArea(_ ring: [Point2D], box: (Double, Double, Double, Double)) -> Double {
    var points = ring
    let (x0, y0, x1, y1) = box
    let planes: [(Point2D) -> Double] = [
        { $0.x - x0 }, { x1 - $0.x }, { $0.y - y0 }, { y1 - $0.y },
    ]
    for inside in planes {
        guard !points.isEmpty else { break }
        var output: [Point2D] = []
        var previous = points[points.count - 1]
        for point in points {
            let a = inside(previous)
            let b = inside(point)
            if b >= 0 {
                if a < 0 {
                    let t = a / (a - b)
                    output.append(
                        Point2D(
                            x: previous.x + t * (point.x - previous.x),
                            y: previous.y + t * (point.y - previous.y)))
                }
                output.append(point)
            } else if a >= 0 {
                let t = a / (a - b)
                output.append(
                    Point2D(
                        x: previous.x + t * (point.x - previous.x),
                        y: previous.y + t * (point.y - previous.y)))
            }
            previous = point
        }
        points = output
    }
    return abs(LinearRing(points: points).signedArea)
}

/// A deterministic star-shaped ring with `n` vertices (a simple polygon).
func starRing(
    centre: Point2D, radius: Double, n: Int, seed: UInt64, clockwise: Bool = false
) -> LinearRing {
    var state = seed
    func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    var points: [Point2D] = []
    for i in 0..<n {
        let angle = 2 * Double.pi * (Double(i) + 0.8 * next()) / Double(n)
        let r = radius * (0.35 + 0.65 * next())
        points.append(Point2D(x: centre.x + r * cos(angle), y: centre.y + r * sin(angle)))
    }
    return LinearRing(points: clockwise ? points.reversed() : points)
}

@Suite("Exact coverage fractions")
struct CoverageFractionTests {
    @Test("a unit square centred on a grid corner covers four cells by a quarter each")
    func squareOverFourCells() {
        let map = coverageMap(multi(rectangle(0.5, 0.5, 1.5, 1.5)), unitGrid(rows: 2, cols: 2))
        #expect(map.count == 4)
        for fraction in map.values { #expect(abs(fraction - 0.25) < 1e-15) }
    }

    @Test("a 2×2 square offset by half a cell: corners ¼, edges ½, centre 1")
    func offsetSquare() {
        let map = coverageMap(multi(rectangle(0.5, 0.5, 2.5, 2.5)), unitGrid(rows: 3, cols: 3))
        #expect(map.count == 9)
        for (key, fraction) in map {
            let onEdgeRow = key[0] != 1
            let onEdgeCol = key[1] != 1
            let expected = onEdgeRow && onEdgeCol ? 0.25 : (onEdgeRow || onEdgeCol ? 0.5 : 1)
            #expect(abs(fraction - expected) < 1e-15, "cell \(key)")
        }
    }

    @Test("a hole removes its cell; clockwise rings give the same result")
    func polygonWithHole() {
        let grid = unitGrid(rows: 3, cols: 3)
        let counter = coverageMap(
            multi(rectangle(0, 0, 3, 3), holes: [rectangle(1, 1, 2, 2)]), grid)
        let clockwise = coverageMap(
            multi(rectangle(0, 0, 3, 3, clockwise: true), holes: [rectangle(1, 1, 2, 2)]),
            grid)
        #expect(counter.count == 8)
        #expect(counter[[1, 1]] == nil)
        for fraction in counter.values { #expect(abs(fraction - 1) < 1e-15) }
        #expect(counter == clockwise)
        let half = coverageMap(
            multi(rectangle(0, 0, 3, 3), holes: [rectangle(1, 1, 1.5, 2, clockwise: true)]),
            grid)
        #expect(abs(half[[1, 1]]! - 0.5) < 1e-15)
    }

    @Test("a sliver triangle gets its exact area in every cell it crosses")
    func sliver() {
        let h = 0.001
        let ring = LinearRing(points: [
            Point2D(x: 0, y: 0), Point2D(x: 3, y: 0), Point2D(x: 3, y: h),
        ])
        let map = coverageMap(multi(ring), unitGrid(rows: 1, cols: 3))
        #expect(map.count == 3)
        for c in 0..<3 {
            let expected = h / 3 * (Double((c + 1) * (c + 1) - c * c)) / 2
            #expect(abs(map[[0, c]]! - expected) < 1e-15)
        }
    }

    @Test("a polygon larger than the grid covers every cell and reports its covered share")
    func largerThanGrid() {
        let grid = unitGrid(rows: 4, cols: 4)
        let result = CoverageFraction.compute(multi(rectangle(-8, -6, 12, 14)), on: grid)
        #expect(result.cells.count == 16)
        #expect(result.fractions.allSatisfy { abs($0 - 1) < 1e-15 })
        #expect(abs(result.coveredShare - 16.0 / 400) < 1e-15)
    }

    @Test("a polygon partly outside reports the share that lies on the grid")
    func partlyOutside() {
        let result = CoverageFraction.compute(
            multi(rectangle(-1, 0.25, 1, 0.75)), on: unitGrid(rows: 1, cols: 2))
        #expect(result.cells == [0])
        #expect(abs(result.fractions[0] - 0.5) < 1e-15)
        #expect(abs(result.coveredShare - 0.5) < 1e-15)
        let outside = CoverageFraction.compute(
            multi(rectangle(5, 5, 6, 6)), on: unitGrid(rows: 1, cols: 2))
        #expect(outside.cells.isEmpty && outside.coveredShare == 0)
    }

    @Test("a basin smaller than a cell keeps its exact share of that cell")
    func smallerThanCell() {
        let grid = RegularGrid(
            originX: 500_000, originY: 4_200_000, cellWidth: 1000, cellHeight: -1000,
            rows: 3, cols: 3)
        let basin = multi(rectangle(501_200, 4_198_700, 501_400, 4_198_900))
        let map = coverageMap(basin, grid)
        #expect(map.count == 1)
        #expect(abs(map[[1, 1]]! - 0.04) < 1e-12)
    }

    @Test("ascending-y grids (NetCDF order) and negative x steps give the same areas")
    func axisDirections() {
        let polygon = multi(starRing(centre: Point2D(x: 5, y: 5), radius: 4, n: 17, seed: 3))
        let north = RegularGrid(
            originX: 0, originY: 10, cellWidth: 1, cellHeight: -1, rows: 10, cols: 10)
        let south = RegularGrid(
            originX: 10, originY: 0, cellWidth: -1, cellHeight: 1, rows: 10, cols: 10)
        let a = coverageMap(polygon, north)
        let b = coverageMap(polygon, south)
        #expect(a.count == b.count)
        for (key, fraction) in a {
            let mirrored = b[[9 - key[0], 9 - key[1]]] ?? -1
            #expect(abs(fraction - mirrored) < 1e-12)
        }
    }

    @Test("every cell matches Sutherland–Hodgman clipping on irregular polygons")
    func matchesClipping() {
        let grid = RegularGrid(
            originX: 10, originY: 50, cellWidth: 2.5, cellHeight: -2, rows: 20, cols: 16)
        for seed in UInt64(1)...6 {
            let ring = starRing(
                centre: Point2D(x: 30, y: 30), radius: 22, n: 40, seed: seed,
                clockwise: seed % 2 == 0)
            let map = coverageMap(multi(ring), grid)
            for row in 0..<grid.rows {
                for col in 0..<grid.cols {
                    let x0 = 10 + 2.5 * Double(col)
                    let y1 = 50 - 2 * Double(row)
                    let expected = clippedArea(ring.points, box: (x0, y1 - 2, x0 + 2.5, y1)) / 5
                    #expect(abs((map[[row, col]] ?? 0) - expected) < 1e-12, "seed \(seed)")
                }
            }
        }
    }

    @Test("coverage × cell area sums to the polygon area within 1e-9 on a projected grid")
    func areaConservation() {
        let grid = RegularGrid(
            originX: 399_985, originY: 5_000_015, cellWidth: 30, cellHeight: -30,
            rows: 400, cols: 400)
        let outer = starRing(
            centre: Point2D(x: 406_000, y: 4_994_000), radius: 5_500, n: 300, seed: 11)
        let hole = starRing(
            centre: Point2D(x: 406_000, y: 4_994_000), radius: 900, n: 50, seed: 12,
            clockwise: true)
        let island = starRing(
            centre: Point2D(x: 411_000, y: 4_988_600), radius: 400, n: 30, seed: 13)
        let polygon = MultiPolygon(polygons: [
            Polygon(exterior: outer, holes: [hole]), Polygon(exterior: island),
        ])
        let result = CoverageFraction.compute(polygon, on: grid)
        let covered = result.fractions.reduce(0, +) * 900
        #expect(abs(covered - polygon.area) / polygon.area < 1e-9)
        #expect(abs(result.coveredShare - 1) < 1e-9)
    }

    @Test("spherical cell areas of a global 1° grid sum to the sphere's area")
    func sphericalAreas() {
        let grid = RegularGrid(
            originX: -180, originY: 90, cellWidth: 1, cellHeight: -1, rows: 180, cols: 360,
            isGeographic: true)
        let total = (0..<grid.rows).reduce(0.0) { $0 + grid.cellArea(row: $1) * 360 }
        let r = RegularGrid.authalicRadius
        #expect(abs(total - 4 * Double.pi * r * r) / total < 1e-12)
        #expect(grid.cellArea(row: 0) < grid.cellArea(row: 89))
    }

    @Test("a regular grid is recovered from CF cell centres, irregular axes are refused")
    func gridFromCentres() throws {
        let grid = try #require(
            RegularGrid(
                xCentres: [0.5, 1.5, 2.5], yCentres: [10.25, 10.75], isGeographic: true))
        #expect(grid.originX == 0 && grid.cellWidth == 1)
        #expect(grid.originY == 10 && grid.cellHeight == 0.5 && grid.rows == 2)
        #expect(RegularGrid(xCentres: [0, 1, 3], yCentres: [0, 1], isGeographic: false) == nil)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
