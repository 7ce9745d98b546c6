import Foundation
import GeomapCore
import Models
import TestSupport
import Testing

private var samples: URL { TestPaths.samples }
private var region: String { samples.appendingPathComponent("region.tif").path }

/// A random-weight XXS tile model with three classes.
private func tileModel(in directory: URL) throws -> String {
    let url = directory.appendingPathComponent("xxs.safetensors")
    try MoEMAETileModel.writeRandomModel(
        architecture: "moe-mae-xxs", classes: ["water", "forest", "urban"], reshape: nil, to: url)
    return url.path
}

/// A folder `name/keep/f` holding "precious", at an output name.
private func occupiedByDirectory(_ path: URL) throws -> URL {
    let keep = path.appendingPathComponent("keep")
    try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
    let file = keep.appendingPathComponent("f")
    try Data("precious".utf8).write(to: file)
    return file
}

private func zonalArguments(out: String, forcing: String? = nil) -> [String] {
    [
        "zonal", "--basins", samples.appendingPathComponent("basins.shp").path, "--forcings",
        forcing ?? samples.appendingPathComponent("forcings.nc").path, "--var", "pr", "--stat",
        "mean", "--to", "2016-01-31", "--out", out, "--no-weights-cache", "--quiet",
    ]
}

@Suite("outputs: names taken, outputs that are inputs, locks, stale temporaries, long names")
struct OutputSafetyCommandTests {
    @Test("a directory at an output name (predict, embed, zonal): exit 2, its content survives")
    func directoryAtOutputName() throws {
        let dir = try makeTemporaryDirectory("outputs-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try tileModel(in: dir)
        let out = dir.appendingPathComponent("o")
        let cases: [(URL, [String])] = [
            (
                out.appendingPathComponent("region.probabilities.tif"),
                ["predict", "--in", region, "--model", model, "--out", out.path, "--quiet"]
            ),
            (
                dir.appendingPathComponent("e.tif"),
                [
                    "embed", "--in", region, "--model", model, "--pool", "cls", "--out",
                    dir.appendingPathComponent("e.tif").path, "--quiet",
                ]
            ),
            (
                dir.appendingPathComponent("z.csv"),
                zonalArguments(out: dir.appendingPathComponent("z.csv").path)
            ),
        ]
        for (taken, arguments) in cases {
            let precious = try occupiedByDirectory(taken)
            let result = try runGeomap(arguments)
            #expect(result.status == 2, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("\(taken.path): an output name is taken by a directory"))
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(FileManager.default.contents(atPath: precious.path) == Data("precious".utf8))
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out.path)
                == ["region.probabilities.tif"])
    }

    @Test("an output that is an input (same path, hard link, symbolic link): exit 2, untouched")
    func outputIsInput() throws {
        let dir = try makeTemporaryDirectory("outputs-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let forcing = dir.appendingPathComponent("forcings.nc")
        try FileManager.default.copyItem(
            at: samples.appendingPathComponent("forcings.nc"), to: forcing)
        let original = try Data(contentsOf: forcing)
        let hard = dir.appendingPathComponent("hard.nc")
        #expect(link(forcing.path, hard.path) == 0)
        let alias = dir.appendingPathComponent("alias")
        try FileManager.default.createSymbolicLink(
            atPath: alias.path, withDestinationPath: dir.path)
        for out in [forcing.path, hard.path, alias.appendingPathComponent("forcings.nc").path] {
            let result = try runGeomap(zonalArguments(out: out, forcing: forcing.path))
            #expect(result.status == 2, "\(out): \(result.stderr)")
            #expect(result.stderr.contains("is the input \(forcing.path)"), "\(result.stderr)")
        }
        // embed --in r.tif --out r.tif
        let raster = dir.appendingPathComponent("r.tif")
        try FileManager.default.copyItem(atPath: region, toPath: raster.path)
        let model = try tileModel(in: dir)
        let embed = try runGeomap([
            "embed", "--in", raster.path, "--model", model, "--pool", "cls", "--out",
            raster.path, "--quiet",
        ])
        #expect(embed.status == 2, "\(embed.stderr)")
        #expect(embed.stderr.contains("output \(raster.path) is the input \(raster.path)"))
        #expect(try Data(contentsOf: forcing) == original)
        #expect(try Data(contentsOf: raster) == Data(contentsOf: URL(fileURLWithPath: region)))
    }

    @Test("predict --basins B.gpkg --out B's folder would replace the basins: exit 2")
    func basinsGeoPackageIsInput() throws {
        let dir = try makeTemporaryDirectory("outputs-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let statics = try FileManager.default.contentsOfDirectory(
            atPath: samples.appendingPathComponent("static").path
        ).filter { $0.hasSuffix(".tif") }.sorted().map {
            samples.appendingPathComponent("static/\($0)").path
        }
        let arguments =
            [
                "predict", "--forcings", samples.appendingPathComponent("forcings.nc").path,
                "--start", "2016-06-01", "--end", "2016-06-10", "--quiet", "--out", dir.path,
                "--static-raster",
            ] + statics + ["--basins"]
        let first = try runGeomap(arguments + [samples.appendingPathComponent("basins.shp").path])
        #expect(first.status == 0, "\(first.stderr)")
        let basins = dir.appendingPathComponent("basins.gpkg")
        let before = try Data(contentsOf: basins)
        let second = try runGeomap(arguments + [basins.path])
        #expect(second.status == 2, "\(second.stderr)")
        #expect(second.stderr.contains("output \(basins.path) is the input \(basins.path)"))
        #expect(try Data(contentsOf: basins) == before)
    }

    @Test("a second writer of the same outputs exits 75 naming the holder; nothing is lost")
    func secondWriter() throws {
        let dir = try makeTemporaryDirectory("outputs-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("c.tif").path
        let arguments = ["convert", samples.appendingPathComponent("region.labels.tif").path, out]
        #expect(try runGeomap(arguments).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let holder = try OutputLock(directory: dir.path, key: "c.tif")
        let blocked = try runGeomap(arguments)
        #expect(blocked.status == 75, "\(blocked.stderr)")
        #expect(blocked.stderr.contains("being written by geomap process \(getpid())"))
        #expect(blocked.stderr.split(separator: "\n").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
        holder.release()
        #expect(try runGeomap(arguments).status == 0)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
                == ["c.qml", "c.tif", "c.tif.aux.xml"])
    }

    @Test("temporaries of dead runs are removed by the next run in the folder")
    func staleTemporaries() throws {
        let dir = try makeTemporaryDirectory("outputs-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dead = try deadProcessID()
        let stale = [".geomap-\(dead)-0a1b2c3d.scratch.tif", ".geomap-\(dead)-4e5f6a7b.staging"]
        try Data("x".utf8).write(to: dir.appendingPathComponent(stale[0]))
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent(stale[1] + "/new"), withIntermediateDirectories: true)
        try Data("y".utf8).write(to: dir.appendingPathComponent(stale[1] + "/new/c.tif"))
        let result = try runGeomap([
            "convert", samples.appendingPathComponent("static/elevation.tif").path,
            dir.appendingPathComponent("c.tif").path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["c.tif"])
    }

    @Test("a 225-character stem: predict and convert write every output (names ≤ 255 bytes)")
    func longStem() throws {
        let dir = try makeTemporaryDirectory("outputs-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stem = String(repeating: "a", count: 225)
        let input = dir.appendingPathComponent("\(stem).tif")
        try FileManager.default.copyItem(atPath: region, toPath: input.path)
        let model = try tileModel(in: dir)
        let out = dir.appendingPathComponent("o")
        let predict = try runGeomap([
            "predict", "--in", input.path, "--model", model, "--out", out.path, "--quiet",
        ])
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == [
                    "\(stem).classes.qml", "\(stem).classes.tif", "\(stem).classes.tif.aux.xml",
                    "\(stem).probabilities.qml", "\(stem).probabilities.tif",
                ])
        let converted = out.appendingPathComponent("\(stem).tif").path
        let convert = try runGeomap(["convert", input.path, converted])
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(FileManager.default.fileExists(atPath: converted))
    }

    @Test("writes beyond the file-size limit while writing NetCDF: exit 74, one line, no crash")
    func fileSizeLimit() throws {
        let dir = try makeTemporaryDirectory("outputs-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // SIGXFSZ ignored: a write past `ulimit -f` fails with EFBIG (as a full disk fails with
        // ENOSPC) inside HDF5, which used to crash at exit.
        let command = [
            "trap '' XFSZ; ulimit -f 24; exec \"$0\" \"$@\"", geomapExecutable().path, "predict",
            "--basins", samples.appendingPathComponent("basins.shp").path, "--forcings",
            samples.appendingPathComponent("forcings.nc").path, "--start", "2016-06-01",
            "--end", "2016-12-31", "--out", out.path, "--quiet",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c"] + command
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(
            decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 74, "\(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("geomap: error: "), "\(text)")
        #expect(text.contains("File too large"), "\(text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }
}
