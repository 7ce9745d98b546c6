internal import CGDAL

/// A layer's coordinate reference system as OGR reports it.
package struct VectorCRS: Sendable, Equatable {
    /// WKT2 (2019) text, usable by PROJ and GDAL.
    package var wkt: String
    /// The EPSG code, when OGR can identify one.
    package var epsg: Int?
    /// The CRS name, e.g. `WGS 84 / UTM zone 32N`.
    package var name: String

    /// `EPSG:n` when known, else the name.
    package var identifier: String { epsg.map { "EPSG:\($0)" } ?? name }

    package init(wkt: String, epsg: Int?, name: String) {
        self.wkt = wkt
        self.epsg = epsg
        self.name = name
    }

    /// Describes an OGR spatial reference (borrowed; not released here).
    init(_ srs: OGRSpatialReferenceH) {
        let options = CSLAddString(nil, "FORMAT=WKT2_2019")
        defer { CSLDestroy(options) }
        var text: UnsafeMutablePointer<CChar>?
        let status = OSRExportToWktEx(srs, &text, UnsafePointer(OpaquePointer(options)))
        wkt = status == OGRERR_NONE ? (takeGDALString(text) ?? "") : ""
        name = OSRGetName(srs).map { String(cString: $0) } ?? "unnamed"
        epsg = VectorCRS.epsgCode(srs)
    }

    private static func epsgCode(_ srs: OGRSpatialReferenceH) -> Int? {
        func authority(_ srs: OGRSpatialReferenceH) -> Int? {
            let key: String? =
                OSRIsProjected(srs) != 0
                ? "PROJCS"
                : (OSRIsGeographic(srs) != 0 ? "GEOGCS" : nil)
            guard let name = OSRGetAuthorityName(srs, key),
                String(cString: name).uppercased() == "EPSG",
                let code = OSRGetAuthorityCode(srs, key)
            else { return nil }
            return Int(String(cString: code))
        }
        if let code = authority(srs) { return code }
        // A .prj written as ESRI WKT carries no authority: let OGR identify it on a copy.
        guard let copy = OwnedSpatialReference(taking: OSRClone(srs)) else { return nil }
        guard OSRAutoIdentifyEPSG(copy.handle) == OGRERR_NONE else { return nil }
        return authority(copy.handle)
    }
}
