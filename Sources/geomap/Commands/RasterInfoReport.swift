import Foundation
import GeoProjection
import GeoRaster

/// The facts `geomap info` reports for a raster; encoded as-is for `--json`.
struct RasterInfoReport: Encodable {
    struct CRSReport: Encodable {
        @NullEncoded var epsg: Int?
        var name: String
        var isGeographic: Bool
        var unit: String
        var wkt: String

        enum CodingKeys: String, CodingKey {
            case epsg, name
            case isGeographic = "is_geographic"
            case unit, wkt
        }
    }

    struct BandReport: Encodable {
        var index: Int
        var dataType: String
        @NullEncoded var noData: Double?
        var scale: Double
        var offset: Double
        var description: String
        var colorInterpretation: String
        var blockWidth: Int
        var blockHeight: Int
        var maskBand: Bool
        var categories: [String]

        enum CodingKeys: String, CodingKey {
            case index
            case dataType = "dtype"
            case noData = "nodata"
            case scale, offset, description
            case colorInterpretation = "color_interpretation"
            case blockWidth = "block_width"
            case blockHeight = "block_height"
            case maskBand = "mask_band"
            case categories
        }
    }

    var kind = "raster"
    var path: String
    var driver: String
    var width: Int
    var height: Int
    var bandCount: Int
    @NullEncoded var crs: CRSReport?
    @NullEncoded var geoTransform: [Double]?
    /// Ground control points the file carries (a raster placed only by them has no
    /// geotransform: `geomap convert` rectifies it).
    var gcpCount: Int
    /// The outer edges of the edge cells in CRS units, or pixel space without a geotransform.
    var bounds: Bounds
    /// `cell_edges` (CRS units) or `pixel_space` (no geotransform: column/row numbers).
    var boundsKind: String
    /// ``bounds`` in longitude/latitude (densified edges); `null` without a geotransform or a
    /// CRS, or when the edges do not all map to the Earth (``lonLatProblem`` says which).
    @NullEncoded var lonLatBounds: Bounds?
    @NullEncoded var lonLatProblem: String?
    @NullEncoded var date: String?
    var bands: [BandReport]

    enum CodingKeys: String, CodingKey {
        case kind, path, driver, width, height
        case bandCount = "band_count"
        case crs
        case geoTransform = "geotransform"
        case gcpCount = "gcp_count"
        case bounds
        case boundsKind = "bounds_kind"
        case lonLatBounds = "lon_lat_bounds"
        case lonLatProblem = "lon_lat_problem"
        case date, bands
    }

    /// Opens `path` and gathers its facts.
    static func make(path: String) throws -> RasterInfoReport {
        let raster = try Raster(opening: path)
        try raster.checkReadable()
        let grid = raster.grid
        let crs = grid.crs.map {
            CRSReport(
                epsg: $0.epsgCode, name: $0.name, isGeographic: $0.isGeographic,
                unit: $0.unitName, wkt: $0.wkt)
        }
        var lonLat: Bounds?
        var problem: String?
        if !raster.hasGeoTransform {
            problem = "no geotransform: the bounds are pixel space, not coordinates"
        } else if grid.crs != nil {
            let bounds = try grid.lonLatBounds(path: path)
            if [bounds.minX, bounds.minY, bounds.maxX, bounds.maxY].allSatisfy(\.isFinite) {
                lonLat = bounds
            } else {
                problem =
                    "the raster's edges do not all fall on the Earth (e.g. a full-disk "
                    + "view), so they have no longitude/latitude"
            }
        }
        return RasterInfoReport(
            path: path, driver: raster.driverName, width: grid.width, height: grid.height,
            bandCount: raster.bands.count, crs: crs,
            geoTransform: raster.hasGeoTransform ? grid.geoTransform.coefficients : nil,
            gcpCount: raster.groundControlPointCount, bounds: grid.bounds,
            boundsKind: raster.hasGeoTransform ? "cell_edges" : "pixel_space",
            lonLatBounds: lonLat, lonLatProblem: problem,
            date: raster.recordedDate, bands: raster.bands.map(bandReport))
    }

    static func bandReport(_ band: BandInfo) -> BandReport {
        BandReport(
            index: band.index, dataType: band.dataType.rawValue, noData: band.noData,
            scale: band.scale, offset: band.offset, description: band.description,
            colorInterpretation: band.colorInterpretation, blockWidth: band.blockWidth,
            blockHeight: band.blockHeight, maskBand: band.hasMaskBand,
            categories: band.categoryNames)
    }

    func render(json: Bool) throws -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // JSON has no NaN or infinity: a NaN nodata is written "nan", as gdalinfo does.
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
        return text
    }
}
