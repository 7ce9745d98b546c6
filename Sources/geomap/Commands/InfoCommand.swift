import ArgumentParser
import Foundation
import GeoRaster

/// `geomap info FILE [--json]`: the facts of a raster, vector or NetCDF file.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a raster, vector or NetCDF file (like gdalinfo/ogrinfo/ncdump -h).",
        discussion: """
            The kind of input is detected from the file: NetCDF by its signature, otherwise \
            what GDAL opens it as. --json prints the same facts as one JSON document.
            """)

    @Argument(help: "The file to describe.")
    var path: String

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @OptionGroup var gdalCache: GDALCacheOptions

    func run() throws {
        gdalCache.apply()
        let output: String
        switch try InputKind.detect(path: path) {
        case .raster: output = try RasterInfoReport.make(path: path).render(json: json)
        case .vector: output = try VectorInfoReport.make(path: path).render(json: json)
        case .netCDF: output = try NetCDFInfoReport.make(path: path).render(json: json)
        }
        print(output, terminator: output.hasSuffix("\n") ? "" : "\n")
    }
}
