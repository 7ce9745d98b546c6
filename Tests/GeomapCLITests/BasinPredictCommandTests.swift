import Foundation
import GeoNetCDF
import GeoVector
import TestSupport
import Testing

private var samples: URL { TestPaths.samples }

/// The sample static rasters, as a shell glob gives them.
private var staticRasters: [String] {
    ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map {
        samples.appendingPathComponent("static/\($0).tif").path
    }
}

/// `geomap predict --basins` on the sample basins, forcings and static rasters, plus `extra`.
private func predictOnSamples(_ extra: [String]) throws -> CommandResult {
    try runGeomap(
        [
            "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--forcings", samples.appendingPathComponent("forcings.nc").path,
            "--static-raster",
        ] + staticRasters + extra)
}

/// Variables of a NetCDF file by name.
private func variables(_ file: borrowing NetCDFFile) throws -> [String: NetCDFVariable] {
    Dictionary(uniqueKeysWithValues: try file.variables().map { ($0.name, $0) })
}

@Suite("geomap predict --basins / embed --basins")
struct BasinPredictCommandTests {
    @Test("the samples end to end: NetCDF values and flags, OGR polygons, GeoPackage fields")
    func samplesEndToEnd() throws {
        let dir = try makeTemporaryDirectory("basin-predict")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try predictOnSamples([
            "--start", "2016-06-01", "--end", "2016-07-15", "--out", dir.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("7 of 7 basins × 45 days with model stefaland-demo"))
        let nc = dir.appendingPathComponent("basins.nc").path
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["basins.gpkg", "basins.nc"])

        let file = try NetCDFFile(opening: nc)
        let vars = try variables(file)
        let q = try #require(vars["streamflow"])
        #expect(q.shape == [7, 45] && q.attribute("units")?.text == "mm/day")
        #expect(q.attribute("ancillary_variables")?.text == "prediction_flag")
        let values = try file.readFloats(q, start: [0, 0], count: [7, 45])
        let flags = try file.readDoubles(try #require(vars["prediction_flag"]))
        #expect(flags.allSatisfy { $0 == 0 })
        #expect(values.allSatisfy { $0.isFinite && $0 != BasinSeriesWriter.fillValue })
        #expect(try file.readStrings(try #require(vars["basin_id"])) == (1...7).map { "B00\($0)" })
        let globals = try file.globalAttributes()
        func global(_ name: String) -> String? { globals.first { $0.name == name }?.value.text }
        #expect(global("model") == "stefaland-demo" && global("model_is_demo") == "true")
        #expect(global("period") == "2016-06-01/2016-07-15")
        #expect(global("source_files")?.contains("forcings.nc") == true)
        _ = consume file

        let polygons = try BasinReader.read(path: nc)
        #expect(polygons.basins.count == 7 && polygons.crs.epsg == 4326)
        #expect(polygons.basins.allSatisfy { $0.geometry.area > 0 })
        let summary = try BasinReader.read(path: dir.appendingPathComponent("basins.gpkg").path)
        #expect(summary.basins.map(\.id) == (1...7).map { "B00\($0)" })
        let fields = Set(summary.fields.map(\.name))
        for field in ["streamflow_mean", "streamflow_last", "valid_days", "status"] {
            #expect(fields.contains(field), "\(field) in \(fields)")
        }
    }

    @Test("weights cached for the next run: a miss, then a hit with identical predictions")
    func weightsCache() throws {
        let dir = try makeTemporaryDirectory("basin-cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = dir.appendingPathComponent("cache")
        func run(_ out: String) throws -> CommandResult {
            try predictOnSamples([
                "--start", "2016-06-01", "--end", "2016-06-10", "--weights-cache", cache.path,
                "--out", dir.appendingPathComponent(out).path,
            ])
        }
        let first = try run("a")
        #expect(first.status == 0 && first.stderr.contains("cache miss"), "\(first.stderr)")
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(!cached.isEmpty)
        let second = try run("b")
        #expect(second.status == 0 && second.stderr.contains("cache hit"), "\(second.stderr)")
        func streamflow(_ out: String) throws -> [Float] {
            let file = try NetCDFFile(
                opening: dir.appendingPathComponent("\(out)/basins.nc").path)
            let q = try #require(try variables(file)["streamflow"])
            return try file.readFloats(q, start: [0, 0], count: q.shape)
        }
        #expect(try streamflow("a") == streamflow("b"))
        let off = try predictOnSamples([
            "--start", "2016-06-01", "--end", "2016-06-10", "--no-weights-cache", "--out",
            dir.appendingPathComponent("c").path,
        ])
        #expect(off.status == 0 && !off.stderr.contains("cache "), "\(off.stderr)")
    }

    @Test("embed --basins: (station, embedding, time) for a period up to L days")
    func embedDimensions() throws {
        let dir = try makeTemporaryDirectory("basin-embed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("e.nc").path
        let result = try runGeomap(
            [
                "embed", "--basins", samples.appendingPathComponent("basins.shp").path,
                "--forcings", samples.appendingPathComponent("forcings.nc").path,
                "--static-raster",
            ] + staticRasters + [
                "--start", "2016-06-01", "--end", "2016-06-20", "--out", out, "--quiet",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let file = try NetCDFFile(opening: out)
        let e = try #require(try variables(file)["basin_embedding"])
        #expect(e.dimensions == ["station", "embedding", "time"] && e.shape == [7, 64, 20])
        let values = try file.readFloats(e, start: [0, 0, 0], count: e.shape)
        #expect(values.allSatisfy { $0.isFinite })
        #expect(Set(values).count > 1000)
    }

    @Test("embed --basins needs no warm-up: a period from the first forcing day is embedded")
    func embedWithoutWarmUp() throws {
        let dir = try makeTemporaryDirectory("basin-embed-start")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("e.nc").path
        let result = try runGeomap(
            [
                "embed", "--basins", samples.appendingPathComponent("basins.shp").path,
                "--forcings", samples.appendingPathComponent("forcings.nc").path,
                "--static-raster",
            ] + staticRasters + ["--end", "2016-01-10", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        // The default start is the first forcing day (2016-01-01), not 90 days later.
        #expect(result.stderr.contains("period 2016-01-01 … 2016-01-10"), "\(result.stderr)")
        #expect(!result.stderr.contains("warm-up"))
        let file = try NetCDFFile(opening: out)
        let e = try #require(try variables(file)["basin_embedding"])
        #expect(e.shape == [7, 64, 10])
        let values = try file.readFloats(e, start: [0, 0, 0], count: e.shape)
        #expect(values.allSatisfy { $0.isFinite })
        // Prediction still refuses that start: its head needs the warm-up.
        let predict = try predictOnSamples([
            "--start", "2016-01-01", "--end", "2016-01-10", "--out", dir.path,
        ])
        #expect(predict.status == 2 && predict.stderr.contains("earliest possible start"))
    }

    @Test("bad input: exit 2, one line naming the problem, no output file")
    func badInput() throws {
        let dir = try makeTemporaryDirectory("basin-bad-input")
        defer { try? FileManager.default.removeItem(at: dir) }
        func mapping(_ name: String, _ json: String) throws -> String {
            let url = dir.appendingPathComponent(name)
            try Data(json.utf8).write(to: url)
            return url.path
        }
        // The model needs hurs; the mapping takes it from a variable the file lacks.
        let missing = try mapping(
            "missing.json",
            #"{"forcings": {"relhum": {"to": "hurs"}}}"#)
        // pr (kg m-2 day-1) cannot become hurs (%), nor hurs (%) pr (mm/day).
        let swapped = try mapping(
            "swapped.json",
            #"{"forcings": {"hurs": {"to": "pr"}, "pr": {"to": "hurs"}}}"#)
        // An encoder-only StefaLand model (pretraining checkpoint, no head).
        let encoder = dir.appendingPathComponent("encoder.safetensors").path
        let fixtures = TestPaths.fixtures.appendingPathComponent("stefaland")
        let imported = try runGeomap([
            "models", "import", fixtures.appendingPathComponent("small_pretrain.pth").path,
            "--arch", "stefaland", "--stats",
            fixtures.appendingPathComponent("small_stats.json").path, "--out", encoder,
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        // Observed series that are not text: refused before the model runs (fail early).
        let observed = dir.appendingPathComponent("observed.csv")
        try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: observed)
        let cases: [(String, [String], [String])] = [
            ("observed-not-text", ["--observed", observed.path, "--quiet"], ["observed.csv"]),
            ("missing-variable", ["--mapping", missing], ["hurs", "relhum"]),
            ("unit", ["--mapping", swapped], ["cannot convert"]),
            ("tile-model", ["--model", "moe-mae-demo"], ["is not a basin model"]),
            ("encoder-only", ["--model", encoder], ["no prediction head", "geomap embed"]),
            ("end-after-data", ["--end", "2018-01-10"], ["2017-12-31"]),
        ]
        for (label, extra, expected) in cases {
            let out = dir.appendingPathComponent(label)
            let result = try predictOnSamples(extra + ["--out", out.path])
            #expect(result.status == 2, "\(label): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(label): \(result.stderr)")
            #expect(result.stderr.hasPrefix("geomap: error: "), "\(label)")
            for text in expected {
                #expect(result.stderr.contains(text), "\(label): \(result.stderr)")
            }
            let written = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
            #expect(written.isEmpty, "\(label): \(written)")
        }
    }

    @Test("argument errors of basin mode: exit 2 with the reason")
    func argumentErrors() throws {
        let basins = samples.appendingPathComponent("basins.shp").path
        let cases: [([String], String)] = [
            (["predict", "--basins", basins], "--basins needs --forcings"),
            (
                [
                    "predict", "--basins", basins, "--forcings", "f.nc", "--in",
                    samples.appendingPathComponent("region.tif").path,
                ], "either --in or --basins"
            ),
            (
                ["predict", "--basins", basins, "--forcings", "f.nc", "--start", "2016-02-30"],
                "--start '2016-02-30' is not a date YYYY-MM-DD"
            ),
        ]
        for (arguments, message) in cases {
            let result = try runGeomap(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test("a basin outside the forcing grid is flagged and listed; the other is written (exit 1)")
    func basinOutsideGrid() throws {
        let dir = try makeTemporaryDirectory("basin-outside")
        defer { try? FileManager.default.removeItem(at: dir) }
        let basins = dir.appendingPathComponent("two.geojson")
        try writeGeoJSONBoxes(
            [("IN", [20.4, 44.8, 20.6, 44.95]), ("FAR", [30, 50, 30.2, 50.2])], to: basins)
        let out = dir.appendingPathComponent("out")
        let result = try runGeomap(
            [
                "predict", "--basins", basins.path,
                "--forcings", samples.appendingPathComponent("forcings.nc").path,
                "--static-raster",
            ] + staticRasters + [
                "--start", "2016-06-01", "--end", "2016-06-30", "--out", out.path,
            ])
        #expect(result.status == 1, "\(result.stderr)")
        let notRun = result.stderr.split(separator: "\n").filter { $0.contains("not run") }
        #expect(notRun.count == 1 && notRun[0].contains("basin FAR not run: "), "\(result.stderr)")
        let file = try NetCDFFile(opening: out.appendingPathComponent("two.nc").path)
        let vars = try variables(file)
        let flags = try file.readDoubles(try #require(vars["prediction_flag"]))
        #expect(flags == Array(repeating: 0, count: 30) + Array(repeating: 2, count: 30))
        let q = try file.readFloats(
            try #require(vars["streamflow"]), start: [0, 0], count: [2, 30])
        #expect(q[0..<30].allSatisfy { $0.isFinite })
        #expect(q[30...].allSatisfy { $0 == BasinSeriesWriter.fillValue })
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("two.gpkg").path))
    }

    @Test("all forcings missing for one basin: flagged and listed, the other written (exit 1)")
    func allMissingBasin() throws {
        let dir = try makeTemporaryDirectory("basin-all-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let basins = dir.appendingPathComponent("two.geojson")
        try writeGeoJSONBoxes(
            [("A", [20.4, 44.8, 20.6, 44.95]), ("B", [20.6, 44.8, 20.8, 44.95])], to: basins)
        // 120 days from 2016-01-01 (90 warm-up + 30 predicted); B has every value empty.
        var csv = "basin_id,date,pr,tasmax,tasmin,rsds,hurs\n"
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var date = calendar.date(from: DateComponents(year: 2016, month: 1, day: 1))!
        for i in 0..<120 {
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            let text = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
            let pr = i % 3 == 0 ? 4.5 : 0.2
            csv += "A,\(text),\(pr),\(20 + i % 5),\(10 + i % 4),\(150 + i % 30),\(70 + i % 10)\n"
            csv += "B,\(text),,,,,\n"
            date = calendar.date(byAdding: .day, value: 1, to: date)!
        }
        let forcings = dir.appendingPathComponent("forcings.csv")
        try Data(csv.utf8).write(to: forcings)
        let mapping = dir.appendingPathComponent("map.json")
        try Data(
            """
            {"forcings": {"pr": {"to": "pr", "units": "mm/day"},
              "tasmax": {"to": "tasmax", "units": "degC"},
              "tasmin": {"to": "tasmin", "units": "degC"},
              "rsds": {"to": "rsds", "units": "W m-2"}, "hurs": {"to": "hurs", "units": "%"}}}
            """.utf8
        ).write(to: mapping)
        let out = dir.appendingPathComponent("out")
        let result = try runGeomap(
            [
                "predict", "--basins", basins.path, "--forcings", forcings.path,
                "--mapping", mapping.path, "--static-raster",
            ] + staticRasters + ["--out", out.path])
        #expect(result.status == 1, "\(result.stderr)")
        let notRun = result.stderr.split(separator: "\n").filter { $0.contains("not run") }
        #expect(notRun.count == 1 && notRun[0].contains("basin B not run: "), "\(result.stderr)")
        let file = try NetCDFFile(opening: out.appendingPathComponent("two.nc").path)
        let vars = try variables(file)
        let flag = try #require(vars["prediction_flag"])
        let days = flag.shape[1]
        #expect(days == 30)
        let flags = try file.readDoubles(flag)
        #expect(flags == Array(repeating: 0, count: days) + Array(repeating: 2, count: days))
        let q = try file.readFloats(
            try #require(vars["streamflow"]), start: [0, 0], count: [2, days])
        #expect(q[0..<days].allSatisfy { $0.isFinite })
    }

    @Test("--observed through the CLI: the GeoPackage gets the metric fields")
    func observedMetrics() throws {
        let dir = try makeTemporaryDirectory("basin-observed")
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "basin_id,date,q_obs\n"
        for day in 1...10 {
            for b in 1...7 {
                csv +=
                    "B00\(b),2016-06-\(String(format: "%02d", day)),\(0.5 + 0.1 * Double(b + day))\n"
            }
        }
        let observed = dir.appendingPathComponent("obs.csv")
        try Data(csv.utf8).write(to: observed)
        let mapping = dir.appendingPathComponent("map.json")
        try Data(
            """
            {"forcings": {"pr": {"to": "pr"}, "tasmax": {"to": "tasmax"},
              "tasmin": {"to": "tasmin"}, "rsds": {"to": "rsds"}, "hurs": {"to": "hurs"}},
             "observed": {"q_obs": {"to": "streamflow", "units": "mm/day"}}}
            """.utf8
        ).write(to: mapping)
        let out = dir.appendingPathComponent("out")
        let result = try predictOnSamples([
            "--mapping", mapping.path, "--observed", observed.path, "--start", "2016-06-01",
            "--end", "2016-06-20", "--out", out.path, "--quiet",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try BasinReader.read(path: out.appendingPathComponent("basins.gpkg").path)
        let fields = summary.fields.map(\.name)
        for metric in ["nse", "kge", "rmse", "r", "bias", "obs_days"] {
            #expect(fields.contains("streamflow_\(metric)"), "\(fields)")
        }
        let days = summary.basins.map { summary.value("streamflow_obs_days", of: $0) }
        #expect(days.allSatisfy { $0 == .integer(10) }, "\(days)")
    }

    @Test(
        "--group writes <stem>.group-IIII.*; a group past the last is exit 2 naming the file and the groups"
    )
    func groups() throws {
        let dir = try makeTemporaryDirectory("basin-group-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let period = ["--start", "2016-06-01", "--end", "2016-06-05", "--out", dir.path]
        let last = try predictOnSamples(period + ["--group", "3", "--group-size", "2", "--quiet"])
        #expect(last.status == 0, "\(last.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { !$0.hasPrefix(".") }.sorted()
        #expect(names == ["basins.group-0003.gpkg", "basins.group-0003.nc"])
        let summary = try BasinReader.read(
            path: dir.appendingPathComponent("basins.group-0003.gpkg").path)
        #expect(summary.basins.map(\.id) == ["B007"])
        let past = try predictOnSamples(period + ["--group", "4", "--group-size", "2"])
        #expect(past.status == 2, "\(past.stderr)")
        #expect(past.stderr.split(separator: "\n").count == 1, "\(past.stderr)")
        #expect(past.stderr.contains("basins.shp: --group 4 is out of range"), "\(past.stderr)")
        #expect(past.stderr.contains("make 4 groups"), "\(past.stderr)")
        // A group of more basins than Int can count past is one group, not a trap.
        let huge = try predictOnSamples(
            period + ["--group", "0", "--group-size", "\(Int.max)", "--quiet"])
        #expect(huge.status == 0, "\(huge.stderr)")
        let sizeOnly = try predictOnSamples(period + ["--group-size", "2"])
        #expect(sizeOnly.status == 2)
        #expect(sizeOnly.stderr.contains("--group-size needs --group"), "\(sizeOnly.stderr)")
        let embed = try runGeomap([
            "embed", "--in", samples.appendingPathComponent("region.tif").path, "--pool", "cls",
            "--out", dir.appendingPathComponent("e.tif").path, "--group", "0",
        ])
        #expect(embed.status == 2)
        #expect(embed.stderr.contains("--group is a basin-mode option"), "\(embed.stderr)")
    }
}
