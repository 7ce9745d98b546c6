internal import CPROJ

/// The single owner of one `PJ*` (a CRS or a coordinate operation) and of the context it
/// belongs to. Internal: no PROJ handle leaves GeoProjection.
final class PJObject {
    let handle: OpaquePointer
    let context: ProjContext

    init(taking handle: OpaquePointer, context: ProjContext) {
        self.handle = handle
        self.context = context
    }

    /// Parses a CRS definition (EPSG code, WKT, PROJJSON, PROJ string) in `context`.
    static func crs(_ definition: String, context: ProjContext) throws(PROJError) -> PJObject {
        let text = PJObject.normalisedDefinition(definition)
        let handle = try context.call("proj_create", subject: definition) { ctx in
            proj_create(ctx, text)
        }
        let object = PJObject(taking: handle, context: context)
        guard proj_is_crs(handle) != 0 else {
            throw PROJError(
                function: "proj_is_crs", message: "not a coordinate reference system",
                subject: definition)
        }
        return object
    }

    /// A PROJ string such as `+proj=utm +zone=34` names a CRS only with `+type=crs`.
    private static func normalisedDefinition(_ definition: String) -> String {
        let text = definition.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("+"), !text.contains("+type=crs") { return text + " +type=crs" }
        return text
    }

    deinit { proj_destroy(handle) }
}

extension String {
    /// Trims without Foundation (GeoProjection does not need it).
    func trimmingCharacters(in _: WhitespaceSet) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

/// Marker for ``String/trimmingCharacters(in:)``.
enum WhitespaceSet { case whitespacesAndNewlines }
