internal import CGDAL
import Foundation
internal import GeoGDAL

/// Single-band files of one scene (Landsat's `*_SR_B1.TIF` … layout) stacked as the bands of
/// one VRT, optionally with a per-dataset mask band.
package enum BandStack {
    /// Writes a VRT at `vrtPath` whose band *i* is band 1 of `files[i]` (with its nodata),
    /// described `descriptions[i]`, with `metadata` as dataset metadata and, when given, band 1 of
    /// `maskPath` (Byte, 0 = invalid) as the mask of every band.
    ///
    /// - Throws: ``RasterError/invalid(path:reason:)`` naming the file whose size,
    ///   geotransform, CRS or data type differs from the first file's, or its open error.
    package static func writeVRT(
        files: [String], descriptions: [String], metadata: [String: String], maskPath: String?,
        to vrtPath: String
    ) throws {
        guard let first = files.first, files.count == descriptions.count else {
            throw RasterError.invalid(path: vrtPath, reason: "no band files to stack")
        }
        let reference = try Raster(opening: first)
        let grid = reference.grid
        var noData: [Double?] = [reference.bands[0].noData]
        for file in files.dropFirst() {
            let other = try Raster(opening: file)
            noData.append(other.bands[0].noData)
            guard other.grid.width == grid.width, other.grid.height == grid.height,
                other.grid.geoTransform == grid.geoTransform,
                other.bands[0].dataType == reference.bands[0].dataType
            else {
                throw RasterError.invalid(
                    path: file,
                    reason: "its size, geotransform or type differs from \(first)'s; "
                        + "the band files of one product share one grid")
            }
        }
        let type = reference.bands[0].dataType.rawValue
        var xml = "<VRTDataset rasterXSize=\"\(grid.width)\" rasterYSize=\"\(grid.height)\">\n"
        if let wkt = grid.crs?.wkt { xml += "  <SRS>\(QGISStyle.escape(wkt))</SRS>\n" }
        let coefficients = grid.geoTransform.coefficients.map { "\($0)" }
        xml += "  <GeoTransform>\(coefficients.joined(separator: ", "))</GeoTransform>\n"
        if !metadata.isEmpty {
            xml += "  <Metadata>\n"
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
                xml +=
                    "    <MDI key=\"\(QGISStyle.escape(key))\">\(QGISStyle.escape(value))</MDI>\n"
            }
            xml += "  </Metadata>\n"
        }
        for (index, (file, description)) in zip(files, descriptions).enumerated() {
            xml += "  <VRTRasterBand dataType=\"\(type)\" band=\"\(index + 1)\">\n"
            xml += "    <Description>\(QGISStyle.escape(description))</Description>\n"
            if let value = noData[index] { xml += "    <NoDataValue>\(value)</NoDataValue>\n" }
            xml += source(file, type: type)
            xml += "  </VRTRasterBand>\n"
        }
        if let maskPath {
            xml += "  <MaskBand>\n    <VRTRasterBand dataType=\"Byte\">\n"
            xml += source(maskPath, type: "Byte")
            xml += "    </VRTRasterBand>\n  </MaskBand>\n"
        }
        xml += "</VRTDataset>\n"
        try Data(xml.utf8).write(to: URL(fileURLWithPath: vrtPath))
    }

    private static func source(_ file: String, type: String) -> String {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        return "    <SimpleSource><SourceFilename relativeToVRT=\"0\">"
            + "\(QGISStyle.escape(absolute))</SourceFilename><SourceBand>1</SourceBand>"
            + "</SimpleSource>\n"
    }

    /// Writes a Byte GeoTIFF at `maskPath` on the grid of band 1 of `qaPath`: 0 where any of
    /// `bits` is set in the QA value (e.g. Landsat `QA_PIXEL` fill, cloud, cloud shadow), 255
    /// elsewhere. Streams 256 rows at a time.
    ///
    /// - Throws: the ``GeoGDAL/GDALError`` of a failed read or write.
    package static func writeBitMask(from qaPath: String, bits: UInt32, to maskPath: String)
        throws
    {
        let qa = try Raster(opening: qaPath)
        let grid = qa.grid
        let handle = try withCStringList(["COMPRESS=DEFLATE", "TILED=YES"]) { list in
            try withGDALErrors("GDALCreate", path: maskPath) { () -> GDALDatasetH? in
                guard let driver = GDALGetDriverByName("GTiff") else { return nil }
                return GDALCreate(
                    driver, maskPath, Int32(grid.width), Int32(grid.height), 1, GDT_Byte, list)
            }
        }
        let mask = GDALDataset(taking: handle, path: maskPath)
        let source = GDALGetRasterBand(qa.dataset.handle, 1)
        let target = GDALGetRasterBand(mask.handle, 1)
        var values = [UInt32](repeating: 0, count: grid.width * 256)
        var bytes = [UInt8](repeating: 0, count: grid.width * 256)
        for start in stride(from: 0, to: grid.height, by: 256) {
            let rows = Int32(min(256, grid.height - start))
            let width = Int32(grid.width)
            try gdalCheck("GDALRasterIO(QA)", path: qaPath) {
                GDALRasterIO(
                    source, GF_Read, 0, Int32(start), width, rows, &values, width, rows,
                    GDT_UInt32, 0, 0)
            }
            for index in 0..<Int(rows) * grid.width {
                bytes[index] = values[index] & bits == 0 ? 255 : 0
            }
            try gdalCheck("GDALRasterIO(mask)", path: maskPath) {
                GDALRasterIO(
                    target, GF_Write, 0, Int32(start), width, rows, &bytes, width, rows, GDT_Byte,
                    0, 0)
            }
        }
        try mask.close()
    }
}
