import Foundation
import GeoRaster

/// Streams a raster into a COG, row block by row block (memory bounded by one block).
enum RasterConversion {
    /// Values held per block, over all bands (32 MiB of Float32).
    static let blockValues = 8 << 20

    /// Copies every band of `source` unchanged (stored values, nodata, scale/offset,
    /// descriptions, colour table and class names) into a COG at `path`.
    static func copy(_ source: borrowing Raster, to path: String, compression: COGCompression)
        throws
    {
        var options = COGOptions(producer: "geomap \(VersionReport.geomapVersion)")
        options.compression = compression
        options.metadata["GEOMAP_SOURCE"] = URL(fileURLWithPath: source.path).lastPathComponent
        let specs = try source.bands.map { try spec(for: $0, source: source) }
        let writer = try COGWriter(
            path: path, grid: source.grid, bands: specs, dataType: source.bands[0].dataType,
            options: options)
        let grid = source.grid
        let blockHeight = max(1, source.bands[0].blockHeight)
        let fit = max(1, blockValues / max(1, grid.width * specs.count))
        let rowsPerBlock = fit >= blockHeight ? fit / blockHeight * blockHeight : fit
        for start in stride(from: 0, to: grid.height, by: rowsPerBlock) {
            let rows = start..<min(grid.height, start + rowsPerBlock)
            let window = PixelWindow(x: 0, y: start, width: grid.width, height: rows.count)
            let block = try source.read(window: window, applyScale: false)
            try writer.write(rows: rows, values: block.values)
        }
        try writer.finish()
    }

    /// The output band for a source band: palette bands become class bands.
    static func spec(for band: BandInfo, source: borrowing Raster) throws -> BandSpec {
        var spec = BandSpec(
            description: band.description, noData: band.noData,
            scale: band.isScaled ? band.scale : nil, offset: band.isScaled ? band.offset : nil)
        guard band.colorInterpretation == "Palette",
            band.dataType == .byte || band.dataType == .uint16
        else { return spec }
        let colors = try source.colorTable(band: band.index)
        let classes = colors.enumerated().compactMap { value, color -> RasterClass? in
            let name = value < band.categoryNames.count ? band.categoryNames[value] : ""
            guard !name.isEmpty || (band.categoryNames.isEmpty && color.alpha > 0) else {
                return nil
            }
            return RasterClass(
                value: value, name: name.isEmpty ? "class \(value)" : name,
                color: color)
        }
        if !classes.isEmpty { spec.kind = .classes(classes) }
        return spec
    }
}
