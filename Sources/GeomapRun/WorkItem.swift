import Foundation
package import GeoRaster

/// One unit of a run: one geomap command over one part of a job's inputs, run as a child
/// process so a crash, a leak or a bad input stays inside it.
package struct WorkItem: Sendable, Equatable {
    /// `job/part`: unique in the run, stable from night to night (the ledger's key).
    package var key: String
    /// The job the item belongs to.
    package var job: String
    /// geomap's arguments for the item (`predict --in scene.tif --out out/landcover …`), with
    /// relative paths meant against the configuration's folder.
    package var arguments: [String]
    /// Absolute paths of the files the item reads (rasters, forcings, polygons and their
    /// sidecars, mapping, the model): what its fingerprint covers.
    package var inputs: [String]
    /// The model file the item runs (absolute; `nil` for jobs without a model) and its SHA-256
    /// (empty without a model).
    package var model: String?
    package var modelSHA256: String
    /// Where the item's outputs appear: a folder (absolute). Files that are new or replaced
    /// there during the item, hidden ones aside, are its outputs.
    package var outputFolder: String
    /// The output file names start with this: tile items `<stem>.` (a chunk's
    /// `<stem>.x<C>y<R>.`), basin groups `<stem>.group-IIII.`; `nil` for zonal items.
    package var outputPrefix: String?
    /// For a chunk of a scene: the output pixels of the scene's output grid it covers (its
    /// `--window`; its cost is about proportional to `width × height`); `nil` for a whole scene
    /// and the other items.
    package var outputWindow: PixelWindow? = nil
    /// For a group of a basin job: the stem of the job's joined outputs (`<stem>.nc`,
    /// predict's `<stem>.gpkg`) in ``outputFolder``; `nil` for the other items.
    package var joinStem: String? = nil
    /// Estimated work, for dealing items into shards (``ShardPlan``), in basin-days
    /// (``WorkCost``): a tile item's output pixels × 47, a basin item's basins × days.
    package var cost: Int64 = WorkCost.unmeasured
}
