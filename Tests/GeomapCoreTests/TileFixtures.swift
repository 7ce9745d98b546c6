import Foundation
import GeoProjection
import GeoRaster
import GeomapCore
import Models
import Tensor
import TestSupport

/// A small deterministic tile model for pipeline tests: two classes from the tile's mean NIR
/// (band 5) and an embedding that echoes what the model saw — [mean NIR / 10⁴, latitude,
/// longitude, ISO-week-ish day of year] — so tests can check tiling and metadata tokens.
struct EchoTileModel: TileModel {
    var name = "echo-test"
    var path = "echo-test.safetensors"
    var input = TileInputSpec(
        bandNames: ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"],
        dataType: "UInt16", tileSize: 40, pixelSize: 30)
    var classes = [TileClass(name: "dark", color: "#202020"), TileClass(name: "bright")]
    var task = ClassificationTask.multiClass
    var embeddingWidth = 4

    /// P(bright) for a mean NIR value.
    static func bright(_ nir: Float) -> Float { 1 / (1 + exp(-(nir - 12000) / 2000)) }

    func run(raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?)
        throws -> TileOutputs
    {
        let batch = raw.shape[0]
        let plane = 40 * 40
        var means = [Float](repeating: 0, count: batch)
        raw.withUnsafeBufferPointer { p in
            for i in 0..<batch {
                let base = (i * 7 + 4) * plane
                var sum: Float = 0
                for j in 0..<plane { sum += p[base + j] }
                means[i] = sum / Float(plane)
            }
        }
        var probs: [Float] = []
        var embeddings: [Float] = []
        let day =
            places.map {
                Float(
                    Calendar(identifier: .gregorian).ordinality(of: .day, in: .year, for: $0.date)!)
            } ?? 0
        for i in 0..<batch {
            let b = EchoTileModel.bright(means[i])
            probs += [1 - b, b]
            embeddings += [
                means[i] / 10000, Float(places?.latitudes[i] ?? 0),
                Float(places?.longitudes[i] ?? 0), day,
            ]
        }
        return TileOutputs(
            probabilities: probabilities ? Tensor(shape: [batch, 2], scalars: probs) : nil,
            embeddings: pooling != nil ? Tensor(shape: [batch, 4], scalars: embeddings) : nil)
    }
}

enum TileFixtures {
    static var region: String { TestPaths.samples.appendingPathComponent("region.tif").path }

    /// Writes a 7-band UInt16 raster whose pixel (row, column) holds `value(band, row, column)`
    /// (0 = nodata), on a UTM 34N grid with `pixel`-metre pixels.
    static func writeRaster(
        _ path: String, width: Int, height: Int, pixel: Double = 30,
        value: (Int, Int, Int) -> Float
    ) throws {
        let grid = RasterGrid(
            width: width, height: height,
            geoTransform: GeoTransform(
                originX: 455_000, originY: 4_968_000, pixelWidth: pixel, pixelHeight: pixel),
            crs: try CRS("EPSG:32634"))
        let names = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"]
        let writer = try COGWriter(
            path: path, grid: grid,
            bands: names.map { BandSpec(description: $0, noData: 0) }, dataType: .uint16,
            options: COGOptions(
                producer: "geomap tests",
                metadata: [
                    "ACQUISITIONDATE": "2017-06-13T10:10:31Z"
                ]))
        var values = [Float](repeating: 0, count: 7 * width * height)
        for band in 0..<7 {
            for row in 0..<height {
                for column in 0..<width {
                    values[(band * height + row) * width + column] = value(band, row, column)
                }
            }
        }
        try writer.write(rows: 0..<height, values: values)
        try writer.finish()
    }

    /// A VRT over `source` with `bands` (1-based), optionally without CRS/geotransform/metadata.
    static func writeVRT(
        _ path: String, source: String, bands: [Int], keepCRS: Bool, keepMetadata: Bool,
        crs: String = "EPSG:32634", geoTransform: String = "455015, 30, 0, 4968015, 0, -30",
        dataType: String = "UInt16"
    ) throws {
        let srs =
            keepCRS
            ? "<SRS dataAxisToSRSAxisMapping=\"1,2\">\(crs)</SRS>\n"
                + "<GeoTransform>\(geoTransform)</GeoTransform>\n" : ""
        let metadata =
            keepMetadata
            ? "<Metadata><MDI key=\"ACQUISITIONDATE\">2017-06-13T10:10:31Z</MDI></Metadata>\n"
            : ""
        let names = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"]
        let bandXML = bands.enumerated().map { slot, band in
            """
            <VRTRasterBand dataType="\(dataType)" band="\(slot + 1)">
              <Description>\(names[band - 1])</Description>
              <NoDataValue>0</NoDataValue>
              <SimpleSource>
                <SourceFilename relativeToVRT="0">\(source)</SourceFilename>
                <SourceBand>\(band)</SourceBand>
              </SimpleSource>
            </VRTRasterBand>
            """
        }.joined(separator: "\n")
        let xml =
            "<VRTDataset rasterXSize=\"400\" rasterYSize=\"300\">\n\(srs)\(metadata)"
            + bandXML + "\n</VRTDataset>\n"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Files in `directory` (hidden ones included), sorted.
    static func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }
}
