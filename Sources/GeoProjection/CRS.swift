internal import CPROJ

/// A coordinate reference system, parsed and validated by PROJ.
///
/// A value type holding the CRS as WKT2:2019 plus the facts geomap reports, so it is Sendable
/// and can cross tasks; PROJ objects are rebuilt from it inside each task's ``ProjContext``.
///
/// ```swift
/// let utm = try CRS("EPSG:32634")
/// let same = try CRS("+proj=utm +zone=34 +datum=WGS84 +units=m +no_defs")
/// utm.isSame(as: same)  // true
/// ```
package struct CRS: Sendable, CustomStringConvertible {
    /// The definition exactly as given (an EPSG code, WKT, PROJJSON or PROJ string).
    package let definition: String
    /// WKT2:2019 text of the CRS, as PROJ writes it.
    package let wkt: String
    /// PROJJSON text of the CRS.
    package let projJSON: String
    /// PROJ's name for the CRS, e.g. `WGS 84 / UTM zone 34N`.
    package let name: String
    /// The EPSG code, when the CRS carries one or PROJ identifies it with full confidence.
    package let epsgCode: Int?
    /// Whether the horizontal part is geographic (longitude/latitude in angular units).
    package let isGeographic: Bool
    /// Name of the unit of the first horizontal axis, e.g. `metre` or `degree`.
    package let unitName: String
    /// Size of that unit in SI units (metres, or radians for angles).
    package let unitToSI: Double

    /// Parses `definition`: `EPSG:n` (or any `AUTH:code`), WKT1/WKT2, PROJJSON or a PROJ string.
    ///
    /// - Throws: ``PROJError`` with PROJ's reason when the text is not a CRS PROJ knows.
    package init(_ definition: String, context: ProjContext = ProjContext()) throws(PROJError) {
        let object = try PJObject.crs(definition, context: context)
        try self.init(object: object, definition: definition)
    }

    /// The CRS with EPSG code `code`.
    package init(epsg code: Int, context: ProjContext = ProjContext()) throws(PROJError) {
        try self.init("EPSG:\(code)", context: context)
    }

    init(object: PJObject, definition: String) throws(PROJError) {
        let ctx = object.context
        let pj = object.handle
        self.definition = definition
        wkt = try ctx.call("proj_as_wkt", subject: definition) { c in
            proj_as_wkt(c, pj, PJ_WKT2_2019, nil).map { String(cString: $0) }
        }
        projJSON = try ctx.call("proj_as_projjson", subject: definition) { c in
            proj_as_projjson(c, pj, nil).map { String(cString: $0) }
        }
        name = proj_get_name(pj).map { String(cString: $0) } ?? "unnamed"
        epsgCode = CRS.identifyEPSG(object)
        let horizontal = CRS.horizontal(object)
        isGeographic = CRS.isGeographicType(proj_get_type(horizontal.handle))
        (unitName, unitToSI) = CRS.firstAxisUnit(horizontal)
    }

    /// `EPSG:n` when there is a code, else the name.
    package var identifier: String { epsgCode.map { "EPSG:\($0)" } ?? name }

    package var description: String { "\(identifier) (\(name))" }

    /// Whether `other` describes the same CRS, whatever the WKT spelling or the axis order of a
    /// geographic CRS (`PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS`).
    package func isSame(as other: CRS) -> Bool {
        let context = ProjContext()
        guard let mine = try? makeObject(in: context),
            let theirs = try? other.makeObject(in: context)
        else { return false }
        return proj_is_equivalent_to_with_ctx(
            context.handle, mine.handle, theirs.handle,
            PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS) != 0
    }

    /// The PROJ object for this CRS in `context`.
    func makeObject(in context: ProjContext) throws(PROJError) -> PJObject {
        try PJObject.crs(wkt, context: context)
    }

    /// WGS 84 longitude/latitude (EPSG:4326).
    package static var wgs84: CRS {
        get throws(PROJError) { try CRS(epsg: 4326) }
    }
}

extension CRS {
    static func identifyEPSG(_ object: PJObject) -> Int? {
        let pj = object.handle
        if let auth = proj_get_id_auth_name(pj, 0), String(cString: auth) == "EPSG",
            let code = proj_get_id_code(pj, 0)
        {
            return Int(String(cString: code))
        }
        var confidence: UnsafeMutablePointer<Int32>?
        guard let list = proj_identify(object.context.handle, pj, "EPSG", nil, &confidence)
        else { return nil }
        defer {
            proj_list_destroy(list)
            proj_int_list_destroy(confidence)
        }
        guard proj_list_get_count(list) > 0, let confidence, confidence[0] == 100,
            let match = proj_list_get(object.context.handle, list, 0)
        else { return nil }
        defer { proj_destroy(match) }
        return proj_get_id_code(match, 0).flatMap { Int(String(cString: $0)) }
    }

    /// The horizontal CRS: the first component of a compound CRS, the source of a bound CRS.
    static func horizontal(_ object: PJObject) -> PJObject {
        let ctx = object.context.handle
        switch proj_get_type(object.handle) {
        case PJ_TYPE_COMPOUND_CRS:
            if let sub = proj_crs_get_sub_crs(ctx, object.handle, 0) {
                return horizontal(PJObject(taking: sub, context: object.context))
            }
        case PJ_TYPE_BOUND_CRS:
            if let base = proj_get_source_crs(ctx, object.handle) {
                return horizontal(PJObject(taking: base, context: object.context))
            }
        default: break
        }
        return object
    }

    static func isGeographicType(_ type: PJ_TYPE) -> Bool {
        type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS
    }

    static func firstAxisUnit(_ object: PJObject) -> (String, Double) {
        let ctx = object.context.handle
        guard let cs = proj_crs_get_coordinate_system(ctx, object.handle) else {
            return ("unknown", 1)
        }
        defer { proj_destroy(cs) }
        var unitName: UnsafePointer<CChar>?
        var factor = 1.0
        let ok = proj_cs_get_axis_info(ctx, cs, 0, nil, nil, nil, &factor, &unitName, nil, nil)
        guard ok != 0 else { return ("unknown", 1) }
        return (unitName.map { String(cString: $0) } ?? "unknown", factor)
    }
}
