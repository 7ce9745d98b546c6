internal import CGDAL
import Foundation
internal import GeoGDAL
import OutputFiles

/// Writes a Cloud-Optimized GeoTIFF from row blocks streamed in order.
///
/// Rows go into a tiled scratch GeoTIFF beside the output (never the whole raster in memory);
/// ``finish()`` turns it into a COG through GDAL's COG driver under a temporary name, adds
/// class names and the attribute table (`.aux.xml`), renames it to `path`, and writes a QGIS
/// `.qml` style beside class and probability rasters. If the writer is dropped unfinished, or
/// any step fails, the temporaries are removed and nothing appears under `path`. Temporary
/// names are short (``OutputFiles/TemporaryName``, with this process's id), so an output whose
/// own name just fits in 255 bytes works, and are removed if the run is interrupted. Writers
/// of a run's outputs write into an ``OutputFiles/OutputSet``'s staging folder.
///
/// ```swift
/// let writer = try COGWriter(path: "out.tif", grid: grid, bands: [spec], dataType: .byte,
///                            options: COGOptions(producer: "geomap 0.1.0"))
/// for rows in stride(...) { try writer.write(rows: rows, values: block) }
/// let output = try writer.finish()
/// ```
///
/// Not Sendable: feed it from one task.
package final class COGWriter {
    /// The final output path.
    package let path: String
    package let grid: RasterGrid
    package let bands: [BandSpec]
    package let dataType: RasterDataType
    package let options: COGOptions
    var scratch: GDALDataset?
    let scratchPath: String
    let cogTemporaryPath: String
    /// The dataset ``finish()`` translates when the writer copies an existing raster
    /// (``init(path:translating:bands:options:)``); `nil` when rows are written.
    let translationSource: String?
    /// Rows written so far (rows arrive in order, so this is also the next row expected).
    package private(set) var rowsWritten = 0
    private var finished = false

    /// Creates the scratch file and sets georeferencing, band facts and metadata on it.
    ///
    /// - Parameters:
    ///   - path: the final `.tif` path; its directory must exist.
    ///   - grid: output size, geotransform and CRS (a CRS is required).
    ///   - bands: one spec per output band.
    ///   - dataType: the stored pixel type; class bands need `Byte` or `UInt16`.
    /// - Throws: ``RasterError`` for an invalid specification, ``GDALError`` when GDAL cannot
    ///   create the scratch file.
    package convenience init(
        path: String, grid: RasterGrid, bands: [BandSpec], dataType: RasterDataType,
        options: COGOptions
    ) throws {
        try self.init(
            path: path, grid: grid, bands: bands, dataType: dataType, options: options,
            translationSource: nil)
        scratch = try createScratch()
    }

    /// A writer that copies `source` into a COG as `gdal_translate -of COG` does: stored
    /// values, data type, colour interpretation, nodata, scale/offset, masks (internal or
    /// `.msk`), alpha bands and the metadata domains GDAL's COG driver keeps (its
    /// `TIFFTAG_*` tags included). ``finish()`` does the copy, streaming block by block;
    /// ``write(rows:values:)`` is not used. `options` adds the `GEOMAP_*` items only.
    ///
    /// - Parameters:
    ///   - path: the final `.tif` path; its directory must exist.
    ///   - source: the raster to copy; it is reopened by its path, so it must stay in place.
    ///   - bands: one spec per source band (class bands get names, attribute table and style).
    /// - Throws: ``RasterError`` when the source has no CRS or the specs do not fit it.
    package convenience init(
        path: String, translating source: borrowing Raster, bands: [BandSpec],
        options: COGOptions
    ) throws {
        guard bands.count == source.bands.count else {
            throw RasterError.invalid(
                path: path,
                reason: "\(bands.count) band specs for \(source.bands.count) source bands")
        }
        try self.init(
            path: path, grid: source.grid, bands: bands, dataType: source.bands[0].dataType,
            options: options, translationSource: source.path)
        rowsWritten = grid.height
    }

    private init(
        path: String, grid: RasterGrid, bands: [BandSpec], dataType: RasterDataType,
        options: COGOptions, translationSource: String?
    ) throws {
        self.path = path
        self.grid = grid
        self.bands = bands
        self.dataType = dataType
        self.options = options
        let base = TemporaryName.beside(path)
        scratchPath = String(base.dropLast(4)) + ".scratch.tif"
        cogTemporaryPath = String(base.dropLast(4)) + ".tif"
        self.translationSource = translationSource
        try validate()
        for file in temporaryFiles { TemporaryRegistry.shared.register(file) }
    }

    deinit {
        if !finished { removeTemporaries() }
    }

    /// Writes `rows` of every band.
    ///
    /// - Parameters:
    ///   - rows: the next rows, starting at ``rowsWritten``.
    ///   - values: band-major [bands][rows.count][grid.width]; NaN becomes the band's nodata.
    /// - Throws: ``RasterError/rowOrder(path:expected:got:)``,
    ///   ``RasterError/bufferSize(path:expected:actual:)``, or the ``GDALError`` of the write.
    package func write(rows: Range<Int>, values: [Float]) throws {
        guard translationSource == nil, rows.lowerBound == rowsWritten,
            rows.upperBound <= grid.height, !rows.isEmpty, let handle = scratch?.handle
        else { throw RasterError.rowOrder(path: path, expected: rowsWritten, got: rows) }
        let plane = rows.count * grid.width
        guard values.count == plane * bands.count else {
            throw RasterError.bufferSize(
                path: path, expected: plane * bands.count, actual: values.count)
        }
        var filled = values
        for (slot, spec) in bands.enumerated() {
            guard let noData = spec.noData, !noData.isNaN else { continue }
            let fill = Float(noData)
            for index in slot * plane..<(slot + 1) * plane where filled[index].isNaN {
                filled[index] = fill
            }
        }
        try writeRows(handle, rows: rows, values: &filled)
        rowsWritten = rows.upperBound
    }

    /// Turns the scratch file into the final COG (plus `.aux.xml` and `.qml` when relevant).
    ///
    /// - Returns: the files written.
    /// - Throws: ``RasterError/incomplete(path:rowsWritten:height:)`` when rows are missing,
    ///   or the ``GDALError`` of the COG conversion; temporaries are removed either way.
    @discardableResult
    package func finish() throws -> COGOutput {
        defer { if !finished { removeTemporaries() } }
        guard rowsWritten == grid.height else {
            throw RasterError.incomplete(path: path, rowsWritten: rowsWritten, height: grid.height)
        }
        if let scratch = scratch.take() { try scratch.close() }
        try translateToCOG()
        try attachClassTables()
        let output = try moveIntoPlace()
        finished = true
        removeTemporaries()
        return output
    }
}

/// The files a ``COGWriter`` produced.
package struct COGOutput: Sendable, Equatable {
    /// The COG.
    package var path: String
    /// The PAM sidecar with class names and the attribute table, when written.
    package var auxPath: String?
    /// The QGIS style, when written.
    package var stylePath: String?

    package init(path: String, auxPath: String?, stylePath: String?) {
        self.path = path
        self.auxPath = auxPath
        self.stylePath = stylePath
    }
}
