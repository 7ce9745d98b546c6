import ArgumentParser
import Foundation
import GeoRaster

/// The input files named by options, checked while the arguments are validated, so a missing
/// or unreadable file stops the run before any model work (exit 2, one line naming the option
/// and the file). The jobs read and check the contents later, still before the model runs.
enum InputFiles {
    /// - Parameter directoryAllowed: the option may name a folder (an OGR data source).
    /// - Throws: `ValidationError` "--observed nothere.csv: no such file".
    static func check(_ path: String, option: String, directoryAllowed: Bool = false) throws {
        // GDAL/OGR names that are not plain paths (/vsizip/…, NETCDF:"f.nc":var) are left to
        // the library that opens them.
        if InputKind.isGDALVirtual(path) { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(option) \(path): no such file")
        }
        if isDirectory.boolValue, !directoryAllowed {
            throw ValidationError("\(option) \(path): is a folder, not a file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ValidationError("\(option) \(path): not readable (permissions)")
        }
    }
}
