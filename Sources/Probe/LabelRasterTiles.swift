import Foundation
import GeoProjection
import GeoRaster
package import Models
import Tensor
import TilePipeline

/// One tile of a label raster: its window origin and its classes (indices into the names).
package struct LabelledTile: Sendable, Equatable {
    /// Top-left pixel of the tile's window in the input (and label) raster.
    package let x: Int
    package let y: Int
    /// Class indices into ``LabelRasterTiles/classNames`` (one for multi-class).
    package let classes: [Int]
}

/// Tiles of an input raster labelled by a class raster on the same grid, for
/// `geomap probe fit --labels-raster`.
///
/// The label raster must have the input's size, a geotransform within half a pixel of the
/// input's and the same CRS (no resampling). Tiles are the `tile × tile` windows of a
/// ``TilePlan`` at `stride`; a tile is skipped when more than half of its pixels are invalid in
/// the input (any band nodata) or in the label raster (nodata or 0). A tile's label is the
/// majority class of its valid label pixels (ties: the smaller id) for multi-class, or every
/// class covering at least `minShare` of its valid label pixels for multi-label.
package struct LabelRasterTiles: Sendable {
    /// Class names, index k naming label id ``classIDs``[k].
    package let classNames: [String]
    /// The label ids of the classes, ascending.
    package let classIDs: [Int]
    /// The labelled tiles, row of tiles by row of tiles, left to right.
    package let tiles: [LabelledTile]
    /// Tiles skipped as mostly invalid.
    package let skipped: Int
    package let task: ClassificationTask

    /// - Parameters:
    ///   - inputPath: the image raster (its grid and validity).
    ///   - labelsPath: the class raster (one integer band).
    ///   - classFile: names of ids 1, 2, … (line n names id n), replacing the raster's names.
    package init(
        inputPath: String, labelsPath: String, tile: Int, stride: Int, task: ClassificationTask,
        minShare: Double, classFile: [String]? = nil
    ) throws {
        let input = try Raster(opening: inputPath)
        let labels = try Raster(opening: labelsPath)
        try Self.checkAligned(input: input, labels: labels)
        let band = labels.bands[0]
        let fill = band.noData.map { Int($0) }
        let plan = try TilePlan(
            width: input.grid.width, height: input.grid.height, tile: tile, stride: stride,
            path: inputPath)
        let half = tile * tile / 2
        var tiles: [LabelledTile] = []
        var skipped = 0
        var counts: [[Int: Int]] = []
        var origins: [(Int, Int)] = []
        var seen = Set<Int>()
        for y in plan.rows.offsets {
            for x in plan.columns.offsets {
                let window = PixelWindow(x: x, y: y, width: tile, height: tile)
                let image = try input.read(window: window, applyScale: false)
                let plane = tile * tile
                var invalid = 0
                for p in 0..<plane {
                    var ok = true
                    for b in 0..<image.bands.count where !image.valid[b * plane + p] { ok = false }
                    if !ok { invalid += 1 }
                }
                let block = try labels.read(window: window, bands: [1], applyScale: false)
                var count: [Int: Int] = [:]
                var labelled = 0
                for p in 0..<plane where block.valid[p] {
                    let id = Int(block.values[p])
                    if id == 0 || id == fill { continue }
                    count[id, default: 0] += 1
                    labelled += 1
                }
                if invalid > half || plane - labelled > half {
                    skipped += 1
                    continue
                }
                seen.formUnion(count.keys)
                counts.append(count)
                origins.append((x, y))
            }
        }
        let names = try Self.names(
            ids: seen.sorted(), band: band, fill: fill, classFile: classFile,
            labelsPath: labelsPath)
        let ids = names.map(\.id)
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        for (count, (x, y)) in zip(counts, origins) {
            let total = Double(count.values.reduce(0, +))
            let classes: [Int]
            switch task {
            case .multiClass:
                let best = count.max { a, b in
                    a.value < b.value || (a.value == b.value && a.key > b.key)
                }
                classes = [index[best!.key]!]
            case .multiLabel:
                classes = count.filter { Double($0.value) >= minShare * total }
                    .keys.sorted().map { index[$0]! }
            }
            tiles.append(LabelledTile(x: x, y: y, classes: classes))
        }
        guard !tiles.isEmpty else {
            throw ProbeError.data(
                "\(labelsPath): no tile of \(tile)×\(tile) px at stride "
                    + "\(stride) has mostly valid pixels in both rasters")
        }
        self.classNames = names.map(\.name)
        self.classIDs = ids
        self.tiles = tiles
        self.skipped = skipped
        self.task = task
    }

    /// The targets of the tiles over ``classNames``.
    package func targets() throws -> ProbeTargets {
        switch task {
        case .multiClass:
            try ProbeTargets(classes: tiles.map { $0.classes[0] }, classCount: classNames.count)
        case .multiLabel:
            try ProbeTargets(labelSets: tiles.map(\.classes), classCount: classNames.count)
        }
    }

    /// Same size, geotransform within half a pixel, same CRS; else one line naming both files.
    static func checkAligned(input: borrowing Raster, labels: borrowing Raster) throws {
        let (a, b) = (input.grid, labels.grid)
        func fail(_ problem: String) -> ProbeError {
            .file(
                path: labels.path,
                problem: "\(problem) than \(input.path); the label raster "
                    + "must be on the input's grid (resample it with gdalwarp first)")
        }
        guard labels.bands.count == 1 else {
            throw ProbeError.file(
                path: labels.path,
                problem: "has \(labels.bands.count) bands; a label raster has one band of "
                    + "class ids")
        }
        let integers: Set<RasterDataType> = [.byte, .int8, .uint16, .int16, .uint32, .int32]
        guard integers.contains(labels.bands[0].dataType) else {
            throw ProbeError.file(
                path: labels.path,
                problem: "has \(labels.bands[0].dataType.rawValue) pixels; class ids need an "
                    + "integer band (Byte … Int32)")
        }
        guard a.width == b.width, a.height == b.height else {
            throw fail("is \(b.width)×\(b.height) px, a different size")
        }
        let (ta, tb) = (a.geoTransform, b.geoTransform)
        let halfX = abs(ta.pixelWidth) / 2
        let halfY = abs(ta.pixelHeight) / 2
        let corners = [(0.0, 0.0), (Double(a.width), Double(a.height))]
        for (column, row) in corners {
            let p = ta.world(column: column, row: row)
            let q = tb.world(column: column, row: row)
            guard abs(p.x - q.x) <= halfX, abs(p.y - q.y) <= halfY else {
                throw fail(
                    "has a geotransform more than half a pixel off (other origin or "
                        + "pixel size)")
            }
        }
        switch (a.crs, b.crs) {
        case (nil, nil): break
        case (let x?, let y?) where x.isSame(as: y): break
        case (_, let y):
            throw fail("has another CRS (\(y?.identifier ?? "none"))")
        }
    }

    /// Names of the ids present: the label band's category names (GDAL), or `classFile`.
    static func names(
        ids: [Int], band: BandInfo, fill: Int?, classFile: [String]?, labelsPath: String
    ) throws -> [(id: Int, name: String)] {
        if let classFile {
            if let id = ids.first(where: { $0 > classFile.count }) {
                throw ProbeError.file(
                    path: labelsPath,
                    problem: "holds class id \(id) but the --classes file names only ids "
                        + "1…\(classFile.count)")
            }
            return (1...classFile.count).filter { $0 != fill }.map { ($0, classFile[$0 - 1]) }
        }
        let categories = band.categoryNames
        let named = ids.filter { $0 < categories.count && !categories[$0].isEmpty }
        if let id = ids.first(where: { !named.contains($0) }) {
            throw ProbeError.file(
                path: labelsPath,
                problem: "holds class id \(id) without a category name; name the classes in "
                    + "the raster (GDAL categories) or pass --classes FILE (line n names id n)")
        }
        // Every named class (present or not) except the fill, in id order.
        return categories.indices.filter { $0 != 0 && $0 != fill && !categories[$0].isEmpty }
            .map { ($0, categories[$0]) }
    }
}

extension LabelRasterTiles {
    /// Embeddings of the tiles: the windows read as for `geomap predict` (``TileInput``
    /// checks, raw values), encoded by ``MoEMAETileModel``; metadata tokens use each tile's
    /// centre and the date the input records.
    /// - Returns: [tiles, embedding width].
    package func embed(
        model: MoEMAETileModel, inputPath: String, pooling: Pooling, useMetadata: Bool,
        batchSize: Int = 64
    ) throws -> FeatureMatrix {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).path
        let input = try TileInput(
            path: inputPath, spec: model.input, bands: nil, temporaryDirectory: folder)
        defer { input.removeTemporaries() }
        guard input.vrtPath == nil else {
            throw ProbeError.file(
                path: inputPath,
                problem: "is not at the model's pixel size (\(model.input.pixelSize) m); "
                    + "resample it and its label raster first")
        }
        var date: Date?
        var toWGS84: CoordinateTransform?
        if useMetadata {
            date = try AcquisitionDate.resolve(
                option: nil, metadata: input.raster.metadata(), path: inputPath)
            guard date != nil else {
                throw ProbeError.file(
                    path: inputPath,
                    problem: "records no acquisition date; pass --no-metadata to embed without "
                        + "metadata tokens")
            }
            toWGS84 = try CoordinateTransform(from: input.raster.grid.crs!, to: CRS.wgs84)
        }
        let tile = model.input.tileSize
        let width = model.embeddingWidth
        let tokensWidth = pooling == .tokens ? width * model.model.encoder.config.tokens : width
        var values: [Double] = []
        values.reserveCapacity(tiles.count * tokensWidth)
        var start = 0
        while start < tiles.count {
            let batch = tiles[start..<min(start + max(batchSize, 1), tiles.count)]
            var pixels: [Float] = []
            for t in batch {
                pixels += try input.raster.read(
                    window: PixelWindow(x: t.x, y: t.y, width: tile, height: tile),
                    bands: input.bandNumbers, applyScale: false
                ).values
            }
            let raw = Tensor(
                shape: [batch.count, input.bandNumbers.count, tile, tile], scalars: pixels)
            var places: TilePlaces?
            if let date, let toWGS84 {
                let centres = batch.map {
                    input.raster.grid.geoTransform.world(
                        column: Double($0.x) + Double(tile) / 2,
                        row: Double($0.y) + Double(tile) / 2)
                }
                let lonLat = toWGS84.transform(x: centres.map(\.x), y: centres.map(\.y))
                guard lonLat.failed.isEmpty else {
                    throw ProbeError.file(
                        path: inputPath, problem: "PROJ cannot locate a tile centre in WGS 84")
                }
                places = TilePlaces(latitudes: lonLat.y, longitudes: lonLat.x, date: date)
            }
            let size = model.model.encoder.config.imageSize
            let images = try MoEMAEPreprocessing.normalise(
                raw: raw, mean: model.model.mean, std: model.model.std, size: size)
            let tokens = try model.model.encoder.tokens(
                images: images, metadata: places.map(MoEMAETileModel.metadata))
            values += pooling.pool(tokens).scalars.map(Double.init)
            start += batch.count
        }
        return try FeatureMatrix(rows: tiles.count, columns: tokensWidth, values: values)
    }
}
