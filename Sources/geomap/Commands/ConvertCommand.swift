import ArgumentParser
import Foundation
import GeoProjection
import GeoRaster

/// `geomap convert IN OUT`: any raster GDAL reads → a Cloud-Optimized GeoTIFF, optionally
/// reprojected and/or resampled through GDAL's warper.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a raster to a Cloud-Optimized GeoTIFF, optionally reprojecting it.",
        discussion: """
            The output is written under a temporary name in OUT's directory and renamed when \
            complete. Class rasters (with a colour table) keep their colours and class names \
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
            "Resampling when warping.", valueName: "nearest|bilinear|average|mode"))
    var resampling: String = "nearest"

    @Option(help: ArgumentHelp("Tile compression.", valueName: "deflate|zstd"))
    var compress: String = "deflate"

    var resamplingMethod: Resampling? { Resampling(rawValue: resampling.lowercased()) }
    var compression: COGCompression? { COGCompression(rawValue: compress.uppercased()) }

    @OptionGroup var gdalCache: GDALCacheOptions

    func validate() throws {
        guard resamplingMethod != nil else {
            throw ValidationError(
                "--resampling must be nearest, bilinear, average or mode, got \(resampling)")
        }
        guard compression != nil else {
            throw ValidationError("--compress must be deflate or zstd, got \(compress)")
        }
        if let resolution, !(resolution > 0 && resolution.isFinite) {
            throw ValidationError("--resolution must be a positive number, got \(resolution)")
        }
    }

    func run() throws {
        gdalCache.apply()
        let target = try toCRS.map { text in
            do { return try CRS(text) } catch let error as PROJError {
                throw ConvertError(message: "--to-crs \(text): \(error.message)")
            }
        }
        let inputPath = URL(fileURLWithPath: input).standardizedFileURL.path
        _ = try InputKind.detect(path: inputPath)
        let source = try Raster(opening: inputPath)
        let outputURL = URL(fileURLWithPath: output).standardizedFileURL
        try checkOutputDirectory(outputURL)
        guard target != nil || resolution != nil else {
            return try RasterConversion.copy(
                source, to: outputURL.path, compression: compression ?? .deflate)
        }
        let vrt = outputURL.deletingLastPathComponent().appendingPathComponent(
            ".\(outputURL.lastPathComponent).geomap-\(UUID().uuidString.prefix(8)).vrt"
        ).path
        defer { unlink(vrt) }
        let warped = try source.warpedVRT(
            at: vrt, crs: target, resolution: resolution, resampling: resamplingMethod ?? .nearest)
        try RasterConversion.copy(
            warped, to: outputURL.path, compression: compression ?? .deflate)
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
