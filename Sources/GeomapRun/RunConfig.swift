package import Foundation

/// A run configuration (`geomap run CONFIG.yaml`), as read from its file: the jobs a nightly run
/// does and how failures are tolerated. Built by ``RunConfigLoader``.
///
/// ```yaml
/// version: 1
/// retries: 2                  # transient failures (I/O, disk full) per item
/// max-failed-fraction: 0.5    # stop the run once more items than this have failed
/// jobs:
///   - name: landcover
///     kind: predict-tiles
///     inputs: [scenes/*.tif]  # paths, globs, folders, VRTs
///     out: out/landcover
///     stride: 20              # every other key is a CLI option of the job's command
///     chunk-pixels: 256       # tile jobs: work items of at most 256 × 256 output pixels
///   - name: streamflow
///     kind: predict-basins
///     basins: basins.shp
///     forcings: forcings.nc
///     static-raster: [static/*.tif]
///     end: yesterday
///     out: out/streamflow
///     group-size: 256         # basin jobs: work items of at most 256 basins
/// ```
package struct RunConfig: Sendable, Equatable {
    /// The only configuration version this geomap reads.
    package static let supportedVersion = 1

    /// The file the configuration was read from (absolute).
    package var file: URL
    /// Transient failures retried per item before it counts as failed.
    package var retries: Int
    /// The run stops taking items once more than this share of the items tried has failed.
    package var maxFailedFraction: Double
    package var jobs: [RunJob]
    /// `shards: n`: the number of shards when a scheduler gives only the shard's index
    /// (Kubernetes, AWS Batch; ``ShardSelection``); `nil` when not written.
    package var shards: Int? = nil

    /// The folder relative paths in the configuration resolve against.
    package var folder: URL { file.deletingLastPathComponent() }
}

/// One job of a run: a command of geomap run over a list of work items.
package struct RunJob: Sendable, Equatable {
    /// Unique within the run; names the job's items in the ledger and manifest
    /// (letters, digits, `-` and `_`).
    package var name: String
    package var kind: RunJobKind
    /// Tile jobs: the input rasters as written (paths, globs, folders, VRTs), relative to the
    /// configuration's folder. Empty for the other kinds.
    package var inputs: [String]
    /// Every other key of the job: options of the job's command, spelled as on the command line
    /// without the leading `--`, in the order written.
    package var options: [RunOption]
    /// Line of the job in the configuration file (1-based), for messages.
    package var line: Int
    /// Tile jobs: `chunk-pixels`, the largest work item in output pixels per side; a scene
    /// whose output grid is larger is split into chunks of at most this × this output pixels
    /// (``RunPlan``). `nil` for the default, ``RunJob/defaultChunkPixels``.
    package var chunkPixels: Int? = nil
    /// Basin jobs (`predict-basins`, `embed-basins`): `group-size`, basins per work item
    /// (``GeomapCore/BasinGroup``); `nil` for the default, ``GeomapCore/BasinGroup/defaultSize``.
    package var groupSize: Int? = nil

    /// `chunk-pixels` when not given: 256 × 256 output pixels (about 65,000 tiles, a few
    /// minutes of a 2-core machine at stride 40; docs/nightly.md).
    package static let defaultChunkPixels = 256

    /// The command-line arguments the options stand for: `key: value` is `--key value`, a list
    /// repeats the option once per element, `true` is the flag `--key`, `false` leaves it out.
    package var arguments: [String] {
        options.flatMap { option -> [String] in
            switch option.value {
            case .flag(let on): return on ? ["--\(option.key)"] : []
            case .values(let values): return values.flatMap { ["--\(option.key)", $0] }
            }
        }
    }
}

/// A command-line option of a job, as written in the configuration.
package struct RunOption: Sendable, Equatable {
    package var key: String
    package var value: Value
    /// Line of the key in the configuration file (1-based).
    package var line: Int

    package enum Value: Sendable, Equatable {
        /// `true` / `false`: a flag given or left out.
        case flag(Bool)
        /// One value, or one per list element (dates already resolved).
        case values([String])
    }
}

/// What a job runs; each kind is one existing command and mode.
package enum RunJobKind: String, Sendable, CaseIterable, Equatable {
    /// `geomap predict --in` per input raster.
    case predictTiles = "predict-tiles"
    /// `geomap embed --in` per input raster.
    case embedTiles = "embed-tiles"
    /// `geomap predict --basins`.
    case predictBasins = "predict-basins"
    /// `geomap embed --basins`.
    case embedBasins = "embed-basins"
    /// `geomap zonal`.
    case zonal

    /// Whether the job's work items come from `inputs` (rasters) rather than from basins.
    package var takesInputs: Bool { self == .predictTiles || self == .embedTiles }
}
