import ArgumentParser
import Foundation
import GeoProjection
import GeoRaster
import OutputFiles

/// `geomap convert IN OUT`: any raster GDAL reads → a Cloud-Optimized GeoTIFF, optionally
/// reprojected and/or resampled through GDAL's warper.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a raster to a Cloud-Optimized GeoTIFF, optionally reprojecting it.",
        discussion: """
            The output is written in a staging folder in OUT's directory, checked, and \
            swapped in with its .aux.xml and .qml as one set (see docs/outputs.md). Class rasters (with a colour table) keep their colours and class names \
            and get a QGIS .qml style beside them.
            """)

    @Argument(help: "Input raster (any format GDAL reads).")
    var input: String

    @Argument(help: "Output COG path (.tif).")
    var output: String

    @Option(name: .customLong("to-crs"), help: "Target CRS: EPSG:n, WKT, PROJJSON or PROJ string.")
    var toCRS: String?

    @Option(help: "Target pixel size in target CRS units.")
    var resolution: Double?

    @Option(
        help: ArgumentHelp(
            "Resampling when warping (default nearest); only with --to-crs, --resolution or a "
                + "GCP-georeferenced input.", valueName: "nearest|bilinear|average|mode"))
    var resampling: String?

    @Option(help: ArgumentHelp("Tile compression.", valueName: "deflate|zstd"))
    var compress: String = "deflate"

    @Flag(help: "No summary line on stderr.")
    var quiet = false

    var resamplingMethod: Resampling? {
        resampling.map { Resampling(rawValue: $0.lowercased()) } ?? .nearest
    }
    var compression: COGCompression? { COGCompression(rawValue: compress.uppercased()) }

    @OptionGroup var gdalCache: GDALCacheOptions

    func validate() throws {
        guard resamplingMethod != nil else {
            throw ValidationError(
                "--resampling must be nearest, bilinear, average or mode, got \(resampling ?? "")")
        }
        guard compression != nil else {
            throw ValidationError("--compress must be deflate or zstd, got \(compress)")
        }
        if let resolution, !(resolution > 0 && resolution.isFinite) {
            throw ValidationError("--resolution must be a positive number, got \(resolution)")
        }
        let suffix = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard suffix == "tif" || suffix == "tiff" else {
            throw ValidationError(
                "\(output): convert writes a Cloud-Optimized GeoTIFF; name the output .tif or .tiff"
            )
        }
    }

    func run() throws {
        gdalCache.apply()
        let target = try toCRS.map { text in
            do { return try CRS(text) } catch let error as PROJError {
                throw ConvertError(message: "--to-crs \(text): \(error.message)")
            }
        }
        let inputPath = InputKind.resolvedPath(input)
        _ = try InputKind.detect(path: inputPath)
        let source = try Raster(opening: inputPath)
        let outputURL = URL(fileURLWithPath: output).standardizedFileURL
        try checkOutputDirectory(outputURL)
        let warps = try checkGeoreferencing(source, reprojecting: target != nil)
        let method = resamplingMethod ?? .nearest
        try checkResampling(source, warps: warps, method: method)
        let outputs = try RasterConversion.outputSet(outputURL.path, input: inputPath)
        let staged = outputs.stagedPath(outputURL.lastPathComponent)
        try outputs.produce {
            if warps {
                // The warp VRT lives in the staging folder, removed with it.
                let vrt = outputs.staging + "/" + TemporaryName.make(suffix: "warp.vrt")
                let warped = try source.warpedVRT(
                    at: vrt, crs: target, resolution: resolution, resampling: method)
                try outputs.checkSize([RasterConversion.planned(warped, path: outputURL.path)])
                let written = try RasterConversion.copy(
                    warped, to: staged, compression: compression ?? .deflate,
                    sourceName: input, outputs: outputs)
                try outputs.commit()
                if !quiet { report(warped, outputs.final(written), warped: true) }
            } else {
                try outputs.checkSize([RasterConversion.planned(source, path: outputURL.path)])
                let written = try RasterConversion.copy(
                    source, to: staged, compression: compression ?? .deflate,
                    sourceName: input, outputs: outputs)
                try outputs.commit()
                if !quiet { report(source, outputs.final(written), warped: false) }
            }
        }
    }

    /// Whether the input goes through the warper: asked for (`--to-crs`, `--resolution`) or
    /// needed (a raster placed by GCPs). A raster with no georeferencing at all is refused.
    private func checkGeoreferencing(_ source: borrowing Raster, reprojecting: Bool) throws
        -> Bool
    {
        if source.isGCPGeoreferenced { return true }
        if !source.hasGeoTransform {
            let gcps = source.groundControlPointCount
            let reason =
                gcps > 0
                ? "it has \(gcps) GCPs but \(gcps < 3 ? "fewer than 3" : "no CRS for them"), "
                    + "so it cannot be rectified"
                : "it has no geotransform and no GCPs (its pixels have no place on Earth)"
            throw ConvertError(message: "\(input): \(reason)")
        }
        return reprojecting || resolution != nil
    }

    /// `--resampling` only applies when warping; averaging resamplers would mix the class
    /// values of a paletted band into values no class has.
    private func checkResampling(_ source: borrowing Raster, warps: Bool, method: Resampling)
        throws
    {
        if let resampling, !warps {
            throw ConvertError(
                message: "--resampling \(resampling) applies only when warping "
                    + "(--to-crs or --resolution); without them convert copies pixels unchanged")
        }
        if method == .bilinear || method == .average,
            let band = source.bands.first(where: { $0.colorInterpretation == "Palette" })
        {
            throw ConvertError(
                message: "\(input): band \(band.index) is paletted (class values); "
                    + "--resampling \(method.rawValue) would invent classes; use nearest or mode")
        }
    }

    /// One line on stderr, like the other commands' summaries.
    private func report(_ raster: borrowing Raster, _ written: COGOutput, warped: Bool) {
        let grid = raster.grid
        let type = raster.bands.first.map { " \($0.dataType.rawValue)" } ?? ""
        let crs = grid.crs.map { ", \($0.identifier)" } ?? ""
        let extras = [written.auxPath, written.stylePath].compactMap { $0 }
        let also = extras.isEmpty ? "" : " (+ " + extras.joined(separator: ", ") + ")"
        let line =
            "geomap: convert: \(grid.width)×\(grid.height) px, \(raster.bands.count) "
            + "band\(raster.bands.count == 1 ? "" : "s")\(type)\(crs)\(warped ? ", warped" : "")"
            + " → \(written.path)\(also)\n"
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }

    private func checkOutputDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw ConvertError(message: "\(url.path): the output directory does not exist")
        }
    }
}

struct ConvertError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
