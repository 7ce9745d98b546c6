package import Foundation

/// Paths the tests use: the repository, its samples and fixtures, and `../shared` when present.
package enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    package static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// `samples/` at the repository root.
    package static var samples: URL { repository.appendingPathComponent("samples") }

    /// `Tests/Fixtures/` (small committed files made by scripts in `tools/`).
    package static var fixtures: URL {
        repository.appendingPathComponent("Tests").appendingPathComponent("Fixtures")
    }

    /// `../shared` beside the repository (or `$GEOMAP_SHARED`), or `nil` when it is absent.
    /// Tests that need it are skipped with a message saying so.
    package static var shared: URL? {
        let candidate =
            ProcessInfo.processInfo.environment["GEOMAP_SHARED"].map {
                URL(fileURLWithPath: $0)
            } ?? repository.deletingLastPathComponent().appendingPathComponent("shared")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { return nil }
        return candidate
    }

    /// The real BigEarthNet-Landsat tiles in `../shared/data/`, or `nil` when absent.
    package static var bigEarthNetImages: URL? {
        guard let shared else { return nil }
        let url = shared.appendingPathComponent("data/bigearthnet-landsat-sample/images")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The message a test prints when it skips for lack of `../shared`.
    package static let sharedAbsentMessage =
        "skipped: ../shared is absent (set GEOMAP_SHARED to run tests on the real data)"
}

/// A fresh temporary directory, removed by the caller (or left for the OS to clean).
package func makeTemporaryDirectory(_ label: String = "geomap-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The outcome of running the `geomap` binary.
package struct CommandResult: Sendable {
    package let status: Int32
    package let stdout: String
    package let stderr: String
}

/// The built `geomap` binary: `$GEOMAP_BIN`, else the sibling of the running test bundle.
package func geomapExecutable() -> URL {
    if let path = ProcessInfo.processInfo.environment["GEOMAP_BIN"] {
        return URL(fileURLWithPath: path)
    }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // Inside an .xctest bundle (macOS) the binary sits beside the bundle.
    while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents"
        || directory.lastPathComponent == "MacOS"
    {
        directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("geomap")
}

/// Runs `geomap` with `arguments` and collects its exit status and output.
package func runGeomap(
    _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil
) throws -> CommandResult {
    try runProgram(geomapExecutable(), arguments, environment: environment, in: directory)
}

/// Runs a GDAL command-line tool (gdal-bin, installed by scripts/install-deps) found on PATH.
/// - Throws: when the tool cannot be started or exits non-zero (its stderr in the message).
@discardableResult
package func runGDALTool(_ tool: String, _ arguments: [String]) throws -> CommandResult {
    let result = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments)
    guard result.status == 0 else {
        throw ToolError(message: "\(tool) \(arguments) exited \(result.status): \(result.stderr)")
    }
    return result
}

/// A helper program that failed.
package struct ToolError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}

/// Runs `executable` with `arguments` and collects its exit status and output.
package func runProgram(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
    in directory: URL? = nil
) throws -> CommandResult {
    let (process, outPipe, errPipe) = configuredProcess(
        executable, arguments, environment: environment, in: directory)
    try process.run()
    // Read both pipes concurrently so a large output cannot dead-lock the child.
    let errData = LockedData()
    let errThread = Thread { errData.set(errPipe.fileHandleForReading.readDataToEndOfFile()) }
    errThread.start()
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errData.isSet { Thread.sleep(forTimeInterval: 0.001) }
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData.value, as: UTF8.self))
}

/// A process for `executable` with `NO_COLOR=1` and `environment` added to this one's, its
/// output and errors going to the pipes returned.
func configuredProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String],
    in directory: URL? = nil
) -> (process: Process, output: Pipe, errors: Pipe) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    return (process, output, errors)
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) {
        lock.lock()
        data = value
        lock.unlock()
    }
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return data != nil
    }
    var value: Data {
        lock.lock()
        defer { lock.unlock() }
        return data ?? Data()
    }
}

/// Writes a GeoJSON (EPSG:4326) polygon layer of lon/lat rectangles with a `basin_id` field.
/// - Parameter boxes: `(id, [west, south, east, north])` in degrees.
package func writeGeoJSONBoxes(_ boxes: [(String, [Double])], to url: URL) throws {
    let features = boxes.map { id, b in
        let ring =
            "[[\(b[0]),\(b[1])],[\(b[2]),\(b[1])],[\(b[2]),\(b[3])],[\(b[0]),\(b[3])],"
            + "[\(b[0]),\(b[1])]]"
        return "{\"type\":\"Feature\",\"properties\":{\"basin_id\":\"\(id)\"},"
            + "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[\(ring)]}}"
    }
    let text = "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}"
    try Data(text.utf8).write(to: url)
}

/// Writes a NetCDF-4 file from CDL text with `ncgen` (Debian netcdf-bin, installed with geomap's
/// dependencies); CDL's special attributes (`_ChunkSizes`, `_DeflateLevel`, `_Shuffle`,
/// `_Fletcher32`, `_Endianness`) set the storage.
package func makeNetCDF(_ url: URL, cdl: String) throws {
    let cdlURL = url.deletingPathExtension().appendingPathExtension("cdl")
    try cdl.write(to: cdlURL, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ncgen")
    process.arguments = ["-k", "nc4", "-o", url.path, cdlURL.path]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
    }
}
