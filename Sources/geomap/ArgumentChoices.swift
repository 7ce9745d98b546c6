// The fixed sets of option values: each an enum that ArgumentParser parses, so a value outside
// the set is exit 2 naming the option and `--help` lists the choices. The spellings are the
// model manifest's (docs/model-format.md).
import ArgumentParser
import GeomapCore
package import Models

extension ZonalStatistic: ExpressibleByArgument {}

/// `--embeddings`, `--pool`: `cls` or `mean` (`tokens` is a head's input, not an output).
extension Pooling: ExpressibleByArgument {
    package init?(argument: String) {
        guard let value = Pooling(rawValue: argument), value != .tokens else { return nil }
        self = value
    }

    package static var allValueStrings: [String] { [Pooling.cls, .mean].map(\.rawValue) }
}

/// `geomap probe fit --task multi-label|multi-class` (`multilabel`, `multiclass`, the spellings
/// before the vocabulary was shared, are still read).
extension ClassificationTask: ExpressibleByArgument {
    package init?(argument: String) {
        let legacy = ["multilabel": "multi-label", "multiclass": "multi-class"]
        guard let value = ClassificationTask(rawValue: legacy[argument] ?? argument) else {
            return nil
        }
        self = value
    }
}
