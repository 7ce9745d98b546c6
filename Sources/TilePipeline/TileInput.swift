import Foundation
package import GeoRaster
package import Models
import OutputFiles

/// The input raster checked against a model's input spec, at the model's pixel size.
///
/// Checks, in order: a CRS (required: tile centres must be located), a projected CRS in metres,
/// a north-up geotransform, the band count (or the `--bands` mapping), the pixel type, and the
/// band order by band descriptions: a file band described with the name of a *different* model
/// band is an error (descriptions that name no model band, such as `Band 1`, are accepted). When
/// the pixel size differs from the model's, the raster is opened through a warped VRT at the
/// model's pixel size in its own CRS (GDAL warps lazily, window by window, as tiles are read:
/// `average` resampling when the source is finer, `bilinear` when it is coarser).
package struct TileInput: ~Copyable {
    /// The raster tiles are read from (the warped VRT when warping).
    package let raster: Raster
    /// The path the user gave.
    package let sourcePath: String
    /// File band number (1-based) for each model band.
    package let bandNumbers: [Int]
    /// The warped VRT written for the run, removed by ``removeTemporaries()``.
    package let vrtPath: String?
    /// The band-stack VRT (and QA mask) written for a Landsat band-per-file product, removed
    /// by ``removeTemporaries()``.
    package let stackFiles: [String]

    /// Opens and checks `path`.
    /// - Parameters:
    ///   - bands: `--bands`, file band numbers in model band order, or `nil` for 1…n.
    ///   - temporaryDirectory: where a warped VRT may be written.
    ///   - qaMask: mask a Landsat product's pixels flagged in `QA_PIXEL` (fill, cloud, cloud
    ///     shadow); only for a band-per-file product.
    /// - Throws: ``TilePredictionError`` for a failed check, or the raster's open error.
    ///
    /// A Landsat Collection 2 band-per-file product (its folder, or one of its `*_SR_Bn.TIF`)
    /// is stacked in the model's band order as a VRT (see ``LandsatProduct``).
    package init(
        path: String, spec: TileInputSpec, bands: [Int]?, temporaryDirectory: String,
        qaMask: Bool = false
    ) throws {
        var stack: [String] = []
        if let product = try LandsatProduct.locate(path) {
            stack = try product.writeStack(
                bandNames: spec.bandNames, qaMask: qaMask, directory: temporaryDirectory)
        } else if qaMask {
            throw TilePredictionError.model(
                path: path,
                reason: "--qa-mask needs a Landsat band-per-file product (its folder or a "
                    + "*_SR_B1.TIF file) with its QA_PIXEL file")
        }
        do {
            try self.init(
                checking: stack.first ?? path, reportedAs: path, spec: spec, bands: bands,
                temporaryDirectory: temporaryDirectory, stack: stack)
        } catch {
            for file in stack { unlink(file) }
            throw error
        }
    }

    private init(
        checking openPath: String, reportedAs path: String, spec: TileInputSpec, bands: [Int]?,
        temporaryDirectory: String, stack: [String]
    ) throws {
        let source = try Raster(opening: openPath)
        try TileInput.checkGeoreferencing(source, path: path)
        let numbers = try TileInput.bandMapping(source, spec: spec, bands: bands, path: path)
        try TileInput.checkTypesAndOrder(source, spec: spec, numbers: numbers, path: path)
        let transform = source.grid.geoTransform
        let (width, height) = (abs(transform.pixelWidth), abs(transform.pixelHeight))
        let tolerance = spec.pixelSize * 1e-6
        let needsWarp =
            abs(width - spec.pixelSize) > tolerance
            || abs(height - spec.pixelSize) > tolerance
        let vrt =
            needsWarp
            ? "\(temporaryDirectory)/\(TemporaryName.make(suffix: "warp.vrt"))" : nil
        let opened = try TileInput.atModelResolution(
            source, vrt: vrt, pixelSize: spec.pixelSize,
            resampling: min(width, height) < spec.pixelSize ? .average : .bilinear)
        raster = opened
        vrtPath = vrt
        stackFiles = stack
        sourcePath = path
        bandNumbers = numbers
    }

    private static func atModelResolution(
        _ source: consuming Raster, vrt: String?, pixelSize: Double, resampling: Resampling
    ) throws -> Raster {
        guard let vrt else { return source }
        do {
            return try source.warpedVRT(
                at: vrt, crs: nil, resolution: pixelSize, resampling: resampling)
        } catch {
            unlink(vrt)
            throw error
        }
    }

    /// Removes the warped VRT and the band stack, if written.
    package func removeTemporaries() {
        if let vrtPath { unlink(vrtPath) }
        for file in stackFiles { unlink(file) }
    }

    static func checkGeoreferencing(_ raster: borrowing Raster, path: String) throws {
        guard let crs = raster.grid.crs else { throw TilePredictionError.missingCRS(path: path) }
        guard !crs.isGeographic else {
            throw TilePredictionError.geographicCRS(path: path, crs: crs.identifier)
        }
        guard raster.grid.geoTransform.isNorthUp else {
            throw TilePredictionError.rotatedRaster(path: path)
        }
        // Pixel sizes are compared in metres.
        guard abs(crs.unitToSI - 1) < 1e-9 else {
            throw TilePredictionError.model(
                path: path,
                reason: "the CRS \(crs.identifier) is in \(crs.unitName), not metres; "
                    + "reproject to a metric CRS (gdalwarp -t_srs EPSG:326xx)")
        }
    }

    static func bandMapping(
        _ raster: borrowing Raster, spec: TileInputSpec, bands: [Int]?, path: String
    ) throws -> [Int] {
        let count = raster.bands.count
        let expected = spec.bandNames.count
        guard let bands else {
            guard count == expected else {
                throw TilePredictionError.bandCount(
                    path: path, found: count, expected: expected, names: spec.bandNames)
            }
            return Array(1...count)
        }
        guard bands.count == expected else {
            throw TilePredictionError.bandMapping(
                path: path,
                reason: "\(bands.count) band number(s) given, the model needs \(expected) "
                    + "(\(spec.bandNames.joined(separator: ", ")))")
        }
        for band in bands where !(1...count).contains(band) {
            throw TilePredictionError.bandMapping(
                path: path, reason: "band \(band) does not exist (the file has \(count))")
        }
        guard Set(bands).count == bands.count else {
            throw TilePredictionError.bandMapping(path: path, reason: "a band is listed twice")
        }
        return bands
    }

    static func checkTypesAndOrder(
        _ raster: borrowing Raster, spec: TileInputSpec, numbers: [Int], path: String
    ) throws {
        let modelNames = spec.bandNames.map { $0.lowercased() }
        for (slot, number) in numbers.enumerated() {
            let info = raster.bands[number - 1]
            if let expected = spec.dataType,
                info.dataType.rawValue.lowercased() != expected.lowercased()
            {
                throw TilePredictionError.dataType(
                    path: path, band: number, found: info.dataType.rawValue, expected: expected)
            }
            let described = info.description.trimmingCharacters(in: .whitespaces)
            if modelNames.contains(described.lowercased()),
                described.lowercased() != modelNames[slot]
            {
                throw TilePredictionError.bandOrder(
                    path: path, band: number, found: described, expected: spec.bandNames[slot])
            }
        }
    }
}
