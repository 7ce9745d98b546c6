internal import CNetCDF

/// Facts about the netCDF-C library geomap runs with.
package enum NetCDFLibrary {
    /// netCDF-C's version, e.g. `4.9.0` (the first word of `nc_inq_libvers()`).
    package static var version: String {
        let full = String(cString: nc_inq_libvers())
        return full.split(separator: " ").first.map(String.init) ?? full
    }
}
