internal import CGDAL
internal import GeoGDAL

/// Reads a GDAL `char **` string list (`KEY=VALUE` pairs) into a dictionary.
func keyValues(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String: String] {
    var result: [String: String] = [:]
    for item in stringList(list) {
        guard let equals = item.firstIndex(of: "=") else { continue }
        result[String(item[..<equals])] = String(item[item.index(after: equals)...])
    }
    return result
}

/// Reads a NULL-terminated GDAL `char **` list.
func stringList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
    guard let list else { return [] }
    var items: [String] = []
    var index = 0
    while let item = list[index] {
        items.append(String(cString: item))
        index += 1
    }
    return items
}

/// Calls `body` with a NULL-terminated C string list built from `strings` (freed afterwards).
func withCStringList<T>(
    _ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws -> T
) rethrows -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return try pointers.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
}

/// The same list seen as `const char * const *`, for the GDAL/OGR calls that take that type.
func constList(
    _ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
) -> UnsafePointer<UnsafePointer<CChar>?> {
    UnsafeRawPointer(list).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
}

/// `gdalCheck` for a read, reachable from files that do not import GeoGDAL.
func gdalCheckRead(_ path: String, _ body: () -> CPLErr) throws {
    try gdalCheck("GDALRasterIO", path: path, body)
}
