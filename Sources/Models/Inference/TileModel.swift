package import Foundation
package import Tensor

/// What a tile model expects as input, from its model file's input spec.
package struct TileInputSpec: Sendable, Equatable {
    /// Band names in model channel order (e.g. `SR_B1` … `SR_B7`).
    package var bandNames: [String]
    /// The expected raw pixel type as GDAL names it (`UInt16`), or `nil` for any.
    package var dataType: String?
    /// Tile side in pixels (40 for MoE-MAE).
    package var tileSize: Int
    /// Pixel size in metres the model was trained at (30 for Landsat).
    package var pixelSize: Double
    /// The raw value that, in every band at once, marks a pixel as fill (0 for Landsat C2
    /// surface reflectance), or `nil` when the product has none.
    package var fillValue: Double?

    package init(bandNames: [String], dataType: String?, tileSize: Int, pixelSize: Double) {
        self.bandNames = bandNames
        self.dataType = dataType
        self.tileSize = tileSize
        self.pixelSize = pixelSize
    }
}

/// One class of a classification head, with its display colour.
package struct TileClass: Sendable, Equatable {
    package var name: String
    /// `#rrggbb`, or `nil` for a generated colour.
    package var color: String?

    package init(name: String, color: String? = nil) {
        self.name = name
        self.color = color
    }
}

/// Where a batch of tiles lies and when it was acquired: the inputs of metadata tokens.
package struct TilePlaces: Sendable, Equatable {
    /// Tile-centre latitudes, degrees (WGS 84), one per tile.
    package var latitudes: [Double]
    /// Tile-centre longitudes, degrees (WGS 84).
    package var longitudes: [Double]
    /// The acquisition instant (UTC).
    package var date: Date

    package init(latitudes: [Double], longitudes: [Double], date: Date) {
        self.latitudes = latitudes
        self.longitudes = longitudes
        self.date = date
    }
}

/// Per-tile outputs of a batch.
package struct TileOutputs: Sendable {
    /// `[B, classes]` probabilities, when the model has a head and they were asked for.
    package var probabilities: Tensor?
    /// `[B, width]` pooled embeddings, when asked for.
    package var embeddings: Tensor?

    package init(probabilities: Tensor?, embeddings: Tensor?) {
        self.probabilities = probabilities
        self.embeddings = embeddings
    }
}

/// A model that maps fixed-size multi-band tiles to one output vector per tile. One instance
/// is shared read-only by the whole run (it must be `Sendable`); it may spread a batch over
/// the cores itself.
package protocol TileModel: Sendable {
    /// A short name for logs and output metadata.
    var name: String { get }
    /// The model file it came from.
    var path: String { get }
    var input: TileInputSpec { get }
    /// The head's classes in output order; empty for an encoder without a head.
    var classes: [TileClass] { get }
    /// The head's kind (meaningful when ``classes`` is not empty).
    var task: ClassificationTask { get }
    /// Width of a pooled embedding.
    var embeddingWidth: Int { get }

    /// Runs a batch.
    /// - Parameters:
    ///   - raw: `[B, bands, tile, tile]` raw pixel values in model band order (not normalised:
    ///     the model applies its own normalisation).
    ///   - places: tile centres and date for metadata tokens, `nil` for no metadata.
    ///   - probabilities: compute class probabilities (requires a head).
    ///   - pooling: compute embeddings pooled this way, `nil` for none.
    func run(raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?)
        throws -> TileOutputs

    /// ``run(raw:places:probabilities:pooling:)`` computing each of `groups` (contiguous
    /// ranges of the batch's tiles, in order, covering it) on its own, so that a tile's output
    /// depends only on the tiles of its group, never on the rest of the batch (float products
    /// blocked over several tiles round differently with other tiles beside them). Tile
    /// prediction groups tiles by their place in the raster, so a window of a raster gives the
    /// values of the whole-raster run (`--window`, the chunks of `geomap run`). The default
    /// ignores the groups: right for a model whose per-tile output never depends on the batch.
    func run(
        raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?,
        groups: [Range<Int>]
    ) throws -> TileOutputs
}

extension TileModel {
    package func run(
        raw: Tensor, places: TilePlaces?, probabilities: Bool, pooling: Pooling?,
        groups: [Range<Int>]
    ) throws -> TileOutputs {
        try run(raw: raw, places: places, probabilities: probabilities, pooling: pooling)
    }
}

/// Which raw value marks fill pixels (the value in every band at once) in a tile run.
package enum TileFill: Sendable, Equatable {
    /// The model's (``TileInputSpec/fillValue``: 0 for Landsat C2 surface reflectance).
    case model
    /// No fill rule: only nodata, masks and NaN make pixels invalid.
    case none
    /// This raw value.
    case value(Double)

    /// Parses `--fill-value`: `none`, `model` or a number.
    package init?(argument: String) {
        switch argument.lowercased() {
        case "none": self = .none
        case "model": self = .model
        default:
            guard let number = Double(argument), number.isFinite else { return nil }
            self = .value(number)
        }
    }

    /// The value in force given the model's.
    package func value(model: Double?) -> Double? {
        switch self {
        case .model: model
        case .none: nil
        case .value(let value): value
        }
    }
}
