/// Resampling methods geomap offers for warping and overviews.
package enum Resampling: String, Sendable, CaseIterable, Codable {
    case nearest, bilinear, average, mode

    /// GDAL's name for the method (`-r` of gdalwarp).
    var gdalName: String {
        switch self {
        case .nearest: "near"
        case .bilinear: "bilinear"
        case .average: "average"
        case .mode: "mode"
        }
    }
}
