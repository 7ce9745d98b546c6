package import GeoVector

/// One basin: its id and its polygon in the grid's CRS.
package struct ZonalBasin: Sendable, Hashable {
    package var id: String
    package var geometry: MultiPolygon

    package init(id: String, geometry: MultiPolygon) {
        self.id = id
        self.geometry = geometry
    }
}

/// Coverage weights of a basin set on a grid: a sparse matrix `[basins × cells]` in CSR form.
///
/// Row `b` holds the cells basin `b` touches, `cells[offsets[b]..<offsets[b+1]]`, with their
/// exact coverage fractions in `coverage` and the weights the statistics use in `weights`:
/// the coverage fraction itself, or with `areaWeighted` the coverage fraction times the
/// cell's true area (m² on the sphere for longitude/latitude grids, see
/// ``RegularGrid/cellArea(row:)``). Computed once per (grid, basins, options) and cached.
package struct ZonalWeights: Sendable, Equatable {
    package let grid: RegularGrid
    package let basinIDs: [String]
    /// `[basins + 1]` row starts into `cells`/`coverage`/`weights`.
    package let offsets: [Int]
    /// `[nnz]` row-major cell indices, increasing within each basin.
    package let cells: [Int32]
    /// `[nnz]` coverage fractions in (0, 1].
    package let coverage: [Double]
    /// `[nnz]` statistic weights: `coverage`, or `coverage · cellArea` when `areaWeighted`.
    package let weights: [Double]
    /// `[basins]` share of each polygon's area lying on the grid, in [0, 1].
    package let coveredShare: [Double]
    package let areaWeighted: Bool

    package init(
        grid: RegularGrid, basinIDs: [String], offsets: [Int], cells: [Int32],
        coverage: [Double], coveredShare: [Double], areaWeighted: Bool
    ) {
        precondition(offsets.count == basinIDs.count + 1 && coveredShare.count == basinIDs.count)
        precondition(cells.count == coverage.count && offsets.last == cells.count)
        self.grid = grid
        self.basinIDs = basinIDs
        self.offsets = offsets
        self.cells = cells
        self.coverage = coverage
        self.coveredShare = coveredShare
        self.areaWeighted = areaWeighted
        if areaWeighted {
            let cols = grid.cols
            var areas: [Int: Double] = [:]
            self.weights = zip(cells, coverage).map { cell, fraction in
                let row = Int(cell) / cols
                if let area = areas[row] { return fraction * area }
                let area = grid.cellArea(row: row)
                areas[row] = area
                return fraction * area
            }
        } else {
            self.weights = coverage
        }
    }

    /// Computes the weights of `basins` on `grid` (polygons already in the grid's CRS).
    package init(basins: [ZonalBasin], grid: RegularGrid, areaWeighted: Bool) {
        var offsets = [0]
        var cells: [Int32] = []
        var coverage: [Double] = []
        var shares: [Double] = []
        offsets.reserveCapacity(basins.count + 1)
        for basin in basins {
            let result = CoverageFraction.computeWrapping(basin.geometry, on: grid)
            cells += result.cells
            coverage += result.fractions
            offsets.append(cells.count)
            shares.append(result.coveredShare)
        }
        self.init(
            grid: grid, basinIDs: basins.map(\.id), offsets: offsets, cells: cells,
            coverage: coverage, coveredShare: shares, areaWeighted: areaWeighted)
    }

    package var basinCount: Int { basinIDs.count }
    package var nonZeroCount: Int { cells.count }

    /// Indices of basins that touch no cell of the grid (entirely outside it, or empty).
    package var basinsOutsideGrid: [Int] {
        (0..<basinCount).filter { offsets[$0] == offsets[$0 + 1] }
    }

    /// Indices of basins only partly on the grid (`coveredShare` below `1 − tolerance`).
    package func basinsPartlyOutside(tolerance: Double = 1e-6) -> [Int] {
        (0..<basinCount).filter {
            offsets[$0] < offsets[$0 + 1] && coveredShare[$0] < 1 - tolerance
        }
    }
}
