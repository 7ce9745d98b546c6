import Foundation
import TestSupport
import Testing

/// Long CSV rows keyed by (basin, time, variable, stat).
private func readLong(_ url: URL) throws -> [[String]: Double] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var rows: [[String]: Double] = [:]
    for line in text.split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if f.count == 5 { rows[Array(f[0..<4])] = Double(f[4]) ?? .nan }
    }
    return rows
}

private var samples: URL { TestPaths.samples }
private var goldens: URL { TestPaths.fixtures.appendingPathComponent("zonal") }

@Suite("geomap zonal")
struct ZonalCommandTests {
    @Test("forcings in another CRS than the basins: daily means match exactextract (1e-5)")
    func forcingsMatchExactextract() throws {
        let dir = try makeTemporaryDirectory("zonal-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("series.csv")
        let result = try runGeomap([
            "zonal", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--id-field", "basin_id", "--forcings",
            samples.appendingPathComponent("forcings.nc").path, "--var", "pr", "--var",
            "tasmax", "--stat", "mean", "--to", "2016-02-29", "--out", out.path,
            "--weights-cache", dir.appendingPathComponent("cache").path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let got = try readLong(out)
        let expected = try readLong(goldens.appendingPathComponent("forcings_mean.csv"))
        #expect(expected.count == 840)
        #expect(got.count == expected.count)
        for (key, value) in expected {
            let mine = try #require(got[key], "missing \(key)")
            #expect(abs(mine - value) <= 1e-5 * max(abs(value), 1e-6), "\(key)")
        }
    }

    @Test("a static raster with nodata inside a basin: every statistic matches exactextract")
    func rasterMatchesExactextract() throws {
        let dir = try makeTemporaryDirectory("zonal-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("clay.csv")
        var arguments = [
            "zonal", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--raster", samples.appendingPathComponent("static/clay.tif").path,
            "--out", out.path, "--no-weights-cache",
        ]
        for stat in ["mean", "sum", "count", "min", "max", "stdev"] {
            arguments += ["--stat", stat]
        }
        let result = try runGeomap(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let got = try readLong(out)
        let expected = try readLong(goldens.appendingPathComponent("static_stats.csv"))
            .filter { $0.key[2] == "clay" }
        #expect(expected.count == 42)
        for (key, value) in expected {
            let mine = try #require(got[key], "missing \(key)")
            #expect(abs(mine - value) <= 1e-5 * max(abs(value), 1e-6), "\(key)")
        }
    }

    @Test("missing cells are left out and renormalised; an all-missing basin is NaN, reported")
    func missingValues() throws {
        let dir = try makeTemporaryDirectory("zonal-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        // forcings.nc cell (lat 44.45–44.50, lon 20.05–20.10) is missing at every step.
        let basins = dir.appendingPathComponent("boxes.geojson")
        try writeGeoJSONBoxes(
            [
                ("half", [20.05, 44.45, 20.15, 44.50]),  // the missing cell + its neighbour
                ("neighbour", [20.10, 44.45, 20.15, 44.50]),
                ("inside", [20.06, 44.46, 20.09, 44.49]),  // within the missing cell
            ], to: basins)
        let out = dir.appendingPathComponent("m.csv")
        let result = try runGeomap([
            "zonal", "--basins", basins.path, "--forcings",
            samples.appendingPathComponent("forcings.nc").path, "--var", "tasmax",
            "--stat", "mean", "--stat", "valid_share", "--stat", "count", "--to",
            "2016-01-10", "--out", out.path, "--no-weights-cache",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("basin inside has no valid cell at 10 of 10 steps"))
        let rows = try readLong(out)
        for day in 1...10 {
            let date = "2016-01-\(day < 10 ? "0" : "")\(day)"
            let half = try #require(rows[["half", date, "tasmax", "mean"]])
            let neighbour = try #require(rows[["neighbour", date, "tasmax", "mean"]])
            #expect(abs(half - neighbour) < 1e-9 * abs(neighbour))
            #expect(abs(try #require(rows[["half", date, "tasmax", "valid_share"]]) - 0.5) < 1e-9)
            #expect(try #require(rows[["inside", date, "tasmax", "mean"]]).isNaN)
            #expect(rows[["inside", date, "tasmax", "valid_share"]] == 0)
            #expect(rows[["inside", date, "tasmax", "count"]] == 0)
        }
    }

    @Test("CF NetCDF output, weights CSV, and a corrupt cache recomputed with a warning")
    func netCDFWeightsAndCache() throws {
        let dir = try makeTemporaryDirectory("zonal-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = dir.appendingPathComponent("cache")
        let out = dir.appendingPathComponent("series.nc")
        let weightsCSV = dir.appendingPathComponent("weights.csv")
        let arguments = [
            "zonal", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--forcings", samples.appendingPathComponent("forcings.nc").path, "--var", "pr",
            "--stat", "mean", "--stat", "max", "--out", out.path, "--weights", weightsCSV.path,
            "--weights-cache", cache.path,
        ]
        let first = try runGeomap(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("weights cache miss"))
        let header = try Data(contentsOf: out).prefix(4)
        // NetCDF-4 (HDF5 signature) or classic ("CDF").
        let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46]
        let classic: [UInt8] = [0x43, 0x44, 0x46]
        #expect(header.elementsEqual(hdf5) || header.starts(with: classic))
        // Weights: every basin listed; the sub-cell basin B007 has coverage < 1 everywhere.
        let lines = try String(contentsOf: weightsCSV, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "basin_id,row,col,coverage")
        let ids = Set(lines.dropFirst().map { $0.split(separator: ",")[0] })
        #expect(ids == ["B001", "B002", "B003", "B004", "B005", "B006", "B007"])
        let b007 = lines.filter { $0.hasPrefix("B007,") }
            .map { Double($0.split(separator: ",")[3])! }
        #expect(!b007.isEmpty && b007.allSatisfy { $0 > 0 && $0 < 1 })

        let second = try runGeomap(arguments)
        #expect(second.status == 0 && second.stderr.contains("weights cache hit"))
        let files = try FileManager.default.contentsOfDirectory(
            at: cache, includingPropertiesForKeys: nil)
        #expect(files.count == 1)
        try Data("garbage".utf8).write(to: files[0])
        let third = try runGeomap(arguments)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stderr.contains("recomputing the weights"))
        #expect(third.stderr.contains("recomputed (corrupt cache)"))
    }

    @Test("bad arguments and inputs exit 2 with one clear line and leave no output")
    func errors() throws {
        let dir = try makeTemporaryDirectory("zonal-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let basins = samples.appendingPathComponent("basins.shp").path
        let forcings = samples.appendingPathComponent("forcings.nc").path
        let clay = samples.appendingPathComponent("static/clay.tif").path
        let far = dir.appendingPathComponent("far.geojson")
        try writeGeoJSONBoxes([("far", [-60, -10, -59, -9])], to: far)
        let cases: [([String], String)] = [
            (["--forcings", forcings, "--var", "pr", "--stat", "median"], "--stat"),
            (["--forcings", forcings, "--raster", clay, "--stat", "mean"], "not both"),
            (["--forcings", forcings, "--stat", "mean"], "--var"),
            (["--forcings", forcings, "--var", "nope", "--stat", "mean"], "nope"),
            (["--raster", clay, "--band", "3", "--stat", "mean"], "--band 3"),
            (["--raster", clay, "--stat", "mean", "--out-ext", "nc"], "CSV"),
            (
                ["--forcings", forcings, "--var", "pr", "--stat", "mean", "--out-ext", "txt"],
                ".csv or .nc"
            ),
            (
                ["--forcings", forcings, "--var", "pr", "--stat", "mean", "--from", "2030-01-01"],
                "no time step"
            ),
            (
                ["--forcings", forcings, "--var", "pr", "--stat", "mean", "--to", "2016-02-30"],
                "'2016-02-30' is not a date YYYY-MM-DD of the forcing's standard calendar"
            ),
        ]
        for (extra, message) in cases {
            var arguments = ["zonal", "--basins", basins, "--no-weights-cache"]
            var ext = "csv"
            var rest = extra
            if let i = rest.firstIndex(of: "--out-ext") {
                ext = rest[i + 1]
                rest.removeSubrange(i...(i + 1))
            }
            let out = dir.appendingPathComponent("out.\(ext)")
            arguments += rest + ["--out", out.path]
            let result = try runGeomap(arguments)
            #expect(result.status == 2, "\(extra): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(extra): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
        let outside = try runGeomap([
            "zonal", "--basins", far.path, "--forcings", forcings, "--var", "pr", "--stat",
            "mean", "--out", dir.appendingPathComponent("o.csv").path, "--no-weights-cache",
        ])
        #expect(outside.status == 2)
        #expect(outside.stderr.contains("outside the grid"))
        #expect(outside.stderr.contains("geomap: error:"))
        let missing = try runGeomap([
            "zonal", "--basins", dir.appendingPathComponent("none.shp").path, "--raster", clay,
            "--stat", "mean", "--out", dir.appendingPathComponent("o.csv").path,
        ])
        #expect(missing.status == 2 && missing.stderr.contains("none.shp"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.contains("partial") || $0.hasPrefix("out.") || $0 == "o.csv" }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("--area-weighted on the lat/lon forcing: count is the basin's area in m²")
    func areaWeighted() throws {
        let dir = try makeTemporaryDirectory("zonal-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a.csv")
        let result = try runGeomap([
            "zonal", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--forcings", samples.appendingPathComponent("forcings.nc").path, "--var", "tasmax",
            "--stat", "count", "--stat", "mean", "--area-weighted", "--to", "2016-01-01",
            "--out", out.path, "--no-weights-cache",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try readLong(out)
        // Planar areas in EPSG:32634 from samples/README.md (km²); the sphere agrees to < 1 %.
        let areas = ["B001": 216.7, "B002": 417.3, "B004": 232.7, "B007": 6.6]
        for (id, km2) in areas {
            let count = try #require(rows[[id, "2016-01-01", "tasmax", "count"]])
            #expect(abs(count / 1e6 - km2) / km2 < 0.01, "\(id): \(count / 1e6) km²")
        }
        let plain = try readLong(goldens.appendingPathComponent("forcings_mean.csv"))
        let mean = try #require(rows[["B002", "2016-01-01", "tasmax", "mean"]])
        let golden = try #require(plain[["B002", "2016-01-01", "tasmax", "mean"]])
        #expect(abs(mean - golden) / golden < 1e-4)  // tiny basin-internal area differences
    }
}
