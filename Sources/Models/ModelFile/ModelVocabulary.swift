// The manifest's fixed vocabularies (docs/model-format.md), as strict enums: a model file with a
// value outside a set is refused at load with the key, the value and the allowed values. The
// same spellings are used on the command line and in output metadata.

/// `output.task`: what the model's output is.
package enum ModelTask: String, Codable, Sendable, CaseIterable {
    /// One sigmoid per class (classes may co-occur).
    case multiLabel = "multi-label"
    /// Softmax over the classes (exactly one per sample).
    case multiClass = "multi-class"
    /// Real-valued output variables.
    case regression
    /// An encoder without a head: embeddings only.
    case embedding

    /// The kind of classification head, or `nil` for regression and embeddings.
    package var classification: ClassificationTask? {
        switch self {
        case .multiLabel: .multiLabel
        case .multiClass: .multiClass
        case .regression, .embedding: nil
        }
    }

    package init(_ classification: ClassificationTask) {
        self = classification == .multiLabel ? .multiLabel : .multiClass
    }

    package init(from decoder: any Decoder) throws {
        self = try decodeVocabulary(decoder, "task")
    }
}

/// How a classification head turns logits into probabilities: the one task type of tile heads,
/// fitted probes and the `linear` head, spelled as ``ModelTask`` spells it.
package enum ClassificationTask: String, Codable, Sendable, CaseIterable {
    /// One sigmoid per class; any number of classes per sample.
    case multiLabel = "multi-label"
    /// Softmax over the classes; exactly one class per sample.
    case multiClass = "multi-class"
}

/// `input.kind`: what the model eats.
package enum ModelInputKind: String, Codable, Sendable, CaseIterable {
    /// Fixed-size multi-band raster tiles (MoE-MAE).
    case image
    /// Daily forcing series and static attributes per basin (StefaLand).
    case basinSeries = "basin-series"
    /// A plain feature vector (the `linear` architecture).
    case features

    package init(from decoder: any Decoder) throws {
        self = try decodeVocabulary(decoder, "input kind")
    }
}

/// `input.normalization`: how raw inputs are scaled before the model sees them.
package enum ModelNormalization: String, Codable, Sendable, CaseIterable {
    /// `(x − mean) / std` per variable, with the statistics in the variables' specs. Files made
    /// before the vocabulary was strict spell it `zscore` (read as this).
    case standardize
    /// Raw values.
    case none

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if (try? container.decode(String.self)) == "zscore" {
            self = .standardize
            return
        }
        self = try decodeVocabulary(decoder, "normalization")
    }
}

/// `role` of an input or output variable.
package enum VariableRole: String, Codable, Sendable, CaseIterable {
    /// A raster band (image models).
    case band
    /// A daily forcing.
    case dynamic
    /// A static basin attribute.
    case `static`
    /// A predicted quantity.
    case target

    package init(from decoder: any Decoder) throws {
        self = try decodeVocabulary(decoder, "variable role")
    }
}

/// How a sequence of encoder tokens becomes one embedding: one spelling for the manifest
/// (`output.settings.pooling`), the command line (`--embeddings`, `--pool`) and the jobs.
package enum Pooling: String, Codable, Sendable, CaseIterable {
    /// The CLS token.
    case cls
    /// The mean over all tokens.
    case mean
    /// All tokens flattened token-major (heads only; not a tile output).
    case tokens
}

/// Decodes a vocabulary value, refusing one outside the set with the allowed values.
private func decodeVocabulary<T: RawRepresentable & CaseIterable>(
    _ decoder: any Decoder, _ what: String
) throws -> T where T.RawValue == String {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = T(rawValue: text) else {
        throw DecodingError.dataCorruptedError(
            in: container,
            debugDescription: "\(what) '\(text)' is not one of "
                + T.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return value
}
