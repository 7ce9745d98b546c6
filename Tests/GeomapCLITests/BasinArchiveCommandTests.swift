import Foundation
import GeoNetCDF
import TestSupport
import Testing

private var samples: URL { TestPaths.samples }

private func predict(_ forcing: URL, out: URL, cache: URL, _ extra: [String] = [])
    throws -> CommandResult
{
    try runGeomap(
        [
            "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--forcings", forcing.path, "--out", out.path, "--weights-cache", cache.path,
            "--static-raster",
        ] + sampleStaticRasters + extra)
}

/// The data variables of a per-basin NetCDF file by name: values as Float (NaN for fill),
/// and the digests of a forcing archive.
private func contents(_ path: URL) throws -> (values: [String: [Float]], digests: [String]) {
    let file = try NetCDFFile(opening: path.path)
    var result: [String: [Float]] = [:]
    var digests: [String] = []
    for variable in try file.variables() {
        switch variable.name {
        case "source_digest":
            digests = try file.readStrings(variable)
        case _ where variable.dimensions == ["station", "time"]:
            result[variable.name] = try file.readFloats(
                variable, start: [0, 0], count: variable.shape)
        default: continue
        }
    }
    try file.close()
    return (result, digests)
}

/// The largest absolute difference between two files' variables (which must be the same,
/// of the same shape, with NaN at the same places), or infinity when their digests differ.
private func difference(_ a: URL, _ b: URL) throws -> Float {
    let (first, second) = (try contents(a), try contents(b))
    if first.digests != second.digests { return .infinity }
    let (x, y) = (first.values, second.values)
    #expect(x.keys.sorted() == y.keys.sorted())
    var largest: Float = 0
    for (name, values) in x {
        let other = y[name] ?? []
        #expect(values.count == other.count, "\(name)")
        for (u, v) in zip(values, other) {
            #expect(u.isNaN == v.isNaN, "\(name)")
            if !u.isNaN, !v.isNaN { largest = max(largest, abs(u - v)) }
        }
    }
    return largest
}

@Suite("geomap predict --basins --archive: nights, re-issued days, geomap run with groups")
struct BasinArchiveCommandTests {
    @Test("five nights, one day each, then a re-issued day: the archives equal one-shot runs")
    func fiveNights() throws {
        let dir = try makeTemporaryDirectory("basin-archive")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cache, archive) = (
            dir.appendingPathComponent("cache"), dir.appendingPathComponent("nightly")
        )
        let forcing = dir.appendingPathComponent("forcings.nc")
        let first = 400
        for night in 0..<5 {
            try forcingCopy(days: first + night, to: forcing)
            let result = try predict(forcing, out: archive, cache: cache, ["--archive"])
            #expect(result.status == 0, "night \(night): \(result.stderr)")
            let expected =
                night == 0
                ? "archive: \(first) forcing days aggregated (0 from the archive)"
                : "archive: 1 forcing day aggregated (\(first + night - 1) from the archive)"
            #expect(result.stderr.contains(expected), "night \(night): \(result.stderr)")
            #expect(!result.stderr.contains("rebuilt"), "\(result.stderr)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: archive.path).sorted()
        #expect(names == ["basins.forcings.nc", "basins.gpkg", "basins.nc"])
        // One-shot runs over the whole period: with --archive into an empty folder (forcing
        // archive and predictions), and plain predict (the predictions' layout and values).
        let once = dir.appendingPathComponent("once")
        let plain = dir.appendingPathComponent("plain")
        #expect(try predict(forcing, out: once, cache: cache, ["--archive"]).status == 0)
        #expect(try predict(forcing, out: plain, cache: cache).status == 0)
        let forcings = "basins.forcings.nc"
        #expect(
            try difference(
                archive.appendingPathComponent(forcings), once.appendingPathComponent(forcings))
                == 0)
        let nc = "basins.nc"
        let tolerance: Float = 0
        let toOnce = try difference(
            archive.appendingPathComponent(nc), once.appendingPathComponent(nc))
        #expect(toOnce <= tolerance, "\(toOnce)")
        let toPlain = try difference(
            archive.appendingPathComponent(nc), plain.appendingPathComponent(nc))
        #expect(toPlain <= tolerance, "\(toPlain)")
        let file = try NetCDFFile(opening: archive.appendingPathComponent(nc).path)
        #expect(try file.dimensions().first { $0.name == "time" }?.isUnlimited == true)
        try file.close()

        // A re-issued file with one day changed: that day alone is aggregated again.
        try forcingCopy(days: first + 4, to: forcing, change: ("pr", 350, 2.5))
        let reissued = try predict(forcing, out: archive, cache: cache, ["--archive"])
        #expect(reissued.status == 0, "\(reissued.stderr)")
        #expect(
            reissued.stderr.contains(
                "archive: 1 forcing day aggregated (\(first + 3) from the archive)"),
            "\(reissued.stderr)")
        let again = dir.appendingPathComponent("again")
        #expect(try predict(forcing, out: again, cache: cache, ["--archive"]).status == 0)
        #expect(
            try difference(
                archive.appendingPathComponent(forcings), again.appendingPathComponent(forcings))
                == 0)
        let toAgain = try difference(
            archive.appendingPathComponent(nc), again.appendingPathComponent(nc))
        #expect(toAgain <= tolerance, "\(toAgain)")
        // The changed day changed the archive.
        #expect(
            try difference(
                archive.appendingPathComponent(forcings), once.appendingPathComponent(forcings))
                > 0)
    }

    @Test(
        "geomap run with groups: five nights, each group aggregates only the new day, the archives and the joined files equal a one-shot run"
    )
    func runNights() throws {
        let dir = try makeTemporaryDirectory("basin-archive-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let statics = sampleStaticRasters.map { "\"\($0)\"" }.joined(separator: ", ")
        func config(_ name: String) throws -> URL {
            let url = dir.appendingPathComponent("\(name).yaml")
            try """
            version: 1
            jobs:
              - name: streamflow
                kind: predict-basins
                basins: \(samples.appendingPathComponent("basins.shp").path)
                forcings: forcings.nc
                static-raster: [\(statics)]
                weights-cache: cache
                group-size: 3
                out: \(name)
            """.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        let nightly = try config("nightly")
        let forcing = dir.appendingPathComponent("forcings.nc")
        let groups = ["group-0000", "group-0001", "group-0002"]  // 7 basins in groups of 3
        let first = 400
        for night in 0..<5 {
            try forcingCopy(days: first + night, to: forcing)
            let result = try runGeomap(["run", nightly.path])
            #expect(result.status == 0, "night \(night): \(result.stderr)")
            #expect(result.stderr.contains("joined 3 groups"), "\(result.stderr)")
            for group in groups {
                let log = try String(
                    contentsOf: dir.appendingPathComponent(
                        "nightly.run/logs/streamflow__\(group).log"), encoding: .utf8)
                let expected =
                    night == 0
                    ? "archive: \(first) forcing days aggregated (0 from the archive)"
                    : "archive: 1 forcing day aggregated (\(first + night - 1) from the archive)"
                #expect(log.contains(expected), "night \(night), \(group): \(log)")
            }
        }
        let resolved = try String(
            contentsOf: dir.appendingPathComponent("nightly.run/config.resolved.json"),
            encoding: .utf8)
        #expect(resolved.contains("--archive"), "\(resolved)")
        let names = try FileManager.default.contentsOfDirectory(
            atPath: dir.appendingPathComponent("nightly").path
        ).sorted()
        let groupFiles = groups.flatMap { group in
            ["forcings.nc", "gpkg", "nc"].map { "basins.\(group).\($0)" }
        }
        #expect(names == (["basins.gpkg", "basins.nc"] + groupFiles).sorted())
        // A one-shot run over the whole period in a fresh folder, and a plain predict.
        let oneShot = try runGeomap(["run", try config("once").path])
        #expect(oneShot.status == 0, "\(oneShot.stderr)")
        let plain = dir.appendingPathComponent("plain")
        let cache = dir.appendingPathComponent("cache")
        #expect(try predict(forcing, out: plain, cache: cache).status == 0)
        let (a, b) = (dir.appendingPathComponent("nightly"), dir.appendingPathComponent("once"))
        for name in groupFiles where name.hasSuffix(".nc") {
            let d = try difference(a.appendingPathComponent(name), b.appendingPathComponent(name))
            #expect(d == 0, "\(name): \(d)")
        }
        let joined = try difference(
            a.appendingPathComponent("basins.nc"), b.appendingPathComponent("basins.nc"))
        #expect(joined == 0, "\(joined)")
        let toPlain = try difference(
            a.appendingPathComponent("basins.nc"), plain.appendingPathComponent("basins.nc"))
        #expect(toPlain == 0, "\(toPlain)")
        // The joined file holds the whole period (after the 90-day warm-up) and is no archive.
        let file = try NetCDFFile(opening: a.appendingPathComponent("basins.nc").path)
        #expect(try file.dimensions().first { $0.name == "time" }?.length == first + 4 - 90)
        #expect(try !file.globalAttributes().contains { $0.name == "geomap_archive_inputs" })
        try file.close()
    }
}
