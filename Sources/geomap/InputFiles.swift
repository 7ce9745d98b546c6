import ArgumentParser
import Foundation
import GeoRaster
import GeomapCore

/// The input files named by options, checked while the arguments are validated, so a missing
/// or unreadable file stops the run before any model work (exit 2, one line naming the option
/// and the file). The jobs read and check the contents later, still before the model runs.
enum InputFiles {
    /// An option that also takes one file per basin as a folder or a glob pattern
    /// (``GeomapCore/BasinFileSet``): a pattern must match some file.
    /// - Throws: `ValidationError` "--forcings 'x/*.nc': no file matches".
    static func checkSet(_ path: String, option: String) throws {
        if !FileManager.default.fileExists(atPath: path), BasinFileSet.isSet(path) {
            do { _ = try BasinFileSet.files(path) } catch {
                throw ValidationError("\(option) '\(path)': no file matches")
            }
            return
        }
        try check(path, option: option, directoryAllowed: true)
    }

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
