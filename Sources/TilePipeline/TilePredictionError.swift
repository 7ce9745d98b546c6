package import OutputFiles

/// What can go wrong before or during a tile-by-tile prediction. Every case is bad input (exit
/// 2) and describes itself in one line naming the file and the problem.
package enum TilePredictionError: Error, CustomStringConvertible, Sendable, Equatable,
    ExitStatusProviding
{
    case invalidStride(stride: Int, tile: Int)
    case rasterTooSmall(length: Int, tile: Int)
    case rasterSmallerThanTile(path: String, width: Int, height: Int, tile: Int)
    case bandCount(path: String, found: Int, expected: Int, names: [String])
    case bandMapping(path: String, reason: String)
    case bandOrder(path: String, band: Int, found: String, expected: String)
    case dataType(path: String, band: Int, found: String, expected: String)
    case missingCRS(path: String)
    case geographicCRS(path: String, crs: String)
    case rotatedRaster(path: String)
    case missingDate(path: String)
    case badDate(text: String, source: String)
    case invalidThreshold(Double)
    case model(path: String, reason: String)
    case output(path: String, reason: String)
    /// `--window` outside the output grid.
    case window(path: String, reason: String)

    package var exitStatus: ExitStatus { .badInput }

    package var description: String {
        switch self {
        case .invalidStride(let stride, let tile):
            return "--stride \(stride) is not between 1 and the tile size \(tile)"
        case .rasterTooSmall(let length, let tile):
            return "the raster is \(length) px along one axis, smaller than a \(tile) px tile"
        case .rasterSmallerThanTile(let path, let width, let height, let tile):
            return "\(path): the raster is \(width)×\(height) px at the model's resolution, "
                + "smaller than one \(tile)×\(tile) tile (geomap does not pad small rasters)"
        case .bandCount(let path, let found, let expected, let names):
            return "\(path): \(found) band(s), but the model needs \(expected) "
                + "(\(names.joined(separator: ", "))); map file bands with --bands"
        case .bandMapping(let path, let reason):
            return "\(path): --bands: \(reason)"
        case .bandOrder(let path, let band, let found, let expected):
            return "\(path): band \(band) is described as '\(found)' but the model expects "
                + "'\(expected)' there; reorder with --bands"
        case .dataType(let path, let band, let found, let expected):
            return "\(path): band \(band) is \(found), but the model expects \(expected) "
                + "(raw digital numbers); convert the input or use a model made for \(found)"
        case .missingCRS(let path):
            return "\(path): the raster has no CRS; assign one (gdal_edit.py -a_srs EPSG:…) "
                + "so tile positions can be located"
        case .geographicCRS(let path, let crs):
            return "\(path): the CRS \(crs) is geographic (degrees); the model needs metres: "
                + "reproject to the local UTM zone (gdalwarp -t_srs EPSG:326xx -tr 30 30)"
        case .rotatedRaster(let path):
            return "\(path): the geotransform is rotated; warp it north-up first (gdalwarp)"
        case .missingDate(let path):
            return "\(path): no acquisition date in the file (ACQUISITIONDATE or "
                + "TIFFTAG_DATETIME); pass --date YYYY-MM-DDThh:mm:ssZ or --no-metadata"
        case .badDate(let text, let source):
            return "\(source): cannot read '\(text)' as a date; use ISO 8601, e.g. "
                + "2017-06-13T10:10:32Z"
        case .invalidThreshold(let value):
            return "--max-invalid \(value) is not between 0 and 1"
        case .model(let path, let reason):
            return "\(path): \(reason)"
        case .output(let path, let reason), .window(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
