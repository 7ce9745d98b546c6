/// CF `grid_mapping` variables (CF-1.8 §5.6, Appendix F) turned into a CRS definition that PROJ
/// and GDAL accept: the `crs_wkt` (or GDAL's `spatial_ref`) attribute when present, else a PROJ
/// string built from the grid-mapping parameters.
package struct CFGridCRS: Sendable, Equatable {
    /// A CRS definition for PROJ/GDAL: `EPSG:4326`, WKT, or `+proj=… +type=crs`.
    package var definition: String
    /// `grid_mapping_name` (`lambert_conformal_conic`, …), or `latitude_longitude` for grids
    /// described by latitude/longitude axes alone.
    package var mappingName: String
    /// Where the definition came from, for reports: `grid_mapping variable 'crs' (crs_wkt)`.
    package var source: String

    package init(definition: String, mappingName: String, source: String) {
        self.definition = definition
        self.mappingName = mappingName
        self.source = source
    }

    /// WGS 84 longitude/latitude, assumed for grids with latitude/longitude axes and no
    /// grid_mapping (CF's own default is "unspecified"; geomap states what it assumes).
    package static let wgs84 = CFGridCRS(
        definition: "EPSG:4326", mappingName: "latitude_longitude",
        source: "latitude/longitude axes (WGS 84 assumed)")

    /// The CRS described by a grid-mapping variable.
    ///
    /// - Throws: ``NetCDFError`` when the mapping is unknown or lacks a required parameter.
    package static func from(gridMapping variable: NetCDFVariable, path: String)
        throws(NetCDFError) -> CFGridCRS
    {
        let name = variable.text("grid_mapping_name") ?? ""
        for key in ["crs_wkt", "spatial_ref"] {
            if let wkt = variable.text(key), !wkt.isEmpty {
                return CFGridCRS(
                    definition: wkt, mappingName: name.isEmpty ? "unknown" : name,
                    source: "grid_mapping variable '\(variable.name)' (\(key))")
            }
        }
        guard !name.isEmpty else {
            throw .convention(
                path,
                "grid_mapping variable '\(variable.name)' has neither grid_mapping_name nor crs_wkt"
            )
        }
        let proj = try projString(variable, name: name, path: path)
        return CFGridCRS(
            definition: proj, mappingName: name,
            source: "grid_mapping variable '\(variable.name)' (\(name))")
    }

    private static func projString(_ v: NetCDFVariable, name: String, path: String)
        throws(NetCDFError) -> String
    {
        func need(_ key: String) throws(NetCDFError) -> Double {
            guard let value = v.number(key) else {
                throw .convention(
                    path, "grid_mapping '\(v.name)' (\(name)) lacks the attribute '\(key)'")
            }
            return value
        }
        func opt(_ key: String, _ fallback: Double) -> Double { v.number(key) ?? fallback }
        let parallels = v.attribute("standard_parallel")?.numbers ?? []
        var parts: [String]
        let falseOrigin = "+x_0=\(opt("false_easting", 0)) +y_0=\(opt("false_northing", 0))"
        switch name {
        case "latitude_longitude":
            parts = ["+proj=longlat"]
        case "transverse_mercator":
            parts = [
                "+proj=tmerc", "+lat_0=\(opt("latitude_of_projection_origin", 0))",
                "+lon_0=\(try need("longitude_of_central_meridian"))",
                "+k=\(opt("scale_factor_at_central_meridian", 1))", falseOrigin,
            ]
        case "lambert_conformal_conic":
            guard let first = parallels.first else {
                throw .convention(path, "grid_mapping '\(v.name)' lacks standard_parallel")
            }
            parts = [
                "+proj=lcc", "+lat_1=\(first)", "+lat_2=\(parallels.last ?? first)",
                "+lat_0=\(try need("latitude_of_projection_origin"))",
                "+lon_0=\(try need("longitude_of_central_meridian"))", falseOrigin,
            ]
        case "albers_conical_equal_area":
            guard let first = parallels.first else {
                throw .convention(path, "grid_mapping '\(v.name)' lacks standard_parallel")
            }
            parts = [
                "+proj=aea", "+lat_1=\(first)", "+lat_2=\(parallels.last ?? first)",
                "+lat_0=\(try need("latitude_of_projection_origin"))",
                "+lon_0=\(try need("longitude_of_central_meridian"))", falseOrigin,
            ]
        case "lambert_azimuthal_equal_area":
            parts = [
                "+proj=laea", "+lat_0=\(try need("latitude_of_projection_origin"))",
                "+lon_0=\(try need("longitude_of_projection_origin"))", falseOrigin,
            ]
        case "polar_stereographic":
            parts = [
                "+proj=stere", "+lat_0=\(try need("latitude_of_projection_origin"))",
                "+lon_0=\(try need("straight_vertical_longitude_from_pole"))",
            ]
            if let ts = parallels.first {
                parts.append("+lat_ts=\(ts)")
            } else {
                parts.append("+k=\(opt("scale_factor_at_projection_origin", 1))")
            }
            parts.append(falseOrigin)
        case "stereographic":
            parts = [
                "+proj=stere", "+lat_0=\(try need("latitude_of_projection_origin"))",
                "+lon_0=\(try need("longitude_of_projection_origin"))",
                "+k=\(opt("scale_factor_at_projection_origin", 1))", falseOrigin,
            ]
        case "mercator":
            parts = ["+proj=merc", "+lon_0=\(opt("longitude_of_projection_origin", 0))"]
            if let ts = parallels.first {
                parts.append("+lat_ts=\(ts)")
            } else {
                parts.append("+k=\(opt("scale_factor_at_projection_origin", 1))")
            }
            parts.append(falseOrigin)
        case "lambert_cylindrical_equal_area":
            parts = [
                "+proj=cea", "+lon_0=\(opt("longitude_of_central_meridian", 0))",
                "+lat_ts=\(parallels.first ?? 0)", falseOrigin,
            ]
        case "orthographic":
            parts = [
                "+proj=ortho", "+lat_0=\(try need("latitude_of_projection_origin"))",
                "+lon_0=\(try need("longitude_of_projection_origin"))", falseOrigin,
            ]
        case "sinusoidal":
            parts = [
                "+proj=sinu", "+lon_0=\(opt("longitude_of_central_meridian", 0))",
                falseOrigin,
            ]
        case "geostationary":
            let sweep = v.text("sweep_angle_axis") ?? "y"
            parts = [
                "+proj=geos", "+h=\(try need("perspective_point_height"))",
                "+lon_0=\(opt("longitude_of_projection_origin", 0))", "+sweep=\(sweep)",
                falseOrigin,
            ]
        case "rotated_latitude_longitude":
            let poleLat = try need("grid_north_pole_latitude")
            let poleLon = try need("grid_north_pole_longitude")
            parts = [
                "+proj=ob_tran", "+o_proj=longlat", "+o_lat_p=\(poleLat)",
                "+o_lon_p=\(opt("north_pole_grid_longitude", 0))",
                "+lon_0=\(180 + poleLon)", "+to_meter=0.0174532925199433",
            ]
        default:
            throw .convention(
                path, "grid_mapping '\(v.name)' has an unsupported grid_mapping_name '\(name)'")
        }
        parts.append(earthShape(v))
        if name != "latitude_longitude" && name != "rotated_latitude_longitude" {
            parts.append("+units=m")
        }
        parts.append(contentsOf: ["+no_defs", "+type=crs"])
        if name == "latitude_longitude", parts.contains("+ellps=WGS84") {
            return "EPSG:4326"
        }
        return parts.joined(separator: " ")
    }

    /// The figure of the Earth from CF attributes; WGS 84 when none is given.
    private static func earthShape(_ v: NetCDFVariable) -> String {
        if let radius = v.number("earth_radius") { return "+R=\(radius)" }
        if let a = v.number("semi_major_axis") {
            if let rf = v.number("inverse_flattening") {
                if abs(a - 6_378_137) < 1e-3, abs(rf - 298.257223563) < 1e-6 {
                    return "+ellps=WGS84"
                }
                return rf == 0 ? "+R=\(a)" : "+a=\(a) +rf=\(rf)"
            }
            if let b = v.number("semi_minor_axis") { return "+a=\(a) +b=\(b)" }
            return "+R=\(a)"
        }
        return "+ellps=WGS84"
    }
}
