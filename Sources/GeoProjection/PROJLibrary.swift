internal import CPROJ

/// Facts about the PROJ library geomap runs with.
package enum PROJLibrary {
    /// PROJ's release string, e.g. `9.1.1`.
    package static var version: String {
        let info = proj_info()
        return "\(info.major).\(info.minor).\(info.patch)"
    }
}
