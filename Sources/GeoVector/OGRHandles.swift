internal import CGDAL

/// An OGR geometry geomap owns (a clone or a make-valid result), destroyed when it ends.
struct OwnedGeometry: ~Copyable {
    let handle: OGRGeometryH

    init?(taking handle: OGRGeometryH?) {
        guard let handle else { return nil }
        self.handle = handle
    }

    deinit { OGR_G_DestroyGeometry(handle) }
}

/// An OGR feature read from a layer, destroyed when it ends.
struct OwnedFeature: ~Copyable {
    let handle: OGRFeatureH

    init?(taking handle: OGRFeatureH?) {
        guard let handle else { return nil }
        self.handle = handle
    }

    deinit { OGR_F_Destroy(handle) }
}

/// An OGR spatial reference geomap owns, released when it ends.
struct OwnedSpatialReference: ~Copyable {
    let handle: OGRSpatialReferenceH

    init?(taking handle: OGRSpatialReferenceH?) {
        guard let handle else { return nil }
        self.handle = handle
    }

    deinit { OSRRelease(handle) }
}

/// A string GDAL allocated, freed after conversion.
func takeGDALString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { VSIFree(pointer) }
    return String(cString: pointer)
}
