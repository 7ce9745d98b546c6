import Foundation
import GeoNetCDF
import GeoVector
import GeomapCore
import TestSupport
import Testing

// The large-sample datasets' own layouts through `geomap predict --basins` (issue 13 item 12):
// Caravan's per-basin NetCDF forcings as a folder or pattern, CAMELS-US USGS streamflow as
// --observed. Every fixture is written here (NetCDF with netCDF-C's ncgen).

private var samples: URL { TestPaths.samples }

private var staticRasters: [String] {
    ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map {
        samples.appendingPathComponent("static/\($0).tif").path
    }
}

private let basinIDs = (1...7).map { "B00\($0)" }
private let days = 182  // 2016-01-01 … 2016-06-30

/// The forcings of basin `b` (0-based) on day `d`, in the sample forcings' units.
private func forcing(_ name: String, _ b: Int, _ d: Int) -> Float {
    let x = Double(d)
    switch name {
    case "pr": return Float(Double(b + d % 7) * 0.5)
    case "tasmax": return Float(285 + Double(b) + 5 * sin(x / 10))
    case "tasmin": return Float(277 + Double(b) + 4 * sin(x / 10))
    case "rsds": return Float(150 + 3 * Double(b) + Double(d % 30))
    default: return Float(60 + Double(b) + Double(d % 10))  // hurs
    }
}

private let variables = ["pr", "tasmax", "tasmin", "rsds", "hurs"]
private let units = [
    "pr": "kg m-2 day-1", "tasmax": "K", "tasmin": "K", "rsds": "W m-2", "hurs": "%",
]

/// The seven basins' forcings as one CF timeSeries file.
private func writeTimeSeries(_ url: URL) throws {
    var cdl = "netcdf ts {\ndimensions:\n  station = 7 ;\n  time = \(days) ;\n  strlen = 4 ;\n"
    cdl += "variables:\n  char basin_id(station, strlen) ;\n"
    cdl += "    basin_id:cf_role = \"timeseries_id\" ;\n"
    cdl += "  double time(time) ;\n    time:units = \"days since 2016-01-01\" ;\n"
    cdl += "    time:calendar = \"standard\" ;\n    time:standard_name = \"time\" ;\n"
    for name in variables {
        cdl += "  float \(name)(station, time) ;\n    \(name):units = \"\(units[name]!)\" ;\n"
    }
    cdl += "data:\n  basin_id = " + basinIDs.map { "\"\($0)\"" }.joined(separator: ", ") + " ;\n"
    cdl += "  time = " + (0..<days).map(String.init).joined(separator: ", ") + " ;\n"
    for name in variables {
        let values = (0..<7).flatMap { b in (0..<days).map { "\(forcing(name, b, $0))" } }
        cdl += "  \(name) = " + values.joined(separator: ", ") + " ;\n"
    }
    try makeNetCDF(url, cdl: cdl + "}\n")
}

/// The same forcings as Caravan ships them: `<folder>/<id>.nc` per basin, dimension `date`,
/// float variables with a NaN fill; `units` attributes only when `withUnits`.
private func writeCaravan(_ folder: URL, withUnits: Bool, basins: Range<Int> = 0..<7) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let scratch = try makeTemporaryDirectory("caravan-cdl")
    defer { try? FileManager.default.removeItem(at: scratch) }
    for b in basins {
        var cdl = "netcdf b {\ndimensions:\n  date = \(days) ;\nvariables:\n"
        cdl += "  int64 date(date) ;\n    date:units = \"days since 2016-01-01 00:00:00\" ;\n"
        cdl += "    date:calendar = \"proleptic_gregorian\" ;\n"
        for name in variables {
            cdl += "  float \(name)(date) ;\n    \(name):_FillValue = NaNf ;\n"
            if withUnits { cdl += "    \(name):units = \"\(units[name]!)\" ;\n" }
        }
        cdl += "data:\n  date = " + (0..<days).map(String.init).joined(separator: ", ") + " ;\n"
        for name in variables {
            cdl +=
                "  \(name) = "
                + (0..<days).map { "\(forcing(name, b, $0))" }.joined(separator: ", ") + " ;\n"
        }
        let file = scratch.appendingPathComponent("\(basinIDs[b]).nc")
        try makeNetCDF(file, cdl: cdl + "}\n")
        try FileManager.default.moveItem(
            at: file, to: folder.appendingPathComponent(file.lastPathComponent))
    }
}

private func predict(_ forcings: String, out: URL, extra: [String] = []) throws -> CommandResult {
    try runGeomap(
        [
            "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--forcings", forcings, "--start", "2016-04-01", "--end", "2016-06-30", "--out",
            out.path, "--quiet",
        ] + extra + ["--static-raster"] + staticRasters)
}

/// The predicted streamflow of a run, `[basins × days]`.
private func streamflow(_ out: URL) throws -> [Float] {
    let file = try NetCDFFile(opening: out.appendingPathComponent("basins.nc").path)
    let q = try #require(try file.variables().first { $0.name == "streamflow" })
    return try file.readFloats(q, start: [0, 0], count: q.shape)
}

@Suite("the datasets' own layouts through predict --basins")
struct BasinDatasetLayoutsCommandTests {
    @Test(
        "Caravan per-basin NetCDF as a folder or a pattern: the predictions of the same values in a CF timeSeries file"
    )
    func caravanFolder() throws {
        let dir = try makeTemporaryDirectory("caravan-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let series = dir.appendingPathComponent("ts.nc")
        try writeTimeSeries(series)
        let reference = try predict(series.path, out: dir.appendingPathComponent("ts"))
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try streamflow(dir.appendingPathComponent("ts"))
        #expect(expected.count == 7 * 91 && expected.allSatisfy(\.isFinite))

        let folder = dir.appendingPathComponent("timeseries/netcdf/camels")
        try writeCaravan(folder, withUnits: true)
        for (label, forcings) in [("folder", folder.path), ("pattern", folder.path + "/B00*.nc")] {
            let out = dir.appendingPathComponent(label)
            let result = try predict(forcings, out: out)
            #expect(result.status == 0, "\(label): \(result.stderr)")
            #expect(try streamflow(out) == expected, "\(label)")
        }

        // Caravan's files carry no units: declared in the mapping, as for Caravan's CSV files.
        let bare = dir.appendingPathComponent("bare")
        try writeCaravan(bare, withUnits: false)
        let undeclared = try predict(bare.path, out: dir.appendingPathComponent("undeclared"))
        #expect(undeclared.status == 2, "\(undeclared.stderr)")
        #expect(undeclared.stderr.split(separator: "\n").count == 1, "\(undeclared.stderr)")
        #expect(
            undeclared.stderr.contains(": no unit declared for ")
                && undeclared.stderr.contains(" (the model wants "),
            "\(undeclared.stderr)")
        let mapping = dir.appendingPathComponent("map.json")
        let entries = variables.map {
            "\"\($0)\": {\"to\": \"\($0)\", \"units\": \"\(units[$0]!)\"}"
        }
        try Data("{\"forcings\": {\(entries.joined(separator: ", "))}}".utf8).write(to: mapping)
        let declared = dir.appendingPathComponent("declared")
        let mapped = try predict(bare.path, out: declared, extra: ["--mapping", mapping.path])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        #expect(try streamflow(declared) == expected)
    }

    @Test("a Caravan folder: basins without a file, a pattern without a match, extra files noted")
    func caravanFolderErrors() throws {
        let dir = try makeTemporaryDirectory("caravan-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("camels")
        try writeCaravan(folder, withUnits: true, basins: 0..<5)
        let missing = try predict(folder.path, out: dir.appendingPathComponent("o"))
        #expect(missing.status == 2, "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
        #expect(
            missing.stderr.contains(
                "\(folder.path): no forcing file for basin(s) B006, B007 (2 of 7; a file is "
                    + "matched to its basin by its name, e.g. B001.nc)"), "\(missing.stderr)")
        let pattern = try predict(folder.path + "/*.csv", out: dir.appendingPathComponent("o"))
        #expect(pattern.status == 2)
        #expect(
            pattern.stderr.contains("--forcings '\(folder.path)/*.csv': no file matches"),
            "\(pattern.stderr)")
        // Files of basins the basin file does not hold are left out, with a note.
        try writeCaravan(folder, withUnits: true, basins: 5..<7)
        try FileManager.default.copyItem(
            at: folder.appendingPathComponent("B001.nc"),
            to: folder.appendingPathComponent("X042.nc"))
        let out = dir.appendingPathComponent("noted")
        let noted = try runGeomap(
            [
                "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
                "--forcings", folder.path, "--start", "2016-04-01", "--end", "2016-04-10",
                "--out", out.path, "--static-raster",
            ] + staticRasters)
        #expect(noted.status == 0, "\(noted.stderr)")
        #expect(
            noted.stderr.contains(
                "\(folder.path): 1 file(s) of other basins left out (X042)"),
            "\(noted.stderr)")
    }

    @Test(
        "CAMELS USGS streamflow (cfs, -999 missing) as --observed, a folder or a file: the metrics of the same values in mm/day"
    )
    func camelsObserved() throws {
        let dir = try makeTemporaryDirectory("camels-observed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let basins = try BasinReader.read(path: samples.appendingPathComponent("basins.shp").path)
        let areas = BasinObserved.areas(basins)
        // Observed streamflow in mm/day (B001 has no value on 2016-06-05), and the same in cfs.
        let cfsPerMillimetrePerDay = basins.basins.indices.map { b in
            areas[b]! / (0.3048 * 0.3048 * 0.3048 * 86_400 * 1000)
        }
        var csv = "basin_id,date,q_obs\n"
        let folder = dir.appendingPathComponent("usgs_streamflow")
        for (b, basin) in basins.basins.enumerated() {
            var text = ""
            for day in 1...10 {
                let date = String(format: "2016-06-%02d", day)
                let q = 0.5 + 0.1 * Double(b + 1 + day)
                let gap = b == 0 && day == 5
                csv += "\(basin.id),\(date),\(gap ? "" : String(q))\n"
                let cfs = gap ? "-999.00" : String(format: "%.6f", q * cfsPerMillimetrePerDay[b])
                text +=
                    "\(basin.id) 2016 06 \(String(format: "%02d", day)) \(cfs) \(gap ? "M" : "A")\n"
            }
            let huc = folder.appendingPathComponent(b < 4 ? "01" : "02")
            try FileManager.default.createDirectory(at: huc, withIntermediateDirectories: true)
            try text.write(
                to: huc.appendingPathComponent("\(basin.id)_streamflow_qc.txt"), atomically: true,
                encoding: .utf8)
        }
        let observedCSV = dir.appendingPathComponent("obs.csv")
        try Data(csv.utf8).write(to: observedCSV)
        let mapping = dir.appendingPathComponent("map.json")
        try Data(#"{"observed": {"q_obs": {"to": "streamflow", "units": "mm/day"}}}"#.utf8)
            .write(to: mapping)
        func run(_ name: String, _ extra: [String]) throws -> BasinSet {
            let out = dir.appendingPathComponent(name)
            let result = try runGeomap(
                [
                    "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
                    "--forcings", samples.appendingPathComponent("forcings.nc").path, "--start",
                    "2016-06-01", "--end", "2016-06-20", "--out", out.path, "--quiet",
                    "--static-raster",
                ] + staticRasters + extra)
            #expect(result.status == 0, "\(name): \(result.stderr)")
            return try BasinReader.read(path: out.appendingPathComponent("basins.gpkg").path)
        }
        let reference = try run("csv", ["--mapping", mapping.path, "--observed", observedCSV.path])
        let fromFolder = try run("folder", ["--observed", folder.path])
        let fromFile = try run(
            "file",
            ["--observed", folder.appendingPathComponent("01/B001_streamflow_qc.txt").path])
        for metric in ["nse", "kge", "rmse", "r", "bias"] {
            let field = "streamflow_\(metric)"
            for basin in reference.basins {
                guard case .real(let want) = reference.value(field, of: basin) else {
                    Issue.record(
                        "\(field) of \(basin.id): \(String(describing: reference.value(field, of: basin)))"
                    )
                    continue
                }
                let other = fromFolder.basins.first { $0.id == basin.id }!
                guard case .real(let got) = fromFolder.value(field, of: other) else {
                    Issue.record("\(field) of \(basin.id) from the folder")
                    continue
                }
                #expect(
                    abs(got - want) <= 1e-5 * max(1, abs(want)),
                    "\(field) \(basin.id): \(got) vs \(want)")
            }
        }
        let days = fromFolder.basins.map { fromFolder.value("streamflow_obs_days", of: $0) }
        #expect(days == [.integer(9)] + Array(repeating: .integer(10), count: 6), "\(days)")
        // One file: its basin has metrics, the others none.
        let single = fromFile.basins.map { fromFile.value("streamflow_obs_days", of: $0) }
        #expect(single == [.integer(9)] + Array(repeating: .integer(0), count: 6), "\(single)")
    }
}
