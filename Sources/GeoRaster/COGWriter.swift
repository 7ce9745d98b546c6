internal import CGDAL
import Foundation
internal import GeoGDAL

/// Writes a Cloud-Optimized GeoTIFF from row blocks streamed in order.
///
/// Rows go into a tiled scratch GeoTIFF beside the output (never the whole raster in memory);
/// ``finish()`` turns it into a COG through GDAL's COG driver under a temporary name, adds
/// class names and the attribute table (`.aux.xml`), renames it to `path`, and writes a QGIS
/// `.qml` style beside class and probability rasters. If the writer is dropped unfinished, or
/// any step fails, the temporaries are removed and nothing appears under `path`.
///
/// ```swift
/// let writer = try COGWriter(path: "out.tif", grid: grid, bands: [spec], dataType: .byte,
///                            options: COGOptions(producer: "geomap 0.1.0"))
/// for rows in stride(...) { try writer.write(rows: rows, values: block) }
/// let output = try writer.finish()
/// ```
///
/// Not Sendable: feed it from one task.
public final class COGWriter {
    /// The final output path.
    public let path: String
    public let grid: RasterGrid
    public let bands: [BandSpec]
    public let dataType: RasterDataType
    public let options: COGOptions
    var scratch: GDALDataset?
    let scratchPath: String
    let cogTemporaryPath: String
    /// Rows written so far (rows arrive in order, so this is also the next row expected).
    public private(set) var rowsWritten = 0
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
    public init(
        path: String, grid: RasterGrid, bands: [BandSpec], dataType: RasterDataType,
        options: COGOptions
    ) throws {
        self.path = path
        self.grid = grid
        self.bands = bands
        self.dataType = dataType
        self.options = options
        let url = URL(fileURLWithPath: path)
        let stem = ".\(url.lastPathComponent).geomap-\(UUID().uuidString.prefix(8))"
        let directory = url.deletingLastPathComponent().path
        scratchPath = "\(directory)/\(stem).scratch.tif"
        cogTemporaryPath = "\(directory)/\(stem).tif"
        try validate()
        scratch = try createScratch()
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
    public func write(rows: Range<Int>, values: [Float]) throws {
        guard rows.lowerBound == rowsWritten, rows.upperBound <= grid.height, !rows.isEmpty,
            let handle = scratch?.handle
        else { throw RasterError.rowOrder(path: path, expected: rowsWritten, got: rows) }
        let plane = rows.count * grid.width
        guard values.count == plane * bands.count else {
            throw RasterError.bufferSize(
                path: path, expected: plane * bands.count, actual: values.count)
        }
        for (slot, spec) in bands.enumerated() {
            var slice = Array(values[slot * plane..<(slot + 1) * plane])
            if let noData = spec.noData {
                let fill = Float(noData)
                for index in slice.indices where slice[index].isNaN { slice[index] = fill }
            }
            try writeBand(handle, band: slot + 1, rows: rows, values: &slice)
        }
        rowsWritten = rows.upperBound
    }

    /// Turns the scratch file into the final COG (plus `.aux.xml` and `.qml` when relevant).
    ///
    /// - Returns: the files written.
    /// - Throws: ``RasterError/incomplete(path:rowsWritten:height:)`` when rows are missing,
    ///   or the ``GDALError`` of the COG conversion; temporaries are removed either way.
    @discardableResult
    public func finish() throws -> COGOutput {
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
public struct COGOutput: Sendable, Equatable {
    /// The COG.
    public var path: String
    /// The PAM sidecar with class names and the attribute table, when written.
    public var auxPath: String?
    /// The QGIS style, when written.
    public var stylePath: String?
}
