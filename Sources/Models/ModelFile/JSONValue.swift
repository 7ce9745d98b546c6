import Foundation

/// Any JSON value, for the architecture-specific parts of a manifest (hyper-parameters,
/// extra input settings, metrics). Architectures keep their own `Codable` configuration type
/// and convert with ``init(encoding:)`` and ``decode(_:)``.
package enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    package func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The JSON form of any `Encodable` value (e.g. an architecture's configuration struct).
    package init<T: Encodable>(encoding value: T) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes this value as `T` (e.g. `try manifest.hyperParameters.decode(MyConfig.self)`).
    package func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    /// The member `key` of an object, or `nil`.
    package subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// Checks that setting `key` of these settings (`place`, e.g. `input.settings`), where a
    /// manifest repeats a number of its hyper-parameters for readers of the file, equals the
    /// value the model runs with; an absent setting is fine.
    /// - Throws: ``ModelError`` about `path` naming both values: a file edited in one place
    ///   only would otherwise run with a value it does not show.
    package func checkCopy(
        _ key: String, place: String, equals value: Int, source: String, path: String
    ) throws {
        guard let copy = self[key] else { return }
        guard copy == .number(Double(value)) else {
            let shown: String
            if case .number(let number) = copy { shown = "\(number)" } else { shown = "\(copy)" }
            throw ModelError(
                path, "\(place).\(key) \(shown) differs from \(source) \(value) the model runs with"
            )
        }
    }
}
