/// Encodes `nil` as JSON `null`: synthesised `Encodable` leaves absent optionals out, and the
/// `geomap info --json` reports promise stable keys (a key with `null` when a fact is absent).
// swift-format-ignore: UseSynthesizedInitializer
@propertyWrapper
struct NullEncoded<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    // Written out (not synthesised) so memberwise initialisers of the wrapping types take a
    // plain optional.
    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue {
            try container.encode(wrappedValue)
        } else {
            try container.encodeNil()
        }
    }
}
