package import Foundation
package import Tensor

/// What `geomap models import` passes to an architecture besides the checkpoint.
package struct ImportOptions: Sendable {
    /// `--name`: the model's short name (default: the output file's stem).
    package var name: String?
    /// `--description`.
    package var description: String?
    /// `--stats FILE.json`: normalisation statistics (`{"VAR": {"mean": m, "std": s}, …}`).
    package var statsPath: String?
    /// `--set KEY=VALUE` pairs: architecture-specific options (documented by each architecture).
    package var settings: [String: String]
    /// `--source`, `--license`, `--training-data`, `--demo`: provenance.
    package var source: String?
    package var license: String?
    package var trainingData: String?
    package var demo: Bool

    package init(
        name: String? = nil, description: String? = nil, statsPath: String? = nil,
        settings: [String: String] = [:], source: String? = nil, license: String? = nil,
        trainingData: String? = nil, demo: Bool = false
    ) {
        self.name = name
        self.description = description
        self.statsPath = statsPath
        self.settings = settings
        self.source = source
        self.license = license
        self.trainingData = trainingData
        self.demo = demo
    }

    /// The provenance record for an import of `checkpoint` (source defaults to its file name).
    package func provenance(for checkpoint: Checkpoint) -> Provenance {
        Provenance(
            source: source ?? URL(fileURLWithPath: checkpoint.path).lastPathComponent,
            trainingData: trainingData, license: license, demo: demo,
            createdBy: "geomap models import", checkpointSHA256: checkpoint.sha256)
    }
}

/// The result of converting a checkpoint: a manifest and the weights in storage order.
package struct ImportedModel {
    package var manifest: ModelManifest
    package var tensors: [(name: String, tensor: Tensor)]

    package init(manifest: ModelManifest, tensors: [(name: String, tensor: Tensor)]) {
        self.manifest = manifest
        self.tensors = tensors
    }
}

/// Which job runs an architecture's models.
package enum InferenceKind: String, Sendable, CaseIterable {
    /// Tile by tile over rasters (`geomap predict --in`, `geomap embed --in`).
    case tiles
    /// Basin by basin over daily forcings (`geomap predict --basins`, `geomap embed --basins`).
    case basins
    /// Plain feature vectors (the `linear` architecture); no job runs these on their own.
    case features
}

/// A model file loaded for inference: what the job of its ``InferenceKind`` runs.
package enum InferenceModel: Sendable {
    /// Any ``TileModel``: the tile job runs it without knowing the architecture.
    case tiles(any TileModel)
    /// A StefaLand-family model: the basin job's runner, assembler and writers use its
    /// configuration (variables, warm-up, sequence length, head).
    case basins(StefaLandModel)
    /// A linear layer.
    case features(LinearModel)
}

/// One model architecture geomap can import, inspect and run.
///
/// To add one: create `Sources/Models/<Name>/` with a type conforming to this protocol, and add
/// one line `<Name>Architecture.self,` to ``ArchitectureRegistry/all``. The forward pass lives
/// in the same folder and loads itself from a ``ModelFile`` through ``ModelFile/weights()``
/// (strict: ``WeightStore/tensor(_:shape:)`` then ``WeightStore/verifyAllConsumed()``). The jobs
/// load models only through ``ArchitectureRegistry/loadForInference(_:)``, so nothing else
/// changes: a tile architecture returns its ``TileModel`` from ``loadForInference(_:)``.
package protocol ModelArchitecture {
    /// The architecture ids this type handles (e.g. `["moe-mae-s", "moe-mae-xs", "moe-mae-xxs"]`).
    static var ids: [String] { get }
    /// One line for `geomap models import --help` and listings.
    static var summary: String { get }

    /// Converts a checkpoint into a model file's contents: finds the architecture's tensors
    /// (key remapping, dropped training-only entries, equality checks of shared tensors), checks
    /// every shape against the hyper-parameters it infers or reads from `options`, and builds the
    /// manifest. Throws a ``ModelError`` naming the checkpoint and the offending tensor.
    /// - Parameter id: one of ``ids`` (the `--arch` value).
    static func importCheckpoint(_ checkpoint: Checkpoint, id: String, options: ImportOptions)
        throws -> ImportedModel

    /// Loads the model file strictly (every tensor present, of the right shape, none extra), as
    /// inference would. `geomap models import` calls it on the written file before renaming it
    /// into place, and `geomap models inspect` reports its verdict.
    static func validate(_ model: ModelFile) throws

    /// The job that runs this architecture's models.
    static var inferenceKind: InferenceKind { get }

    /// Loads the model file strictly for inference, as the job of ``inferenceKind`` runs it.
    /// - Throws: ``ModelError`` naming the file and what is wrong.
    static func loadForInference(_ model: ModelFile) throws -> InferenceModel
}

/// All architectures geomap knows.
package enum ArchitectureRegistry {
    /// Every architecture type. Helpers adding an architecture add ONE line here.
    package static var all: [any ModelArchitecture.Type] {
        [
            LinearArchitecture.self,
            StefaLandArchitecture.self,
            MoEMAEArchitecture.self,
        ] + registered.list
    }

    /// Architectures added at run time (a test's own architecture), after the built-in ones.
    private static let registered = RegisteredArchitectures()

    /// Adds `architecture` to ``all`` for this process (once; later calls are ignored). Built-in
    /// architectures are listed in ``all`` instead.
    package static func register(_ architecture: any ModelArchitecture.Type) {
        registered.add(architecture)
    }

    /// Every known id, sorted.
    package static var ids: [String] { all.flatMap { $0.ids }.sorted() }

    /// The ids of the architectures whose models the job of `kind` runs, sorted.
    package static func ids(for kind: InferenceKind) -> [String] {
        all.filter { $0.inferenceKind == kind }.flatMap { $0.ids }.sorted()
    }

    /// The architecture of `file`'s manifest when the job of `kind` runs it, else `nil`
    /// (an unknown architecture, or one another job runs).
    package static func architecture(of file: ModelFile, runBy kind: InferenceKind)
        -> (any ModelArchitecture.Type)?
    {
        all.first { $0.ids.contains(file.manifest.architecture) && $0.inferenceKind == kind }
    }

    /// The architecture handling `id`.
    /// - Throws: ``ModelError`` "unknown architecture 'x' (known: …)".
    package static func architecture(for id: String) throws -> any ModelArchitecture.Type {
        guard let found = all.first(where: { $0.ids.contains(id) }) else {
            throw ModelError(
                "", "unknown architecture '\(id)' (known: \(ids.joined(separator: ", ")))")
        }
        return found
    }

    /// Reads `checkpoint`, converts it with architecture `id`, writes the model file to a
    /// temporary name beside `output`, validates it with the architecture's loader, then renames
    /// it to `output`. Nothing is left under `output` on failure.
    /// - Returns: the written model file.
    @discardableResult
    package static func importModel(
        checkpoint url: URL, architecture id: String, options: ImportOptions, output: URL
    ) throws -> ModelFile {
        let architecture = try architecture(for: id)
        let checkpoint = try Checkpoint(contentsOf: url)
        var imported = try architecture.importCheckpoint(checkpoint, id: id, options: options)
        if let name = options.name { imported.manifest.name = name }
        if let description = options.description { imported.manifest.description = description }
        let directory = output.deletingLastPathComponent()
        let staging = directory.appendingPathComponent(
            ".\(output.lastPathComponent).staging-\(UUID().uuidString)")
        do {
            try ModelFile.write(manifest: imported.manifest, tensors: imported.tensors, to: staging)
            let written = try ModelFile(contentsOf: staging)
            try architecture.validate(written)
            try atomicRename(staging, to: output)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            if let error = error as? ModelError { throw error }
            throw ModelError(
                output.path, "cannot write the model file: \(error.localizedDescription)")
        }
        return try ModelFile(contentsOf: output)
    }
}

/// The architectures ``ArchitectureRegistry/register(_:)`` added, behind a lock.
private final class RegisteredArchitectures: @unchecked Sendable {
    private let lock = NSLock()
    private var architectures: [any ModelArchitecture.Type] = []

    var list: [any ModelArchitecture.Type] {
        lock.lock()
        defer { lock.unlock() }
        return architectures
    }

    func add(_ architecture: any ModelArchitecture.Type) {
        lock.lock()
        defer { lock.unlock() }
        guard !architectures.contains(where: { $0 == architecture }) else { return }
        architectures.append(architecture)
    }
}
