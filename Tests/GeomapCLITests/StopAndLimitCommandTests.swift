import Foundation
import GeomapCore
import Models
import OutputFiles
import TestSupport
import Testing

@testable import geomap

#if canImport(Glibc)
    import Glibc
#endif

// Issue 12's last safety paths, through the built binary on real files: the output size limit,
// the free space of the output folder, a virtual-memory limit, SIGINT/SIGTERM while writing,
// and convert's check before commit.

private var samples: URL { TestPaths.samples }
private var region: String { samples.appendingPathComponent("region.tif").path }

/// A random-weight XXS tile model with three classes.
private func tileModel(in directory: URL) throws -> String {
    let url = directory.appendingPathComponent("xxs.safetensors")
    try MoEMAETileModel.writeRandomModel(
        architecture: "moe-mae-xxs", classes: ["water", "forest", "urban"], reshape: nil, to: url)
    return url.path
}

/// Every file in `folder` with its bytes.
private func snapshot(_ folder: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
        files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
    }
    return files
}

private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

/// `geomap zonal` of every sample forcing (7 basins × 731 days × 5 variables) into `out`.
private func zonalCommand(out: URL, statistic: String = "mean") -> [String] {
    [
        "zonal", "--basins", samples.appendingPathComponent("basins.shp").path, "--forcings",
        samples.appendingPathComponent("forcings.nc").path, "--var", "pr", "--var", "tasmax",
        "--var", "tasmin", "--var", "rsds", "--var", "hurs", "--stat", statistic, "--out",
        out.path, "--no-weights-cache", "--quiet",
    ]
}

/// Whether this machine lets an unprivileged process mount a small tmpfs in a user and mount
/// namespace of its own (`unshare -rm`): then the free-space check meets a real small disk.
private let userNamespaces: Bool = {
    guard
        let result = try? runProgram(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["unshare", "--user", "--map-root-user", "--mount", "true"])
    else { return false }
    return result.status == 0
}()

@Suite("safety limits and stops through the binary (issue 12)")
struct StopAndLimitCommandTests {
    @Test(
        "convert over the size limit: exit 2 naming the limit and GEOMAP_MAX_OUTPUT_GIB; the value it names lets the run through"
    )
    func outputSizeLimit() throws {
        let dir = try makeTemporaryDirectory("limits-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 0.01 m pixels of a 30 m raster: 1,200,000 × 900,000 px, 7 bands of 2 bytes (13.8 TiB).
        let fine = dir.appendingPathComponent("fine.tif").path
        let huge = try runGeomap(["convert", region, fine, "--resolution", "0.01"])
        #expect(huge.status == 2, "\(huge.stderr)")
        #expect(lines(huge.stderr).count == 1, "\(huge.stderr)")
        #expect(
            huge.stderr.contains(
                "\(fine): the output would be 13.8 TiB uncompressed (1200000×900000 px, 7 bands "
                    + "of 2 bytes), over the limit of 1.0 TiB; if that is meant, raise the limit: "
                    + "GEOMAP_MAX_OUTPUT_GIB=14082"), "\(huge.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)

        // A small limit: 15 m pixels are 800 × 600 px × 7 bands × 2 bytes = 6.4 MiB.
        let out = dir.appendingPathComponent("c.tif").path
        let arguments = ["convert", region, out, "--resolution", "15", "--quiet"]
        let over = try runGeomap(arguments, environment: ["GEOMAP_MAX_OUTPUT_GIB": "0.005"])
        #expect(over.status == 2, "\(over.stderr)")
        #expect(lines(over.stderr).count == 1, "\(over.stderr)")
        #expect(
            over.stderr.contains(
                "\(out): the output would be 6.4 MiB uncompressed (800×600 px, 7 bands of 2 "
                    + "bytes), over the limit of 5.1 MiB; if that is meant, raise the limit: "
                    + "GEOMAP_MAX_OUTPUT_GIB=1"), "\(over.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        // Raised to the value the message names, the same run writes its output.
        let named = try #require(over.stderr.split(separator: "=").last)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let raised = try runGeomap(arguments, environment: ["GEOMAP_MAX_OUTPUT_GIB": named])
        #expect(raised.status == 0, "\(raised.stderr)")
        let info = try runGDALTool("gdalinfo", [out]).stdout
        #expect(info.contains("Size is 800, 600"), "\(info)")
        // A value that is no size is refused, naming the variable.
        let bad = try runGeomap(arguments, environment: ["GEOMAP_MAX_OUTPUT_GIB": "lots"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("GEOMAP_MAX_OUTPUT_GIB=lots: a positive number of GiB"))
    }

    @Test(
        "an output folder on a small file system: exit 74 naming the folder before writing (tile predict, zonal); without the check the full disk is exit 74 too",
        .enabled(
            if: userNamespaces,
            "needs unprivileged user namespaces (unshare --user --mount) for a small tmpfs"))
    func freeSpace() throws {
        let dir = try makeTemporaryDirectory("limits-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try tileModel(in: dir)
        let small = dir.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        // In a namespace of its own: a 256 KiB tmpfs on `small`, geomap writing there, then
        // what the run left there (stdout).
        let script = """
            m=$1; shift
            mount -t tmpfs -o size=256k tmpfs "$m" || exit 99
            "$@"; status=$?
            ls -A "$m"
            exit $status
            """
        func run(_ arguments: [String], _ environment: [String: String] = [:]) throws
            -> CommandResult
        {
            try runProgram(
                URL(fileURLWithPath: "/usr/bin/env"),
                [
                    "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh",
                    small.path, geomapExecutable().path,
                ] + arguments, environment: environment)
        }
        func refused(_ result: CommandResult, _ label: String) {
            #expect(result.status == 74, "\(label): \(result.stderr)")
            #expect(lines(result.stderr).count == 1, "\(label): \(result.stderr)")
            #expect(
                result.stderr.hasPrefix(
                    "geomap: error: \(small.path): not enough free space: the outputs need at "
                        + "least "), "\(label): \(result.stderr)")
            #expect(result.stderr.contains(" written there, only "), "\(result.stderr)")
            #expect(result.stdout.isEmpty, "\(label): left in the folder: \(result.stdout)")
        }
        // Stride 1: 400 × 300 px of scratch rasters (classes 1 byte, probabilities 3 × 4 bytes:
        // 1.5 MiB), refused before any tile is run.
        refused(
            try run([
                "predict", "--in", region, "--model", model, "--stride", "1", "--float", "--out",
                small.path, "--quiet",
            ]), "predict")
        // Zonal CSV rows: at least 7 × 731 × 5 rows of 26 bytes.
        let zonal = zonalCommand(out: small.appendingPathComponent("z.csv"))
        refused(try run(zonal), "zonal")
        // The check switched off: the disk fills while writing, still exit 74 in one line, and
        // nothing is left.
        let full = try run(zonal, ["GEOMAP_CHECK_DISK_FREE_SPACE": "NO"])
        #expect(full.status == 74, "\(full.stderr)")
        #expect(lines(full.stderr).count == 1, "\(full.stderr)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
        #expect(full.stdout.isEmpty, "left in the folder: \(full.stdout)")
    }

    @Test(
        "under ulimit -v: exit 74 in one line naming the limit, never a spin or a crash; with room the run ends 0"
    )
    func virtualMemoryLimit() throws {
        let dir = try makeTemporaryDirectory("limits-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try tileModel(in: dir)
        func run(limitMiB: Int, model: String) throws -> (result: CommandResult, ended: Bool) {
            let out = dir.appendingPathComponent("o-\(limitMiB)")
            return try runProgram(
                URL(fileURLWithPath: "/bin/sh"),
                [
                    "-c", "ulimit -v \(limitMiB * 1024) && exec \"$0\" \"$@\"",
                    geomapExecutable().path, "predict", "--in", region, "--model", model,
                    "--out", out.path, "--quiet",
                ], atMost: 900)
        }
        func refusal(_ result: CommandResult, limitMiB: Int) -> Bool {
            result.status == 74 && lines(result.stderr).count == 1
                && result.stderr.hasPrefix(
                    "geomap: error: the virtual-memory limit (ulimit -v: \(limitMiB * 1024) KiB = "
                        + "\(limitMiB) MiB")
                && result.stderr.contains("raise the limit (ulimit -v) or run without it")
        }
        // A model file of 8 GiB (sparse; refused before it is read) needs twice that: more than
        // 4 GiB leave. The message says how much the process maps already.
        let big = dir.appendingPathComponent("big.safetensors").path
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        #expect(truncate(big, 8 << 30) == 0)
        let (first, firstEnded) = try run(limitMiB: 4096, model: big)
        #expect(firstEnded && refusal(first, limitMiB: 4096), "\(first.status): \(first.stderr)")
        // "… (ulimit -v: 4194304 KiB = 4096 MiB, 612 MiB of it already in use) …"
        let inUse = try #require(
            first.stderr.components(separatedBy: " MiB of it already in use").first?
                .split(separator: " ").last.flatMap { Int($0) }, "\(first.stderr)")
        // The real model with a little room above that: OpenBLAS's work buffers do not fit, so
        // the run stops at once (it used to spin in blas_memory_alloc for ever).
        let tight = inUse + 128
        let (second, secondEnded) = try run(limitMiB: tight, model: model)
        #expect(secondEnded, "no end within 900 s under ulimit -v \(tight) MiB")
        #expect(refusal(second, limitMiB: tight), "\(second.status): \(second.stderr)")
        #expect(second.stderr.contains("OpenBLAS work buffer"), "\(second.stderr)")
        // Limits from there up to ample room: each run refuses (74) or runs (0); none spins or
        // crashes.
        let buffers = ProcessInfo.processInfo.activeProcessorCount * 129
        for extra in [256, buffers + 256, buffers + 512, buffers + 1536] {
            let limit = inUse + extra
            let (result, ended) = try run(limitMiB: limit, model: model)
            #expect(ended, "no end within 900 s under ulimit -v \(limit) MiB")
            #expect(
                result.status == 0 || refusal(result, limitMiB: limit),
                "ulimit -v \(limit) MiB: exit \(result.status): \(result.stderr)")
            if extra == buffers + 1536 {
                #expect(result.status == 0, "ulimit -v \(limit) MiB: \(result.stderr)")
            }
        }
    }

    /// The three writers stopped while writing: the commands of the old and the new run.
    static func stopCommand(_ kind: String, model: String, out: URL, new: Bool) -> [String] {
        switch kind {
        case "tile":
            return [
                "predict", "--in", region, "--model", model, "--stride", new ? "20" : "40",
                "--out", out.path, "--quiet",
            ]
        case "basins":
            let statics = ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map {
                samples.appendingPathComponent("static/\($0).tif").path
            }
            return [
                "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
                "--forcings", samples.appendingPathComponent("forcings.nc").path, "--start",
                "2016-06-01", "--end", new ? "2016-12-31" : "2016-06-20", "--out", out.path,
                "--quiet", "--static-raster",
            ] + statics
        default:
            return zonalCommand(
                out: out.appendingPathComponent("z.csv"), statistic: new ? "max" : "mean")
        }
    }

    /// Starts geomap with `arguments`, stops it (SIGSTOP) once its staging folder in `folder`
    /// holds a file being written and before its commit began (no `COMMIT` record), sends
    /// `signal` and lets it go on (SIGCONT).
    /// - Returns: its exit status and stderr, or nil when the run reached its commit (or its
    ///   end) before it could be caught.
    static func interruptWhileWriting(_ arguments: [String], folder: URL, signal: Int32) throws
        -> (status: Int32, stderr: String)?
    {
        let process = Process()
        process.executableURL = geomapExecutable()
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        var caught = false
        let deadline = Date().addingTimeInterval(600)
        let fm = FileManager.default
        while process.isRunning, Date() < deadline {
            let names = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            if let name = names.first(where: {
                $0.hasPrefix(".geomap-\(pid)-") && $0.hasSuffix(".staging")
            }) {
                // Writing: a scratch file beside new/ and old/, or a staged output in new/.
                let staging = folder.appendingPathComponent(name).path
                let scratch = ((try? fm.contentsOfDirectory(atPath: staging)) ?? []).filter {
                    !["LOCK", "new", "old"].contains($0)
                }
                let staged = (try? fm.contentsOfDirectory(atPath: staging + "/new")) ?? []
                if !staged.isEmpty || !scratch.isEmpty {
                    kill(pid, SIGSTOP)
                    // Not yet swapping: no record, no backup linked.
                    let backups = (try? fm.contentsOfDirectory(atPath: staging + "/old")) ?? []
                    if fm.fileExists(atPath: staging + "/new"),
                        !fm.fileExists(atPath: staging + "/COMMIT"), backups.isEmpty
                    {
                        caught = true
                        kill(pid, signal)
                    }
                    kill(pid, SIGCONT)
                    break
                }
            }
            usleep(500)
        }
        if !caught, process.isRunning, Date() >= deadline { kill(pid, SIGKILL) }
        let text = String(
            decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return caught ? (process.terminationStatus, text) : nil
    }

    @Test(
        "SIGINT and SIGTERM while writing (tile predict, basin predict, zonal): exit 130/143, the old set intact, no temporary, no lock file",
        arguments: ["tile", "basins", "zonal"], [SIGINT, SIGTERM])
    func stopWhileWriting(_ kind: String, _ signal: Int32) throws {
        let dir = try makeTemporaryDirectory("stop-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try tileModel(in: dir)
        let out = dir.appendingPathComponent("o")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let old = try runGeomap(Self.stopCommand(kind, model: model, out: out, new: false))
        #expect(old.status == 0, "\(old.stderr)")
        let before = try snapshot(out)
        #expect(!before.isEmpty)
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        var attempts = 0
        var outcome: (status: Int32, stderr: String)?
        // A run that reaches its commit before it is caught replaces the set: put the old one
        // back and try again.
        while outcome == nil, attempts < 8 {
            attempts += 1
            outcome = try Self.interruptWhileWriting(
                Self.stopCommand(kind, model: model, out: out, new: true), folder: out,
                signal: signal)
            if outcome == nil {
                try FileManager.default.removeItem(at: out)
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                for (file, data) in before { try data.write(to: out.appendingPathComponent(file)) }
            }
        }
        let (status, stderr) = try #require(outcome, "\(kind): never caught while writing")
        #expect(status == 128 + signal, "\(kind) \(name): exit \(status): \(stderr)")
        #expect(
            stderr.contains("geomap: stopped by \(name); this run's temporary files were removed"),
            "\(stderr)")
        #expect(!stderr.contains("geomap: error"), "\(stderr)")
        let after = try snapshot(out)
        #expect(after.keys.sorted() == before.keys.sorted(), "\(kind) \(name): \(after.keys)")
        #expect(after == before, "\(kind) \(name): the old set changed")
    }

    @Test("convert: an output corrupted between writing and its check is exit 3, nothing left")
    func convertCorrupted() throws {
        let dir = try makeTemporaryDirectory("convert-check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = samples.appendingPathComponent("region.labels.tif").path
        let out = dir.appendingPathComponent("c.tif").path
        let truncate: @Sendable (String) -> Void = { path in
            if path.hasSuffix("/c.tif") { _ = Glibc.truncate(path, 600) }
        }
        func corruptedRun(_ extra: [String]) throws -> (any Error)? {
            let command = try ConvertCommand.parse([input, out, "--quiet"] + extra)
            return OutputEnvironment.$beforeValidation.withValue(truncate) {
                #expect(throws: (any Error).self) { try command.run() }
            }
        }
        // A new output: nothing under its name, nothing beside it.
        let error = try #require(try corruptedRun([]))
        #expect((error as? ExitStatusProviding)?.exitStatus == .invalidOutput, "\(error)")
        #expect(
            "\(error)".hasPrefix("\(out): the written output failed its check"), "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        // Over an existing set: the old set stays as it was.
        try ConvertCommand.parse([input, out, "--quiet"]).run()
        let before = try snapshot(dir)
        #expect(before.keys.sorted() == ["c.qml", "c.tif", "c.tif.aux.xml"])
        let again = try #require(try corruptedRun(["--compress", "zstd"]))
        #expect((again as? ExitStatusProviding)?.exitStatus == .invalidOutput, "\(again)")
        #expect(try snapshot(dir) == before)
    }
}
