import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The size of one output, known before it is written: what the limit and the free-space check
/// compare (see ``OutputSizeCheck``).
package struct PlannedOutput: Sendable, Equatable {
    /// The final path (named in the messages).
    package var path: String
    /// Uncompressed bytes of the values (saturating at `Int.max`).
    package var bytes: Int
    /// How `bytes` comes about, e.g. `66667×66667 px, 4 bands of 1 byte`.
    package var shape: String
    /// Bytes certainly written on the way (an uncompressed scratch file in the staging folder);
    /// `0` when only a compressed file of unknown size is written.
    package var stagedBytes: Int

    package init(path: String, bytes: Int, shape: String, stagedBytes: Int) {
        self.path = path
        self.bytes = bytes
        self.shape = shape
        self.stagedBytes = stagedBytes
    }

    /// A raster of `width × height` pixels and `bands` bands of `bytesPerSample` bytes.
    /// - Parameter scratch: whether the writer first writes it uncompressed in full (the tile
    ///   writers' scratch), so the staging folder certainly needs `bytes`.
    package static func raster(
        path: String, width: Int, height: Int, bands: Int, bytesPerSample: Int, scratch: Bool
    ) -> PlannedOutput {
        let bytes = saturatingProduct([width, height, bands, bytesPerSample])
        let unit = bytesPerSample == 1 ? "byte" : "bytes"
        return PlannedOutput(
            path: path, bytes: bytes,
            shape: "\(width)×\(height) px, \(bands) band\(bands == 1 ? "" : "s") of "
                + "\(bytesPerSample) \(unit)",
            stagedBytes: scratch ? bytes : 0)
    }

    /// A table of `counts` multiplied out, `bytesPerItem` bytes each (NetCDF values, CSV rows);
    /// `what` says what is counted (`7 basins × 732 steps × 3 variables`).
    /// - Parameter compressed: whether the file is compressed as it is written (NetCDF with
    ///   deflate): then the free-space check does not count it.
    package static func table(
        path: String, counts: [Int], bytesPerItem: Int, what: String, compressed: Bool
    ) -> PlannedOutput {
        let bytes = saturatingProduct(counts + [bytesPerItem])
        return PlannedOutput(
            path: path, bytes: bytes, shape: "\(what), \(bytesPerItem) bytes each",
            stagedBytes: compressed ? 0 : bytes)
    }

    /// The product of `factors`, `Int.max` when it overflows (no factor is negative).
    package static func saturatingProduct(_ factors: [Int]) -> Int {
        var product = 1
        for factor in factors {
            let (next, overflow) = product.multipliedReportingOverflow(by: max(0, factor))
            if overflow { return Int.max }
            product = next
        }
        return product
    }
}

/// The size checks an output set passes before anything is allocated or written:
///
/// - each output's uncompressed size against a limit, `GEOMAP_MAX_OUTPUT_GIB` (default
///   1024 GiB; a positive number of GiB, or `none`): over it, exit 2 naming the file, its size
///   and how to raise the limit;
/// - the bytes the run certainly writes into the output folder (uncompressed scratch files,
///   NetCDF and CSV values) against the folder's free space (`statvfs`): short of it, exit 74
///   naming the folder, the bytes needed and the bytes free. `GEOMAP_CHECK_DISK_FREE_SPACE=NO`
///   skips it (as GDAL's `CHECK_DISK_FREE_SPACE`), for file systems that report no free space.
package enum OutputSizeCheck {
    /// The variable that sets the limit, in GiB.
    package static let limitVariable = "GEOMAP_MAX_OUTPUT_GIB"
    /// The variable that turns the free-space check off (`NO`, `FALSE`, `OFF` or `0`).
    package static let freeSpaceVariable = "GEOMAP_CHECK_DISK_FREE_SPACE"
    /// The limit when the variable is not set: 1 TiB.
    package static let defaultLimitGiB = 1024.0

    /// - Throws: ``OutputError/tooLarge(path:size:shape:limit:)`` (exit 2),
    ///   ``OutputError/badSetting(variable:value:reason:)`` (exit 2),
    ///   ``OutputError/noSpace(directory:needed:free:)`` (exit 74).
    /// - Parameter environment: the variables to read (default: this process's).
    package static func check(
        _ outputs: [PlannedOutput], directory: String, environment: [String: String]? = nil
    ) throws {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let limit = try limitBytes(environment) {
            for output in outputs where output.bytes > limit {
                throw OutputError.tooLarge(
                    path: output.path, size: output.bytes, shape: output.shape, limit: limit)
            }
        }
        let switchedOff = ["NO", "FALSE", "OFF", "0"]
        if let value = environment[freeSpaceVariable],
            switchedOff.contains(value.uppercased())
        {
            return
        }
        let needed = outputs.reduce(0) { total, output in
            total.addingReportingOverflow(output.stagedBytes).overflow
                ? Int.max : total + output.stagedBytes
        }
        guard needed > 0, let free = freeBytes(directory), needed > free else { return }
        throw OutputError.noSpace(directory: directory, needed: needed, free: free)
    }

    /// The limit in bytes, `nil` for none.
    static func limitBytes(_ environment: [String: String]) throws -> Int? {
        guard let text = environment[limitVariable]?.trimmingCharacters(in: .whitespaces),
            !text.isEmpty
        else { return Int(defaultLimitGiB * 1024 * 1024 * 1024) }
        if text.lowercased() == "none" { return nil }
        guard let gib = Double(text), gib.isFinite, gib > 0 else {
            throw OutputError.badSetting(
                variable: limitVariable, value: text,
                reason: "a positive number of GiB (or none) is expected")
        }
        let bytes = gib * 1024 * 1024 * 1024
        return bytes >= Double(Int.max) ? nil : Int(bytes)
    }

    /// The bytes an unprivileged process may still write in `directory`, or `nil` when the
    /// file system does not say.
    static func freeBytes(_ directory: String) -> Int? {
        var info = statvfs()
        guard statvfs(directory, &info) == 0, info.f_frsize > 0 else { return nil }
        return PlannedOutput.saturatingProduct([Int(info.f_bavail), Int(info.f_frsize)])
    }

    /// `bytes` in binary units, e.g. `1.6 TiB`, and exactly for small values.
    package static func describe(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let text = value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
        return "\(text) \(units[unit])"
    }
}

extension OutputSet {
    /// Checks the planned outputs against the size limit and the output folder's free space
    /// (``OutputSizeCheck``); call it as soon as the outputs' sizes are known, before the
    /// writers are created.
    package func checkSize(_ outputs: [PlannedOutput]) throws {
        try OutputSizeCheck.check(outputs, directory: directory)
    }
}
