import Foundation
import GeoRaster
import Models
import OutputFiles

/// The COG writers of one prediction run, fed finished output rows of the blender.
///
/// Blender channels are laid out `[classes probabilities…, embedding channels…]`.
///
/// - classes raster: UInt8 class ids `0…K−1` in the model's class order, 255 = nodata, colour
///   table, class names and attribute table, paletted `.qml`. For a multi-label head (one
///   sigmoid per class, classes may co-occur) the id is the class of highest blended
///   probability.
/// - probabilities raster: one band per class named `p_<class>`; UInt8 `round(p·254)` with band
///   scale 1/254 (so GDAL and QGIS show 0–1) and 255 = nodata, or with `--float` Float32 with
///   NaN = nodata.
/// - embeddings raster: Float32, one band per channel `emb_<i>`, NaN = nodata.
///
/// All are written into the run's ``OutputFiles/OutputSet`` (its staging folder) and replaced
/// together by ``commit()``: the complete old set or the complete new set, never a mix.
final class TileOutputWriters {
    let classCount: Int
    let embeddingWidth: Int
    let floatProbabilities: Bool
    private var classes: COGWriter?
    private var probabilities: COGWriter?
    private var embeddings: COGWriter?
    private let finalPaths: [(staged: String, final: String)]
    private var embeddingsStaged: String?
    /// Range of embedding channel 0 seen so far (for the embeddings' `.qml`).
    private var embeddingRange: (low: Float, high: Float) = (.infinity, -.infinity)
    let outputs: OutputSet
    let grid: RasterGrid

    /// - Parameters:
    ///   - paths: final output paths (`nil` = not written).
    ///   - classNames, colors: the head's classes.
    init(
        classesPath: String?, probabilitiesPath: String?, embeddingsPath: String?,
        grid: RasterGrid, classNames: [String], colors: [RGBA], floatProbabilities: Bool,
        embeddingWidth: Int, pooling: Pooling?, options: COGOptions, outputs: OutputSet
    ) throws {
        classCount = classNames.count
        self.embeddingWidth = embeddingWidth
        self.floatProbabilities = floatProbabilities
        self.outputs = outputs
        self.grid = grid
        var paths: [(String, String)] = []
        func stage(_ path: String) -> String {
            let staged = outputs.stagedPath(URL(fileURLWithPath: path).lastPathComponent)
            paths.append((staged, path))
            return staged
        }
        do {
            if let classesPath {
                let table = classNames.enumerated().map { index, name in
                    RasterClass(value: index, name: name, color: colors[index])
                }
                classes = try COGWriter(
                    path: stage(classesPath), grid: grid,
                    bands: [BandSpec(description: "class", kind: .classes(table), noData: 255)],
                    dataType: .byte, options: options)
            }
            if let probabilitiesPath {
                let specs = classNames.map { name in
                    floatProbabilities
                        ? BandSpec(
                            description: "p_\(name)", kind: .probability(maximum: 1),
                            noData: .nan)
                        : BandSpec(
                            description: "p_\(name)", kind: .probability(maximum: 1),
                            noData: 255, scale: 1.0 / 254, offset: 0)
                }
                probabilities = try COGWriter(
                    path: stage(probabilitiesPath), grid: grid, bands: specs,
                    dataType: floatProbabilities ? .float32 : .byte, options: options)
            }
            if let embeddingsPath {
                var embeddingOptions = options
                embeddingOptions.metadata["GEOMAP_POOLING"] = pooling?.rawValue ?? ""
                let specs = (0..<embeddingWidth).map {
                    BandSpec(description: "emb_\($0)", noData: .nan)
                }
                embeddingOptions.blockSize = TileOutputWriters.embeddingBlockSize(
                    channels: embeddingWidth)
                let staged = stage(embeddingsPath)
                embeddingsStaged = staged
                embeddings = try COGWriter(
                    path: staged, grid: grid, bands: specs, dataType: .float32,
                    options: embeddingOptions)
            }
        }
        finalPaths = paths
    }

    /// The rasters a run writes on `grid` (final paths), for ``OutputSet/checkSize(_:)``: each
    /// is first written in full to an uncompressed scratch file in the staging folder.
    static func planned(
        classesPath: String?, probabilitiesPath: String?, embeddingsPath: String?,
        grid: RasterGrid, classCount: Int, floatProbabilities: Bool, embeddingWidth: Int
    ) -> [PlannedOutput] {
        let rasters: [(String?, Int, Int)] = [
            (classesPath, 1, 1), (probabilitiesPath, classCount, floatProbabilities ? 4 : 1),
            (embeddingsPath, embeddingWidth, 4),
        ]
        return rasters.compactMap { path, bands, bytes in
            path.map {
                PlannedOutput.raster(
                    path: $0, width: grid.width, height: grid.height, bands: bands,
                    bytesPerSample: bytes, scratch: true)
            }
        }
    }

    /// COG tile size of the embeddings raster: 512, halved (down to GDAL's minimum, 128) while
    /// one pixel-interleaved tile of every channel exceeds 32 MiB. 144 Float32 channels in a
    /// 512×512 tile are 144 MiB, which GDAL holds (and compresses) whole, padding included,
    /// even for a 50×50 raster; a reader of one pixel decompresses all of it.
    static func embeddingBlockSize(channels: Int) -> Int {
        var size = 512
        while size > 128, channels * size * size * 4 > 32 << 20 { size /= 2 }
        return size
    }

    /// Whether the blender must carry class probabilities.
    var needsProbabilities: Bool { classes != nil || probabilities != nil }
    /// Blender channels: probabilities (when needed) then embeddings.
    var channels: Int {
        (needsProbabilities ? classCount : 0) + (embeddings != nil ? embeddingWidth : 0)
    }

    /// Writes finished rows. - Parameter values: `[channels][rows][width]`, NaN = nodata.
    func write(rows: Range<Int>, values: [Float], width: Int) throws {
        let plane = rows.count * width
        if let classes {
            var ids = [Float](repeating: .nan, count: plane)
            for cell in 0..<plane {
                var best = -Float.infinity
                var bestIndex = -1
                for c in 0..<classCount {
                    let v = values[c * plane + cell]
                    if v > best {
                        best = v
                        bestIndex = c
                    }
                }
                if bestIndex >= 0, !values[cell].isNaN { ids[cell] = Float(bestIndex) }
            }
            try classes.write(rows: rows, values: ids)
        }
        if let probabilities {
            var scaled = Array(values[0..<classCount * plane])
            if !floatProbabilities {
                for i in scaled.indices where !scaled[i].isNaN {
                    scaled[i] = min(254, max(0, (scaled[i] * 254).rounded()))
                }
            }
            try probabilities.write(rows: rows, values: scaled)
        }
        if let embeddings {
            let start = needsProbabilities ? classCount * plane : 0
            for value in values[start..<start + plane] where !value.isNaN {
                embeddingRange = (min(embeddingRange.low, value), max(embeddingRange.high, value))
            }
            try embeddings.write(
                rows: rows, values: Array(values[start..<start + embeddingWidth * plane]))
        }
    }

    /// Finishes every COG in the staging folder and writes the embeddings' `.qml`; each COG
    /// is checked (``GeoRaster/COGWriter/verify(path:width:height:bands:)``) when committed.
    func finish() throws {
        for writer in [classes, probabilities, embeddings].compactMap({ $0 }) {
            try writer.finish()
            let (width, height, bands) = (grid.width, grid.height, writer.bands.count)
            outputs.validate(URL(fileURLWithPath: writer.path).lastPathComponent) { path in
                try COGWriter.verify(path: path, width: width, height: height, bands: bands)
            }
        }
        classes = nil
        probabilities = nil
        embeddings = nil
        if let embeddingsStaged {
            let style = URL(fileURLWithPath: embeddingsStaged).deletingPathExtension()
                .appendingPathExtension("qml")
            try POSIXFileSystem().write(
                Array(TileOutputWriters.grayStyle(embeddingRange).utf8), to: style.path)
        }
    }

    /// Replaces the old outputs (COGs, `.aux.xml`, `.qml`) with the new ones as one set.
    /// - Returns: the final COG paths.
    func commit() throws -> [String] {
        try outputs.commit()
        return finalPaths.map(\.final)
    }

    /// The output set for these final COG paths (each with its `.aux.xml` and `.qml`), in
    /// their common folder, locked under the first name's stem.
    static func outputSet(paths: [String], inputs: [String]) throws -> OutputSet {
        let first = URL(fileURLWithPath: paths[0])
        let names = paths.flatMap {
            OutputSet.rasterNames(URL(fileURLWithPath: $0).lastPathComponent)
        }
        let key =
            first.lastPathComponent.split(separator: ".").first.map(String.init)
            ?? first.lastPathComponent
        return try OutputSet(
            directory: first.deletingLastPathComponent().path, key: key, names: names,
            removeWhenAbsent: Set(names.filter { $0.hasSuffix(".aux.xml") }), inputs: inputs)
    }

    /// A QGIS style showing embedding channel 0 in grey, stretched over the values written
    /// (QGIS would otherwise draw a meaningless RGB composite of channels 0–2).
    static func grayStyle(_ range: (low: Float, high: Float)) -> String {
        let (low, high) = range.low <= range.high ? range : (0, 1)
        return """
            <!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
            <qgis version="3.28.0" styleCategories="AllStyleCategories">
              <pipe>
                <rasterrenderer type="singlebandgray" grayBand="1" gradient="BlackToWhite" \
            opacity="1" alphaBand="-1">
                  <contrastEnhancement>
                    <minValue>\(low)</minValue>
                    <maxValue>\(high)</maxValue>
                    <algorithm>StretchToMinimumMaximum</algorithm>
                  </contrastEnhancement>
                </rasterrenderer>
              </pipe>
            </qgis>

            """
    }
}

/// Display colours for classes without one: a 20-colour qualitative palette, cycled.
enum ClassPalette {
    static let colors: [RGBA] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
        (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
        (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141), (158, 218, 229),
    ].map { RGBA($0.0, $0.1, $0.2) }

    /// The colour of class `index`: `hex` (`#rrggbb`) when valid, else the palette's.
    static func color(index: Int, hex: String?) -> RGBA {
        if let hex, hex.count == 7, hex.hasPrefix("#"),
            let value = UInt32(hex.dropFirst(), radix: 16)
        {
            return RGBA(UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff))
        }
        return colors[index % colors.count]
    }
}
