import Foundation
import GeoProjection
package import GeoRaster
import GeomapJobs
import OutputFiles

/// A raster conversion that cannot be done as asked: bad input (exit 2), one line.
package struct ConvertError: Error, CustomStringConvertible, Equatable {
    package let message: String
    package var description: String { message }

    package init(message: String) { self.message = message }
}

/// `geomap convert IN OUT`: any raster GDAL reads → a Cloud-Optimized GeoTIFF, optionally
/// reprojected and/or resampled through GDAL's warper, written with its `.aux.xml` and `.qml`
/// as one output set.
package enum ConvertJob: GeomapJob {
    package struct Request: Sendable {
        /// The input raster as the user named it (a path or a GDAL dataset name).
        package var input: String
        /// The COG to write (`.tif`/`.tiff`; its folder must exist).
        package var output: String
        /// `--to-crs`: EPSG:n, WKT, PROJJSON or PROJ string; `nil` keeps the input's CRS.
        package var targetCRS: String?
        /// `--resolution`: the target pixel size in target CRS units.
        package var resolution: Double?
        /// `--resampling`; `nil` when not given (nearest when warping).
        package var resampling: Resampling?
        package var compression = COGCompression.deflate
        /// `TIFFTAG_SOFTWARE` (`geomap 0.1.0`).
        package var producer = "geomap"

        package init(input: String, output: String) {
            self.input = input
            self.output = output
        }
    }

    /// A checked request: the target CRS parsed and the input's path resolved.
    package struct Item: Sendable {
        package var request: Request
        var target: CRS?
        var inputPath: String
    }

    /// What was converted.
    package struct Summary: Sendable, Equatable {
        /// The output grid.
        package var width: Int
        package var height: Int
        package var bands: Int
        /// The first band's data type (`Byte`, `Float32`…), `nil` without bands.
        package var dataType: String?
        /// The output CRS's identifier (`EPSG:32634`), when it has one.
        package var crs: String?
        /// Whether the input went through the warper.
        package var warped: Bool
        /// The final paths of the COG and its sidecars.
        package var output: COGOutput
    }

    /// One item. Checks the output name and folder, the options' values, the target CRS and
    /// that the input is a raster GDAL opens.
    package static func plan(_ request: Request) throws -> [Item] {
        let suffix = URL(fileURLWithPath: request.output).pathExtension.lowercased()
        guard suffix == "tif" || suffix == "tiff" else {
            throw ConvertError(
                message: "\(request.output): convert writes a Cloud-Optimized GeoTIFF; name the "
                    + "output .tif or .tiff")
        }
        if let resolution = request.resolution, !(resolution > 0 && resolution.isFinite) {
            throw ConvertError(
                message: "--resolution must be a positive number, got \(resolution)")
        }
        let target = try request.targetCRS.map { text in
            do { return try CRS(text) } catch let error as PROJError {
                throw ConvertError(message: "--to-crs \(text): \(error.message)")
            }
        }
        let inputPath = InputKind.resolvedPath(request.input)
        _ = try InputKind.detect(path: inputPath)
        let outputURL = URL(fileURLWithPath: request.output).standardizedFileURL
        var isDirectory: ObjCBool = false
        let directory = outputURL.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw ConvertError(message: "\(outputURL.path): the output directory does not exist")
        }
        return [Item(request: request, target: target, inputPath: inputPath)]
    }

    package static func run(_ item: Item, events: JobEvents) throws -> JobResult<Summary> {
        let request = item.request
        let source = try Raster(opening: item.inputPath)
        let outputURL = URL(fileURLWithPath: request.output).standardizedFileURL
        let warps = try checkGeoreferencing(
            source, request: request, reprojecting: item.target != nil)
        let method = request.resampling ?? .nearest
        try checkResampling(source, request: request, warps: warps, method: method)
        let outputs = try RasterConversion.outputSet(outputURL.path, input: item.inputPath)
        let staged = outputs.stagedPath(outputURL.lastPathComponent)
        let summary = try outputs.produce { () throws -> Summary in
            if warps {
                // The warp VRT lives in the staging folder, removed with it.
                let vrt = outputs.staging + "/" + TemporaryName.make(suffix: "warp.vrt")
                let warped = try source.warpedVRT(
                    at: vrt, crs: item.target, resolution: request.resolution, resampling: method)
                try outputs.checkSize([RasterConversion.planned(warped, path: outputURL.path)])
                let written = try RasterConversion.copy(
                    warped, to: staged, compression: request.compression,
                    sourceName: request.input, producer: request.producer, outputs: outputs)
                try outputs.commit()
                return summarise(warped, outputs.final(written), warped: true)
            }
            try outputs.checkSize([RasterConversion.planned(source, path: outputURL.path)])
            let written = try RasterConversion.copy(
                source, to: staged, compression: request.compression,
                sourceName: request.input, producer: request.producer, outputs: outputs)
            try outputs.commit()
            return summarise(source, outputs.final(written), warped: false)
        }
        let written =
            [summary.output.path]
            + [summary.output.auxPath, summary.output.stylePath]
            .compactMap { $0 }
        return JobResult(written: written, summary: summary)
    }

    /// Whether the input goes through the warper: asked for (`--to-crs`, `--resolution`) or
    /// needed (a raster placed by GCPs). A raster with no georeferencing at all is refused.
    private static func checkGeoreferencing(
        _ source: borrowing Raster, request: Request, reprojecting: Bool
    ) throws -> Bool {
        if source.isGCPGeoreferenced { return true }
        if !source.hasGeoTransform {
            let gcps = source.groundControlPointCount
            let reason =
                gcps > 0
                ? "it has \(gcps) GCPs but \(gcps < 3 ? "fewer than 3" : "no CRS for them"), "
                    + "so it cannot be rectified"
                : "it has no geotransform and no GCPs (its pixels have no place on Earth)"
            throw ConvertError(message: "\(request.input): \(reason)")
        }
        return reprojecting || request.resolution != nil
    }

    /// `--resampling` only applies when warping; averaging resamplers would mix the class
    /// values of a paletted band into values no class has.
    private static func checkResampling(
        _ source: borrowing Raster, request: Request, warps: Bool, method: Resampling
    ) throws {
        if let resampling = request.resampling, !warps {
            throw ConvertError(
                message: "--resampling \(resampling.rawValue) applies only when warping "
                    + "(--to-crs or --resolution); without them convert copies pixels unchanged")
        }
        if method == .bilinear || method == .average,
            let band = source.bands.first(where: { $0.colorInterpretation == "Palette" })
        {
            throw ConvertError(
                message: "\(request.input): band \(band.index) is paletted (class values); "
                    + "--resampling \(method.rawValue) would invent classes; use nearest or mode")
        }
    }

    private static func summarise(_ raster: borrowing Raster, _ written: COGOutput, warped: Bool)
        -> Summary
    {
        Summary(
            width: raster.grid.width, height: raster.grid.height, bands: raster.bands.count,
            dataType: raster.bands.first?.dataType.rawValue, crs: raster.grid.crs?.identifier,
            warped: warped, output: written)
    }
}
