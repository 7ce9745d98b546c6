internal import CGDAL
import Foundation
internal import GeoGDAL
import OutputFiles

extension COGWriter {
    func validate() throws {
        guard !bands.isEmpty else {
            throw RasterError.invalid(path: path, reason: "a raster needs at least one band")
        }
        guard grid.width > 0, grid.height > 0 else {
            throw RasterError.invalid(path: path, reason: "the grid is empty")
        }
        guard grid.crs != nil else {
            throw RasterError.missingCRS(path: path, operation: "writing a COG")
        }
        guard dataType.gdalType != GDT_Unknown else {
            throw RasterError.invalid(path: path, reason: "unsupported data type \(dataType)")
        }
        let hasClasses = bands.contains { !$0.classes.isEmpty }
        if hasClasses, dataType != .byte, dataType != .uint16 {
            throw RasterError.invalid(
                path: path, reason: "class bands need Byte or UInt16, not \(dataType.rawValue)")
        }
    }

    /// Overviews of class rasters use NEAREST (labels must not be averaged), others AVERAGE.
    var overviewResampling: String {
        bands.contains { !$0.classes.isEmpty } ? "NEAREST" : "AVERAGE"
    }

    /// The scratch GeoTIFF: uncompressed, pixel-interleaved strips of one row. Rows arrive in
    /// order, a few at a time, so every strip is written whole, once, and never read back
    /// until the COG step, which reads each once; nothing is compressed or decompressed twice
    /// (a tiled, compressed scratch had every block recompressed and re-read for each row
    /// written to it once the blocks of all bands outgrew GDAL's cache: 144 embedding bands of
    /// 512×512 Float32 blocks are 144 MiB).
    func createScratch() throws -> GDALDataset {
        GDALRuntime.registerDrivers()
        let creation = [
            "TILED=NO", "BLOCKYSIZE=1", "COMPRESS=NONE", "INTERLEAVE=PIXEL", "BIGTIFF=IF_SAFER",
        ]
        let target = scratchPath
        let handle = try withCStringList(creation) { list in
            try withGDALErrors("GDALCreate", path: path) { () -> GDALDatasetH? in
                guard let driver = GDALGetDriverByName("GTiff") else { return nil }
                return GDALCreate(
                    driver, target, Int32(grid.width), Int32(grid.height),
                    Int32(bands.count), dataType.gdalType, list)
            }
        }
        let dataset = GDALDataset(taking: handle, path: target)
        try describe(dataset.handle)
        return dataset
    }

    /// Georeferencing, band descriptions, nodata, colour tables and metadata on `handle`.
    private func describe(_ handle: GDALDatasetH) throws {
        var coefficients = grid.geoTransform.coefficients
        try gdalCheck("GDALSetGeoTransform", path: path) {
            GDALSetGeoTransform(handle, &coefficients)
        }
        if let wkt = grid.crs?.wkt {
            try gdalCheck("GDALSetProjection", path: path) { GDALSetProjection(handle, wkt) }
        }
        for (key, value) in options.metadataItems.sorted(by: { $0.key < $1.key }) {
            try gdalCheck("GDALSetMetadataItem", path: path) {
                GDALSetMetadataItem(handle, key, value, nil)
            }
        }
        for (slot, spec) in bands.enumerated() {
            try describeBand(GDALGetRasterBand(handle, Int32(slot + 1)), spec)
        }
    }

    private func describeBand(_ band: GDALRasterBandH?, _ spec: BandSpec) throws {
        GDALSetDescription(band, spec.description)
        if let noData = spec.noData {
            try gdalCheck("GDALSetRasterNoDataValue", path: path) {
                GDALSetRasterNoDataValue(band, noData)
            }
        }
        if let scale = spec.scale {
            try gdalCheck("GDALSetRasterScale", path: path) { GDALSetRasterScale(band, scale) }
        }
        if let offset = spec.offset {
            try gdalCheck("GDALSetRasterOffset", path: path) { GDALSetRasterOffset(band, offset) }
        }
        if !spec.classes.isEmpty {
            try setColorTable(band, classes: spec.classes, path: path)
        }
    }

    /// Writes `rows` of every band in one call.
    /// - Parameter values: band-major `[bands][rows][width]` in the stored band order.
    func writeRows(_ handle: GDALDatasetH, rows: Range<Int>, values: inout [Float]) throws {
        let width = grid.width
        let plane = rows.count * width
        try gdalCheck("GDALDatasetRasterIOEx(write)", path: path) {
            GDALDatasetRasterIOEx(
                handle, GF_Write, 0, Int32(rows.lowerBound), Int32(width), Int32(rows.count),
                &values, Int32(width), Int32(rows.count), GDT_Float32, Int32(bands.count), nil,
                4, GSpacing(4 * width), GSpacing(4 * plane), nil)
        }
    }

    /// COG creation options: tiles, compression with the predictor for the data type,
    /// overview resampling by band kind.
    var cogCreationOptions: [String] {
        let predictor = dataType.isFloatingPoint ? "FLOATING_POINT" : "STANDARD"
        return [
            "BLOCKSIZE=\(options.blockSize)", "COMPRESS=\(options.compression.rawValue)",
            "PREDICTOR=\(predictor)", "OVERVIEW_RESAMPLING=\(overviewResampling)",
            "BIGTIFF=IF_SAFER",
        ]
    }

    /// Translates the scratch file (or the copied source) into the COG under its temporary
    /// name. A copied source keeps its own `TIFFTAG_*` items; only the `GEOMAP_*` stamps are
    /// added to what GDAL carries over.
    func translateToCOG() throws {
        let source = try GDALDataset(opening: translationSource ?? scratchPath, kind: .raster)
        var arguments = ["-of", "COG"] + cogCreationOptions.flatMap { ["-co", $0] }
        if translationSource != nil {
            arguments += options.stampItems.sorted { $0.key < $1.key }.flatMap {
                ["-mo", "\($0.key)=\($0.value)"]
            }
        }
        let destination = cogTemporaryPath
        let handle = try withCStringList(arguments) { argv in
            try withGDALErrors("GDALTranslate(COG)", path: path) { () -> GDALDatasetH? in
                guard let options = GDALTranslateOptionsNew(argv, nil) else { return nil }
                defer { GDALTranslateOptionsFree(options) }
                var usageError: Int32 = 0
                return GDALTranslate(destination, source.handle, options, &usageError)
            }
        }
        try GDALDataset(taking: handle, path: destination).close()
    }

    /// Category names and the raster attribute table go to the COG's `.aux.xml` (PAM):
    /// the COG itself stays untouched, so its layout remains valid.
    func attachClassTables() throws {
        guard bands.contains(where: { !$0.classes.isEmpty }) else { return }
        let dataset = try GDALDataset(opening: cogTemporaryPath, kind: .raster)
        for (slot, spec) in bands.enumerated() where !spec.classes.isEmpty {
            let band = GDALGetRasterBand(dataset.handle, Int32(slot + 1))
            try setCategoryNames(band, classes: spec.classes, path: path)
            try setAttributeTable(band, classes: spec.classes, path: path)
        }
        try dataset.close()
    }

    func moveIntoPlace() throws -> COGOutput {
        let manager = FileManager.default
        let aux = cogTemporaryPath + ".aux.xml"
        var auxPath: String?
        if manager.fileExists(atPath: aux) {
            auxPath = path + ".aux.xml"
            try replace(auxPath!, with: aux)
        }
        try replace(path, with: cogTemporaryPath)
        var stylePath: String?
        if options.writeStyle, let style = QGISStyle.document(for: bands) {
            let url = URL(fileURLWithPath: path).deletingPathExtension().appendingPathExtension(
                "qml")
            let temporary = TemporaryName.beside(url.path)
            let fs = POSIXFileSystem()
            do {
                try fs.write(Array(style.utf8), to: temporary)
                try fs.rename(temporary, to: url.path)
            } catch {
                _ = unlink(temporary)
                throw error
            }
            stylePath = url.path
        }
        return COGOutput(path: path, auxPath: auxPath, stylePath: stylePath)
    }

    private func replace(_ destination: String, with source: String) throws {
        try POSIXFileSystem().rename(source, to: destination)
    }

    var temporaryFiles: [String] {
        [scratchPath, scratchPath + ".aux.xml", cogTemporaryPath, cogTemporaryPath + ".aux.xml"]
    }

    func removeTemporaries() {
        scratch = nil
        for file in temporaryFiles {
            unlink(file)
            TemporaryRegistry.shared.unregister(file)
        }
    }

    /// Checks a written COG before it is committed: GDAL opens it, reports the COG layout,
    /// the expected size and band count, and reads its last pixel of every band (decoding the
    /// file's last tiles: a truncated file fails there).
    /// - Throws: ``RasterError/invalid(path:reason:)`` naming what is wrong.
    package static func verify(path: String, width: Int, height: Int, bands: Int) throws {
        let raster = try Raster(opening: path)
        guard raster.metadata(domain: "IMAGE_STRUCTURE")["LAYOUT"] == "COG" else {
            throw RasterError.invalid(path: path, reason: "not a Cloud-Optimized GeoTIFF layout")
        }
        guard raster.grid.width == width, raster.grid.height == height,
            raster.bands.count == bands
        else {
            throw RasterError.invalid(
                path: path,
                reason: "\(raster.grid.width)×\(raster.grid.height)×\(raster.bands.count) "
                    + "instead of \(width)×\(height)×\(bands)")
        }
        _ = try raster.read(
            window: PixelWindow(x: width - 1, y: height - 1, width: 1, height: 1),
            applyScale: false)
    }
}
