package import Foundation
package import GeoNetCDF
package import GeoProjection
package import GeoRaster
package import GeoVector

/// Where every coverage weight of geomap comes from: `geomap zonal` (forcings, rasters and
/// static NetCDF fields), the basin pipeline's gridded forcings and its static rasters all ask
/// this one provider, so a basin set has the same weights on a grid whichever path reads it.
///
/// The basins are reprojected to the grid's CRS with edges densified to a quarter cell in the
/// grid's own units, shifted by ±360° onto a longitude/latitude grid that lies on the other
/// side of the antimeridian, and their weights are read from or written to the cache folder
/// when one is given.
package struct CoverageWeights: Sendable {
    /// The weights cache folder (``WeightsCache``); `nil` computes the weights every time.
    package var cacheDirectory: URL?
    /// Weights are coverage × cell area (m²) instead of the coverage fraction.
    package var areaWeighted: Bool
    /// Also write the weights as CSV here (`geomap zonal --weights-csv`).
    package var csvDump: URL?

    package init(cacheDirectory: URL?, areaWeighted: Bool = false, csvDump: URL? = nil) {
        self.cacheDirectory = cacheDirectory
        self.areaWeighted = areaWeighted
        self.csvDump = csvDump
    }

    /// The weights of one grid and what obtaining them took.
    package struct Outcome: Sendable {
        package var weights: ZonalWeights
        /// How the cache answered; `nil` without a cache folder.
        package var cache: WeightsCache.Outcome?
        /// Seconds spent reprojecting, computing or reading the weights.
        package var seconds: Double
        /// Basins with at least one cell on the grid.
        package var basinsOnGrid: Int { weights.basinCount - weights.basinsOutsideGrid.count }
    }

    /// The most cells a grid may have (Int32 cell numbers: 2^31 − 1).
    static let maximumGridCells = Int(Int32.max)

    /// The weights of `basins` (already in `crs`) on `grid`; logs the basins outside or partly
    /// outside the grid, whose file `gridSource` names.
    /// - Throws: ``ZonalError/badInput(_:_:)`` for a grid of more than 2^31 − 1 cells,
    ///   ``ZonalError/noBasinOnGrid(_:)`` when no basin touches the grid.
    package func weights(
        _ basins: [ZonalBasin], grid: RegularGrid, crs: CRS, gridSource: String,
        log: (String) -> Void
    ) throws -> Outcome {
        // Cell numbers are stored as Int32 (weights, cache files): larger grids are refused
        // here, before any weight is computed.
        guard grid.cellCount <= Self.maximumGridCells else {
            throw ZonalError.badInput(
                gridSource,
                "the grid has \(grid.rows) × \(grid.cols) cells, more than the "
                    + "\(Self.maximumGridCells) geomap can index (cut or coarsen it first)")
        }
        let start = Date()
        let weights: ZonalWeights
        var cache: WeightsCache.Outcome?
        if let directory = cacheDirectory {
            let result = WeightsCache(directory: directory).weights(
                basins: basins, grid: grid, crs: crs.wkt, areaWeighted: areaWeighted,
                warn: log)
            weights = result.weights
            cache = result.outcome
        } else {
            weights = ZonalWeights(basins: basins, grid: grid, areaWeighted: areaWeighted)
        }
        let outcome = Outcome(
            weights: weights, cache: cache, seconds: Date().timeIntervalSince(start))
        let outside = weights.basinsOutsideGrid
        if !outside.isEmpty {
            let ids = outside.map { weights.basinIDs[$0] }.joined(separator: ", ")
            log("\(outside.count) basin(s) outside the grid of \(gridSource), left out: \(ids)")
        }
        for b in weights.basinsPartlyOutside() {
            let share = (weights.coveredShare[b] * 1000).rounded() / 10
            log(
                "basin \(weights.basinIDs[b]) lies only \(share) % on the grid of "
                    + "\(gridSource); its statistics cover that part")
        }
        guard outcome.basinsOnGrid > 0 else { throw ZonalError.noBasinOnGrid(gridSource) }
        if let url = csvDump { try ZonalCSVWriter.writeWeights(weights, to: url) }
        return outcome
    }

    /// The weights of a basin set read from a file (in any CRS) on `grid` in `crs`.
    package func weights(
        _ basins: BasinSet, grid: RegularGrid, crs: CRS, gridSource: String,
        log: (String) -> Void
    ) throws -> Outcome {
        try weights(
            Self.basins(basins, target: crs, grid: grid), grid: grid, crs: crs,
            gridSource: gridSource, log: log)
    }

    /// The weights of `basins` on a CF forcing's grid (``forcingGrid(_:)``).
    package func weights(_ basins: BasinSet, forcing: CFForcing, log: (String) -> Void) throws
        -> Outcome
    {
        let (grid, crs) = try Self.forcingGrid(forcing)
        return try weights(basins, grid: grid, crs: crs, gridSource: forcing.paths[0], log: log)
    }

    /// A CF forcing's grid and its CRS: the grid mapping's, WGS 84 without one.
    package static func forcingGrid(_ forcing: CFForcing) throws -> (grid: RegularGrid, crs: CRS) {
        (try ZonalForcing.grid(of: forcing), try CRS(forcing.grid.crs?.definition ?? "EPSG:4326"))
    }

    // MARK: basins on a grid

    /// Basins already read, reprojected to `target`, edges densified so that their images are
    /// at most a quarter cell long in the grid's units, then wrapped onto a global grid.
    package static func basins(_ set: BasinSet, target: CRS, grid: RegularGrid) throws
        -> [ZonalBasin]
    {
        let source = try set.crs.projection(path: set.path)
        if source.isSame(as: target) {
            let zonal = set.basins.map { ZonalBasin(id: $0.id, geometry: $0.geometry) }
            return wrapLongitudes(zonal, to: grid)
        }
        // Edges cut so that their images are at most a quarter of the smaller cell side, in
        // the grid's own units (metres, degrees or rotated degrees alike).
        let length = min(abs(grid.cellWidth), abs(grid.cellHeight)) / 4
        let moved = try set.reprojected(to: target, maxTargetSegmentLength: length)
        let zonal = moved.basins.map { ZonalBasin(id: $0.id, geometry: $0.geometry) }
        return wrapLongitudes(zonal, to: grid)
    }

    /// On a longitude/latitude grid, shifts each basin by ±360° when that brings it from off
    /// the grid onto it (basins in −180…180 over a 0…360 grid such as ERA5's, or the reverse).
    package static func wrapLongitudes(_ basins: [ZonalBasin], to grid: RegularGrid)
        -> [ZonalBasin]
    {
        guard grid.isGeographic else { return basins }
        let extent = grid.bounds
        return basins.map { basin in
            guard let box = basin.geometry.bounds else { return basin }
            let shift: Double
            if box.maxX <= extent.minX, box.minX + 360 < extent.maxX {
                shift = 360
            } else if box.minX >= extent.maxX, box.maxX - 360 > extent.minX {
                shift = -360
            } else {
                return basin
            }
            var moved = basin
            moved.geometry = basin.geometry.shifted(x: shift)
            return moved
        }
    }

    // MARK: rasters

    /// The CRS and regular grid of a raster whose band `band` is to be aggregated.
    /// - Parameter bandOption: how the band was chosen, for the error (`--band`, `band`).
    /// - Throws: ``ZonalError/badInput(_:_:)`` for a band that does not exist or a rotated
    ///   grid, ``GeoRaster/RasterError/missingCRS(path:operation:)`` without a CRS.
    package static func rasterGrid(_ raster: borrowing Raster, band: Int, bandOption: String)
        throws -> (crs: CRS, grid: RegularGrid)
    {
        guard (1...raster.bands.count).contains(band) else {
            throw ZonalError.badInput(
                raster.path,
                "has \(raster.bands.count) band(s); \(bandOption) \(band) does not exist")
        }
        // GDAL leaves CF latitude/longitude NetCDF files without a CRS; CF says WGS 84.
        let crs =
            try raster.grid.crs ?? ZonalJob.netCDFCRS(of: raster.path)
            ?? raster.requireCRS(for: "zonal statistics")
        return (crs, try ZonalRaster.grid(of: raster))
    }
}

/// Weights a run already has, by grid and CRS, so that the files of a forcing split in time and
/// the static rasters on one grid obtain them once (the cache folder only spares the
/// computation, not the read). Every grid seen is kept: a run reads a handful of grids.
package struct CoverageWeightsMemo {
    private var entries: [(grid: RegularGrid, crs: CRS, weights: ZonalWeights)] = []

    package init() {}

    /// The weights remembered for `grid` in `crs` (the same CRS by ``CRS/isSame(as:)``).
    package func weights(grid: RegularGrid, crs: CRS) -> ZonalWeights? {
        entries.first { $0.grid == grid && $0.crs.isSame(as: crs) }?.weights
    }

    package mutating func remember(_ weights: ZonalWeights, grid: RegularGrid, crs: CRS) {
        entries.append((grid, crs, weights))
    }
}
