internal import CGDAL
import Foundation
internal import GeoGDAL
package import GeoProjection

extension Raster {
    /// Reprojects and/or resamples the whole raster onto `grid` in memory through GDAL's warper.
    ///
    /// Meant for windows and model inputs: the result holds `grid.width × grid.height` pixels
    /// of every band in memory. Source nodata is carried to the result; pixels outside the
    /// source are nodata when the source has a nodata value, 0 otherwise.
    ///
    /// - Throws: ``RasterError/missingCRS(path:operation:)`` when either side has no CRS, or
    ///   the ``GDALError`` of `GDALWarp`.
    package func warped(to grid: RasterGrid, resampling: Resampling) throws -> Raster {
        guard let crs = grid.crs else {
            throw RasterError.invalid(path: path, reason: "the target grid has no CRS")
        }
        _ = try requireCRS(for: "warping")
        let bounds = grid.bounds
        let arguments = [
            "-of", "MEM", "-r", resampling.gdalName, "-t_srs", crs.wkt,
            "-te", "\(bounds.minX)", "\(bounds.minY)", "\(bounds.maxX)", "\(bounds.maxY)",
            "-ts", "\(grid.width)", "\(grid.height)",
        ]
        return try Raster(dataset: runWarp(destination: "", arguments: arguments))
    }

    /// Writes a warped VRT at `vrtPath` (warping happens lazily, block by block, when it is
    /// read) and opens it. GDAL chooses the extent; `crs` and `resolution` default to the
    /// source's. The source is referenced by the path it was opened from. A raster placed by
    /// GCPs (``isGCPGeoreferenced``) is rectified with a polynomial fitted to them, into the
    /// GCPs' CRS unless `crs` is given.
    ///
    /// - Parameters:
    ///   - crs: target CRS, `nil` to keep the source's.
    ///   - resolution: target pixel size in target CRS units, `nil` for GDAL's suggestion.
    /// - Throws: ``RasterError/missingCRS(path:operation:)`` when reprojection is asked of a
    ///   raster without a CRS, or the ``GDALError`` of `GDALWarp`.
    package func warpedVRT(
        at vrtPath: String, crs: CRS?, resolution: Double?, resampling: Resampling
    ) throws -> Raster {
        var arguments = ["-of", "VRT", "-r", resampling.gdalName]
        if let crs {
            if !isGCPGeoreferenced { _ = try requireCRS(for: "reprojection to \(crs.identifier)") }
            arguments += ["-t_srs", crs.wkt]
        }
        if let resolution {
            guard resolution > 0, resolution.isFinite else {
                throw RasterError.invalid(
                    path: path, reason: "resolution must be positive, got \(resolution)")
            }
            try checkPixelCount(resolution: resolution, warpArguments: arguments)
            arguments += ["-tr", "\(resolution)", "\(resolution)"]
        }
        let vrt = try runWarp(destination: vrtPath, arguments: arguments)
        try vrt.close()
        return try Raster(opening: vrtPath)
    }

    /// Refuses a resolution that gives the warped raster no pixel, or more than GDAL can
    /// address (2^31 − 1 a side), on the extent GDAL chooses for `warpArguments` (an anonymous
    /// VRT: nothing is read or written). GDAL itself would fail with "Attempt to create
    /// -2147483648x-2147483648 dataset".
    private func checkPixelCount(resolution: Double, warpArguments: [String]) throws {
        let suggested = try Raster(dataset: runWarp(destination: "", arguments: warpArguments))
        let extent = suggested.grid.bounds
        let (width, height) = (extent.maxX - extent.minX, extent.maxY - extent.minY)
        let (columns, rows) = (width / resolution, height / resolution)
        let units = suggested.grid.crs.map { " (\($0.identifier) units)" } ?? ""
        let g = { (value: Double, digits: Int) in String(format: "%.\(digits)g", value) }
        let size = "\(g(width, 6)) × \(g(height, 6))"
        guard columns.rounded() >= 1, rows.rounded() >= 1 else {
            throw RasterError.invalid(
                path: path,
                reason: "a resolution of \(resolution)\(units) is coarser than the raster's "
                    + "extent, \(size): the output would have no pixel")
        }
        let limit = Double(Int32.max)
        guard columns <= limit, rows <= limit else {
            throw RasterError.invalid(
                path: path,
                reason: "a resolution of \(resolution)\(units) over the raster's extent, "
                    + "\(size), gives \(g(columns, 3)) × \(g(rows, 3)) px, more than GDAL's "
                    + "2147483647 a side")
        }
    }

    private func runWarp(destination: String, arguments: [String]) throws -> GDALDataset {
        let source = dataset.handle
        let sourcePath = path
        let handle = try withCStringList(arguments + ["-wm", "64"]) { argv in
            try withGDALErrors("GDALWarp", path: sourcePath) { () -> GDALDatasetH? in
                guard let options = GDALWarpAppOptionsNew(argv, nil) else { return nil }
                defer { GDALWarpAppOptionsFree(options) }
                var sources: [GDALDatasetH?] = [source]
                var usageError: Int32 = 0
                return GDALWarp(destination, nil, 1, &sources, options, &usageError)
            }
        }
        return GDALDataset(taking: handle, path: destination.isEmpty ? path : destination)
    }
}
