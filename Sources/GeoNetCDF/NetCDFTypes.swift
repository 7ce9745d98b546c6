/// The netCDF external data types (`nc_type`), with their C codes.
package enum NetCDFType: Int32, Sendable, CustomStringConvertible {
    case byte = 1
    case char = 2
    case short = 3
    case int = 4
    case float = 5
    case double = 6
    case ubyte = 7
    case ushort = 8
    case uint = 9
    case int64 = 10
    case uint64 = 11
    case string = 12

    package var description: String {
        switch self {
        case .byte: "byte"
        case .char: "char"
        case .short: "short"
        case .int: "int"
        case .float: "float"
        case .double: "double"
        case .ubyte: "ubyte"
        case .ushort: "ushort"
        case .uint: "uint"
        case .int64: "int64"
        case .uint64: "uint64"
        case .string: "string"
        }
    }

    /// Whether values are integers (packed data is stored in such types).
    package var isInteger: Bool {
        switch self {
        case .byte, .short, .int, .ubyte, .ushort, .uint, .int64, .uint64: true
        default: false
        }
    }

    /// netCDF's default fill value for the type (values equal to it are missing when a variable
    /// has no `_FillValue`), or `nil` for types CF exempts (byte, char, string).
    package var defaultFill: Double? {
        switch self {
        case .short: -32767
        case .int: -2_147_483_647
        case .float: Double(Float(9.9692099683868690e+36))
        case .double: 9.9692099683868690e+36
        case .ushort: 65535
        case .uint: 4_294_967_295
        case .int64: -9.223372036854775806e18
        default: nil
        }
    }
}

/// An attribute's value: text, or numbers (converted to Double) with their stored type.
package enum AttributeValue: Sendable, Equatable {
    case text(String)
    case numbers([Double], NetCDFType)

    /// The text, when the attribute is text.
    package var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The numbers, when the attribute is numeric.
    package var numbers: [Double]? {
        if case .numbers(let values, _) = self { return values }
        return nil
    }

    /// The first number, when the attribute is numeric and not empty.
    package var number: Double? { numbers?.first }

    /// The stored type of a numeric attribute.
    package var numericType: NetCDFType? {
        if case .numbers(_, let type) = self { return type }
        return nil
    }

    /// The value as ncdump would print it (numbers separated by ", ").
    package var displayText: String {
        switch self {
        case .text(let value): value
        case .numbers(let values, let type):
            values.map { type.isInteger ? String(Int64($0)) : "\($0)" }
                .joined(separator: ", ")
        }
    }
}

/// A named attribute.
package struct NetCDFAttribute: Sendable, Equatable {
    package var name: String
    package var value: AttributeValue

    package init(_ name: String, _ value: AttributeValue) {
        self.name = name
        self.value = value
    }

    /// A text attribute.
    package static func text(_ name: String, _ value: String) -> NetCDFAttribute {
        NetCDFAttribute(name, .text(value))
    }

    /// A double attribute.
    package static func double(_ name: String, _ values: Double...) -> NetCDFAttribute {
        NetCDFAttribute(name, .numbers(values, .double))
    }
}

/// A dimension of a file.
package struct NetCDFDimension: Sendable, Equatable {
    package var id: Int32
    package var name: String
    package var length: Int
    package var isUnlimited: Bool
}

/// A variable's metadata: type, dimensions (slowest first, as in the file) and attributes.
package struct NetCDFVariable: Sendable {
    package var id: Int32
    package var name: String
    package var type: NetCDFType
    package var dimensionIDs: [Int32]
    /// Dimension names, slowest varying first.
    package var dimensions: [String]
    /// Dimension lengths, slowest varying first.
    package var shape: [Int]
    package var attributes: [NetCDFAttribute]

    /// The attribute called `name`, if any.
    package func attribute(_ name: String) -> AttributeValue? {
        attributes.first { $0.name == name }?.value
    }

    /// A text attribute, trimmed, or `nil` when absent or not text.
    package func text(_ name: String) -> String? {
        attribute(name)?.text?.trimmingWhitespace
    }

    /// The first number of a numeric attribute.
    package func number(_ name: String) -> Double? { attribute(name)?.number }
}

extension String {
    /// The string without leading and trailing spaces, tabs, newlines and NULs.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0 == "\0" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
