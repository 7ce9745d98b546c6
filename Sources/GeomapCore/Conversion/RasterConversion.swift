import Foundation
import GeoRaster
import OutputFiles

/// Copies a raster into a COG through GDAL's COG driver (streamed block by block).
enum RasterConversion {
    /// The output set of a conversion to `path`: the COG, its `.aux.xml` (removed when the
    /// new COG has none) and `.qml`; `input` must not be one of them.
    static func outputSet(_ path: String, input: String) throws -> OutputSet {
        let url = URL(fileURLWithPath: path)
        let names = OutputSet.rasterNames(url.lastPathComponent)
        return try OutputSet(
            directory: url.deletingLastPathComponent().path, key: url.lastPathComponent,
            names: names, removeWhenAbsent: Set(names.filter { $0.hasSuffix(".aux.xml") }),
            inputs: [input])
    }

    /// The size of `source` converted to `path`, for ``OutputSet/checkSize(_:)``: GDAL's COG
    /// driver compresses as it writes (no uncompressed scratch of the full image), so only the
    /// limit applies, not the free-space check.
    static func planned(_ source: borrowing Raster, path: String) -> PlannedOutput {
        .raster(
            path: path, width: source.grid.width, height: source.grid.height,
            bands: source.bands.count,
            bytesPerSample: max(1, source.bands.first?.dataType.byteCount ?? 1), scratch: false)
    }

    /// Copies every band of `source` as `gdal_translate -of COG` does (stored values, data
    /// type, nodata, scale/offset, colour interpretation, masks, alpha, metadata) into a COG
    /// at `path`, adding the `GEOMAP_*` items; class bands also get names, an attribute table
    /// and a QGIS style. `path` is a staged path of `outputs`, which checks the COG when it is
    /// committed.
    ///
    /// - Parameters:
    ///   - sourceName: the input as the user named it (`GEOMAP_SOURCE`).
    ///   - producer: `TIFFTAG_SOFTWARE` (`geomap 0.1.0`).
    @discardableResult
    static func copy(
        _ source: borrowing Raster, to path: String, compression: COGCompression,
        sourceName: String, producer: String, outputs: OutputSet
    ) throws -> COGOutput {
        var options = COGOptions(producer: producer)
        options.compression = compression
        options.metadata["GEOMAP_SOURCE"] = URL(fileURLWithPath: sourceName).lastPathComponent
        let specs = try source.bands.map { try spec(for: $0, source: source) }
        let writer = try COGWriter(path: path, translating: source, bands: specs, options: options)
        let written = try writer.finish()
        let (width, height, bands) = (source.grid.width, source.grid.height, specs.count)
        outputs.validate(URL(fileURLWithPath: path).lastPathComponent) { staged in
            try COGWriter.verify(path: staged, width: width, height: height, bands: bands)
        }
        return written
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

extension OutputSet {
    /// `written` (staged paths) with the final paths of its files.
    func final(_ written: COGOutput) -> COGOutput {
        func move(_ path: String) -> String {
            finalPath(URL(fileURLWithPath: path).lastPathComponent)
        }
        return COGOutput(
            path: move(written.path), auxPath: written.auxPath.map(move),
            stylePath: written.stylePath.map(move))
    }
}
