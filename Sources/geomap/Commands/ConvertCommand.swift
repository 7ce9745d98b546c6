import ArgumentParser
import Foundation
import GeoRaster
import GeomapCore

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
        var request = ConvertJob.Request(input: input, output: output)
        request.targetCRS = toCRS
        request.resolution = resolution
        request.resampling = resampling.flatMap { Resampling(rawValue: $0.lowercased()) }
        request.compression = compression ?? .deflate
        request.producer = "geomap \(VersionReport.geomapVersion)"
        for result in try ConvertJob.runAll(request, events: .silent) where !quiet {
            report(result.summary)
        }
    }

    /// One line on stderr, like the other commands' summaries.
    private func report(_ summary: ConvertJob.Summary) {
        let type = summary.dataType.map { " \($0)" } ?? ""
        let crs = summary.crs.map { ", \($0)" } ?? ""
        let written = summary.output
        let extras = [written.auxPath, written.stylePath].compactMap { $0 }
        let also = extras.isEmpty ? "" : " (+ " + extras.joined(separator: ", ") + ")"
        let line =
            "geomap: convert: \(summary.width)×\(summary.height) px, \(summary.bands) "
            + "band\(summary.bands == 1 ? "" : "s")\(type)\(crs)"
            + "\(summary.warped ? ", warped" : "") → \(written.path)\(also)\n"
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }
}
