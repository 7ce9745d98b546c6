import Foundation

/// The self-describing part of a geomap model file: stored as JSON under the key `geomap` of the
/// safetensors `__metadata__` (see `docs/model-format.md`).
package struct ModelManifest: Codable, Sendable, Equatable {
    /// The format version this build writes and reads.
    package static let currentFormatVersion = 1
    /// The `__metadata__` key holding the manifest JSON.
    package static let metadataKey = "geomap"

    /// Always `"geomap-model"`.
    package var format: String = "geomap-model"
    /// The manifest's format version (``currentFormatVersion``).
    package var formatVersion: Int = ModelManifest.currentFormatVersion
    /// The architecture id, e.g. `moe-mae-s` or `stefaland` (see ``ArchitectureRegistry``).
    package var architecture: String
    /// A short name for listings.
    package var name: String
    /// One or two sentences for humans.
    package var description: String
    /// The architecture's hyper-parameters (its own `Codable` configuration as JSON).
    package var hyperParameters: JSONValue
    /// What the model eats.
    package var input: InputSpec
    /// What the model produces.
    package var output: OutputSpec
    /// Where the weights come from.
    package var provenance: Provenance
    /// Evaluation figures (e.g. holdout mAP of a fitted head), free-form.
    package var metrics: JSONValue?

    package init(
        architecture: String, name: String, description: String, hyperParameters: JSONValue,
        input: InputSpec, output: OutputSpec, provenance: Provenance, metrics: JSONValue? = nil
    ) {
        self.architecture = architecture
        self.name = name
        self.description = description
        self.hyperParameters = hyperParameters
        self.input = input
        self.output = output
        self.provenance = provenance
        self.metrics = metrics
    }
}

/// One input or output variable (a raster band, a forcing, a static attribute, a target).
package struct VariableSpec: Codable, Sendable, Equatable {
    /// The name as the model knows it (e.g. `B2`, `P`, `streamflow`).
    package var name: String
    /// What the variable is to the model (band, dynamic forcing, static attribute, target).
    package var role: VariableRole?
    /// Units (UDUNITS spelling), e.g. `mm/day`, `1` (reflectance).
    package var units: String?
    /// Normalisation: the model sees `(x − mean) / std`.
    package var mean: Double?
    /// Normalisation standard deviation.
    package var std: Double?
    /// Human description.
    package var description: String?

    package init(
        name: String, role: VariableRole? = nil, units: String? = nil, mean: Double? = nil,
        std: Double? = nil, description: String? = nil
    ) {
        self.name = name
        self.role = role
        self.units = units
        self.mean = mean
        self.std = std
        self.description = description
    }
}

/// What the model eats: variables in order and how they are prepared.
package struct InputSpec: Codable, Sendable, Equatable {
    /// `image` (tile models), `basin-series` (basin models) or `features`.
    package var kind: ModelInputKind
    /// Input variables in the model's order (bands or forcings, then statics).
    package var variables: [VariableSpec]
    /// The expected raw data type before normalisation, e.g. `float32` or `uint16`.
    package var dtype: String?
    /// `standardize` ((x − mean)/std per variable, the statistics in ``variables``), or `none`.
    package var normalization: ModelNormalization
    /// Architecture-specific settings (tile size, metadata mode, window length, …).
    package var settings: JSONValue?
    /// The product the inputs come from, when it fixes conventions geomap applies (e.g.
    /// `landsat-c2-l2-sr`: 0 in every band is fill, see ``landsatC2SurfaceReflectance``).
    package var product: String?

    /// Landsat Collection 2 Level-2 surface reflectance: 0 in all bands is the fill value.
    package static let landsatC2SurfaceReflectance = "landsat-c2-l2-sr"

    package init(
        kind: ModelInputKind, variables: [VariableSpec], dtype: String? = nil,
        normalization: ModelNormalization = .none, settings: JSONValue? = nil,
        product: String? = nil
    ) {
        self.product = product
        self.kind = kind
        self.variables = variables
        self.dtype = dtype
        self.normalization = normalization
        self.settings = settings
    }
}

/// One class of a classification head.
package struct ClassSpec: Codable, Sendable, Equatable {
    /// The class name.
    package var name: String
    /// Display colour `#rrggbb`.
    package var color: String?

    package init(name: String, color: String? = nil) {
        self.name = name
        self.color = color
    }
}

/// What the model produces.
package struct OutputSpec: Codable, Sendable, Equatable {
    /// `multi-label`, `multi-class`, `regression` or `embedding`.
    package var task: ModelTask
    /// Classes in output order (classification).
    package var classes: [ClassSpec]?
    /// Output variables with units (regression), in output order.
    package var variables: [VariableSpec]?
    /// Architecture-specific settings (e.g. embedding width).
    package var settings: JSONValue?

    package init(
        task: ModelTask, classes: [ClassSpec]? = nil, variables: [VariableSpec]? = nil,
        settings: JSONValue? = nil
    ) {
        self.task = task
        self.classes = classes
        self.variables = variables
        self.settings = settings
    }
}

/// Where the weights come from.
package struct Provenance: Codable, Sendable, Equatable {
    /// The source (a URL, paper or the checkpoint file name).
    package var source: String
    /// Training data.
    package var trainingData: String?
    /// Licence of the weights (SPDX id when known).
    package var license: String?
    /// `true` for demonstration models that are not the published weights.
    package var demo: Bool
    /// What made the file, e.g. `geomap 0.1.0 models import`.
    package var createdBy: String?
    /// SHA-256 of the imported checkpoint, hex.
    package var checkpointSHA256: String?

    package init(
        source: String, trainingData: String? = nil, license: String? = nil, demo: Bool = false,
        createdBy: String? = nil, checkpointSHA256: String? = nil
    ) {
        self.source = source
        self.trainingData = trainingData
        self.license = license
        self.demo = demo
        self.createdBy = createdBy
        self.checkpointSHA256 = checkpointSHA256
    }
}
