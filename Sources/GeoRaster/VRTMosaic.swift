internal import CGDAL
import Foundation
internal import GeoGDAL
import OutputFiles

/// A VRT over many rasters of one kind (GDALBuildVRT): the whole region as one layer, for QGIS.
///
/// Sources must share CRS, band count and data type (GDALBuildVRT refuses others, with its
/// message). Paths inside the VRT are relative to it when the sources sit below its folder.
/// The VRT's overviews are the sources' own: GDAL reads a VRT through its sources' internal
/// overviews when all sources have them (geomap's COGs do), so no `.ovr` is written. A QGIS
/// style given as `style` is copied beside the VRT (`<name>.qml`).
package enum VRTMosaic {
    /// Writes the VRT at `path` over `sources` (absolute paths), replacing an older one whole
    /// (a ``TemporaryName`` in the same folder, then a rename; the style the same way). A
    /// temporary left by a killed process is removed by ``OutputRecovery/sweep(_:heldLock:)``,
    /// which knows the name.
    package static func build(sources: [String], to path: String, style: String? = nil) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporary = "\(folder)/" + TemporaryName.make(suffix: "vrt")
        defer { unlink(temporary) }
        try withCStringList(sources) { names in
            let dataset = try withGDALErrors("GDALBuildVRT", path: path) {
                GDALBuildVRT(temporary, Int32(sources.count), nil, constList(names), nil, nil)
            }
            GDALClose(dataset)
        }
        guard rename(temporary, path) == 0 else {
            throw RasterError.invalid(
                path: path,
                reason: "cannot rename the mosaic into place: \(String(cString: strerror(errno)))")
        }
        if let style {
            let target = URL(fileURLWithPath: path).deletingPathExtension().path + ".qml"
            let data = try Data(contentsOf: URL(fileURLWithPath: style))
            // Not Data's .atomic: its `.dat.nosync…` temporary outlives a kill unnoticed.
            let staged = "\(folder)/" + TemporaryName.make(suffix: "qml")
            defer { unlink(staged) }
            try data.write(to: URL(fileURLWithPath: staged))
            guard rename(staged, target) == 0 else {
                throw RasterError.invalid(
                    path: target,
                    reason:
                        "cannot rename the style into place: \(String(cString: strerror(errno)))")
            }
        }
    }
}
