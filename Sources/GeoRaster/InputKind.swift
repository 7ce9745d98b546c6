internal import CGDAL
import Foundation
internal import GeoGDAL

/// What kind of geodata a file holds, as `geomap info` dispatches on it.
package enum InputKind: String, Sendable {
    case raster, vector
    case netCDF = "netcdf"

    /// Detects the kind of `path`: NetCDF by its signature (`CDF\1`, `CDF\2`, `CDF\5`, or the
    /// HDF5 signature of NetCDF-4), otherwise whatever GDAL opens it as (raster bands first,
    /// then vector layers).
    ///
    /// - Throws: ``InputError`` for a missing or empty file, or GDAL's reason when GDAL cannot
    ///   open it.
    /// A GDAL virtual path (`/vsizip/…`, `/vsicurl/…`, `/vsis3/…`) or a driver connection
    /// string (`NETCDF:"f.nc":var`, `HDF5:…`, `GPKG:…`) is handed to GDAL as it is.
    package static func detect(path: String) throws -> InputKind {
        if isGDALVirtual(path) { return try detectWithGDAL(path: path) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(path: path, reason: "no such file")
        }
        if !isDirectory.boolValue {
            let head = try signature(path)
            guard !head.isEmpty else { throw InputError(path: path, reason: "the file is empty") }
            if isNetCDF(head) { return .netCDF }
        }
        return try detectWithGDAL(path: path)
    }

    private static func detectWithGDAL(path: String) throws -> InputKind {
        let dataset = try GDALDataset(opening: path, kind: .any)
        if GDALGetRasterCount(dataset.handle) > 0 { return .raster }
        if GDALDatasetGetLayerCount(dataset.handle) > 0 { return .vector }
        throw InputError(path: path, reason: "GDAL found neither raster bands nor vector layers")
    }

    /// Whether `path` names something only GDAL can open: a `/vsi…/` virtual file system path
    /// or a `DRIVER:…` connection string (never a plain file that exists under that name).
    package static func isGDALVirtual(_ path: String) -> Bool {
        if path.hasPrefix("/vsi") { return true }
        guard let colon = path.firstIndex(of: ":"), colon != path.startIndex,
            !FileManager.default.fileExists(atPath: path)
        else { return false }
        return path[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// `path` as geomap opens it: GDAL virtual paths unchanged, file paths made absolute and
    /// standardised.
    package static func resolvedPath(_ path: String) -> String {
        isGDALVirtual(path) ? path : URL(fileURLWithPath: path).standardizedFileURL.path
    }

    static func signature(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(path: path, reason: "cannot be read")
        }
        defer { try? handle.close() }
        return [UInt8](handle.readData(ofLength: 8))
    }

    static func isNetCDF(_ head: [UInt8]) -> Bool {
        let classic =
            head.count >= 4 && head[0...2] == [0x43, 0x44, 0x46]
            && [1, 2, 5].contains(head[3])
        let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        return classic || head == hdf5
    }
}

/// A file that is not usable input, with the reason.
package struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    package let path: String
    package let reason: String

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    package var description: String { "\(path): \(reason)" }
}
