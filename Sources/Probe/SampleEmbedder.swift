import Foundation
import GeoProjection
import GeoRaster
package import Models
import Tensor
import TilePipeline

/// Embeddings of the images of a sample list with a MoE-MAE encoder, for `geomap probe fit`.
///
/// Each image is a tile: its centred 40×40 window is read (the centre crop of spec §1.2, with
/// floor offsets, so BigEarthNet-L tiles of 41–45 px are treated as upstream), z-scored with the
/// model's band constants, encoded, and pooled (`mean` over all 105 tokens or `cls`).
///
/// Metadata tokens (unless disabled): latitude and longitude of the full image's centre
/// (through PROJ, so the image needs a CRS), and the acquisition date and hour code from, in
/// order, a BigEarthNet patch name (`S2A_MSIL2A_20170613T101031_11_66`, the "compat" hour
/// code of upstream), else the date the file records (`ACQUISITIONDATE`, `TIFFTAG_DATETIME`, …);
/// an image with neither is an error suggesting `--no-metadata`.
package struct SampleEmbedder {
    package let model: MoEMAEModel
    package let pooling: Pooling
    package let useMetadata: Bool

    package init(model: MoEMAEModel, pooling: Pooling, useMetadata: Bool) {
        self.model = model
        self.pooling = pooling
        self.useMetadata = useMetadata
    }

    /// Width of the pooled embedding.
    package var width: Int {
        let config = model.encoder.config
        return pooling == .tokens ? config.tokens * config.embedDim : config.embedDim
    }

    /// - Parameters:
    ///   - batchSize: tiles encoded together (memory ≈ 60 KB per tile for S).
    ///   - progress: called with the number of samples embedded so far.
    /// - Returns: [samples, ``width``].
    package func embed(
        _ samples: [ProbeSample], batchSize: Int = 64, progress: ((Int) -> Void)? = nil
    ) throws -> FeatureMatrix {
        var values: [Double] = []
        values.reserveCapacity(samples.count * width)
        var start = 0
        while start < samples.count {
            let batch = samples[start..<min(start + max(batchSize, 1), samples.count)]
            var pixels: [Float] = []
            var metadata: [Float] = []
            for sample in batch {
                let (tile, meta) = try prepare(sample)
                pixels.append(contentsOf: tile)
                metadata.append(contentsOf: meta ?? [])
            }
            let config = model.encoder.config
            let size = config.imageSize
            let raw = Tensor(shape: [batch.count, config.channels, size, size], scalars: pixels)
            let images = try MoEMAEPreprocessing.normalise(
                raw: raw, mean: model.mean, std: model.std, size: size)
            let tokens = try model.encoder.tokens(
                images: images,
                metadata: useMetadata ? Tensor(shape: [batch.count, 8], scalars: metadata) : nil)
            values.append(contentsOf: pooling.pool(tokens).scalars.map(Double.init))
            start += batch.count
            progress?(start)
        }
        return try FeatureMatrix(rows: samples.count, columns: width, values: values)
    }

    /// The raw centre window [channels, 40, 40] of a sample and its metadata 8-vector.
    func prepare(_ sample: ProbeSample) throws -> (tile: [Float], metadata: [Float]?) {
        let path = sample.image.path
        func fail(_ problem: String) -> ProbeError {
            .file(path: path, problem: "\(problem) (sample list line \(sample.line))")
        }
        let config = model.encoder.config
        let raster = try Raster(opening: path)
        guard raster.bands.count == config.channels else {
            throw fail(
                "has \(raster.bands.count) bands; the model needs \(config.channels) "
                    + "(\(model.bandNames.joined(separator: ", ")))")
        }
        let size = config.imageSize
        let (width, height) = (raster.grid.width, raster.grid.height)
        guard width >= size, height >= size else {
            throw fail(
                "is \(width)×\(height) px; the model needs tiles of at least \(size)×\(size)")
        }
        let (top, left) = MoEMAEPreprocessing.centreCropOrigin(
            height: height, width: width, size: size)
        let block = try raster.read(
            window: PixelWindow(x: left, y: top, width: size, height: size), applyScale: false)
        guard useMetadata else { return (block.values, nil) }

        guard let crs = raster.grid.crs, raster.hasGeoTransform else {
            throw fail(
                "has no CRS or geotransform, needed for the latitude/longitude tokens "
                    + "(or pass --no-metadata)")
        }
        let centre = raster.grid.world(column: Double(width) / 2, row: Double(height) / 2)
        let lonLat = try CoordinateTransform(from: crs, to: CRS.wgs84)
            .transform(x: centre.x, y: centre.y)
        let name = sample.image.deletingPathExtension().lastPathComponent
        if let day = Self.bigEarthNetDay(name),
            let hour = MoEMAEPreprocessing.hourCode(bigEarthNetName: name)
        {
            return (
                block.values,
                MoEMAEPreprocessing.metadata(
                    isoWeek: MoEMAEPreprocessing.isoWeek(of: day), hourCode: hour,
                    latitude: lonLat.y, longitude: lonLat.x)
            )
        }
        guard let recorded = raster.recordedDate else {
            throw fail(
                "records no acquisition date and is not named like a BigEarthNet patch; "
                    + "pass --no-metadata to embed without metadata tokens")
        }
        guard let date = try? AcquisitionDate.parse(recorded, source: sample.image.path) else {
            throw fail("has an unreadable acquisition date '\(recorded)'")
        }
        return (
            block.values,
            MoEMAEPreprocessing.metadata(
                date: date, latitude: lonLat.y, longitude: lonLat.x)
        )
    }

    /// The UTC day of a BigEarthNet patch name's third field (`…_20170613T101031_…`).
    static func bigEarthNetDay(_ name: String) -> Date? {
        let fields = name.split(separator: "_")
        guard fields.count >= 3 else { return nil }
        return utcFormatter("yyyyMMdd").date(from: String(fields[2].prefix(8)))
    }

    static func utcFormatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }
}
