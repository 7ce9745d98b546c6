import Foundation
import GeoNetCDF
import GeoVector
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

/// One file per basin as the large-sample datasets ship them (issue 13 item 12): Caravan's
/// per-basin NetCDF (`timeseries/netcdf/<source>/<gauge_id>.nc`), folders and patterns of such
/// files, and CAMELS-US USGS streamflow (`usgs_streamflow/<huc>/<gauge_id>_streamflow_qc.txt`).
/// Every fixture is written here (NetCDF with netCDF-C's ncgen).
@Suite("Per-basin files: Caravan NetCDF, folders and patterns, CAMELS streamflow")
struct BasinPerBasinFilesTests {
    /// A Caravan-style file as xarray writes it: dimension `date`, an int64 `date` coordinate in
    /// days since a day, float variables with a NaN fill; `units` on the variables in `units`.
    static func writeCaravan(
        _ url: URL, start: Int = 0, values: [String: [Float?]], units: [String: String] = [:]
    ) throws {
        let days = values.values.first!.count
        let names = values.keys.sorted()
        var cdl = "netcdf caravan {\ndimensions:\n  date = \(days) ;\nvariables:\n"
        cdl += "  int64 date(date) ;\n    date:units = \"days since 2001-01-01 00:00:00\" ;\n"
        cdl += "    date:calendar = \"proleptic_gregorian\" ;\n"
        for name in names {
            cdl += "  float \(name)(date) ;\n    \(name):_FillValue = NaNf ;\n"
            if let unit = units[name] { cdl += "    \(name):units = \"\(unit)\" ;\n" }
        }
        cdl += "data:\n  date = " + (0..<days).map { "\(start + $0)" }.joined(separator: ", ")
        cdl += " ;\n"
        for name in names {
            cdl +=
                "  \(name) = "
                + values[name]!.map { $0.map { "\($0)" } ?? "_" }.joined(separator: ", ") + " ;\n"
        }
        try makeNetCDF(url, cdl: cdl + "}\n")
        try? FileManager.default.removeItem(
            at: url.deletingPathExtension().appendingPathExtension("cdl"))
    }

    @Test("a Caravan NetCDF is one basin named by its file, with its units and missing values")
    func caravanNetCDF() throws {
        let dir = try makeTemporaryDirectory("caravan-nc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("camels_01022500.nc")
        try Self.writeCaravan(
            url,
            values: [
                "total_precipitation_sum": [0.5, 1.5, nil, 3.5],
                "temperature_2m_mean": [1, 2, 3, 4],
            ], units: ["temperature_2m_mean": "°C"])
        #expect(BasinSingleNetCDF.recognises(url))
        let table = try BasinSingleNetCDF.read(url)
        #expect(table.basinIDs == ["camels_01022500"])
        #expect(table.variables == ["temperature_2m_mean", "total_precipitation_sum"])
        #expect(table.units == ["°C", nil])
        #expect(
            table.dates.map(\.description) == [
                "2001-01-01", "2001-01-02", "2001-01-03", "2001-01-04",
            ])
        let rain = try #require(table.series("total_precipitation_sum", basin: "camels_01022500"))
        #expect(rain[0] == 0.5 && rain[1] == 1.5 && rain[2].isNaN && rain[3] == 3.5)
        // Only the wanted variables are read; a file with none of them says what it has.
        #expect(
            try BasinSingleNetCDF.read(url, variables: ["temperature_2m_mean"]).variables
                == ["temperature_2m_mean"])
        let none = try #require(
            basinError { () throws(BasinInputError) in
                try BasinSingleNetCDF.read(url, variables: ["pr"])
            })
        #expect(
            none.description
                == "\(url.path): holds none of the forcings the model needs (pr); it has: "
                + "temperature_2m_mean, total_precipitation_sum")
        // Read like any per-basin series (as --observed does).
        let again = try BasinForcings.read(url)
        #expect(again.basinIDs == table.basinIDs && again.variables == table.variables)
        // A grid and a CF timeSeries file are no single basin's file.
        #expect(
            !BasinSingleNetCDF.recognises(TestPaths.samples.appendingPathComponent("forcings.nc")))
    }

    @Test(
        "a Caravan NetCDF given to --forcings is its basin's; a basin not in the basin file is an error"
    )
    func caravanForcingFile() throws {
        let dir = try makeTemporaryDirectory("caravan-nc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("camels_01022500.nc")
        try Self.writeCaravan(
            url, values: ["streamflow": [1, 2, 3]], units: ["streamflow": "mm/day"])
        let file = try BasinForcingFile.open(
            url.path, basins: ["camels_01031500", "camels_01022500"], wanted: ["streamflow"])
        #expect(file.variables == ["streamflow"] && file.units == ["mm/day"])
        guard case .perBasin(let table) = file.content else {
            Issue.record("not per-basin")
            return
        }
        #expect(table.series("streamflow", basin: "camels_01022500") == [1, 2, 3])
        #expect(table.series("streamflow", basin: "camels_01031500")?.allSatisfy(\.isNaN) == true)
        let message = try #require(
            assemblerError {
                _ = try BasinForcingFile.open(
                    url.path, basins: ["01022500"], wanted: ["streamflow"])
            })
        #expect(
            message == "\(url.path): holds basin camels_01022500 (its file name), which is not in "
                + "the basin file", "\(message)")
    }

    /// A folder of Caravan files: two basins asked for, one more in a sub-folder, one extra.
    static func caravanFolder(_ dir: URL) throws -> URL {
        let folder = dir.appendingPathComponent("netcdf/camels")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("more"), withIntermediateDirectories: true)
        try writeCaravan(
            folder.appendingPathComponent("camels_01022500.nc"),
            values: ["pr": [1, 2, 3], "t": [10, 11, 12]], units: ["pr": "mm/day", "t": "degC"])
        try writeCaravan(
            folder.appendingPathComponent("more/camels_01031500.nc"), start: 1,
            values: ["pr": [5, 6, nil], "t": [20, 21, 22]], units: ["pr": "mm d-1", "t": "°C"])
        try writeCaravan(
            folder.appendingPathComponent("camels_09999999.nc"), values: ["pr": [9]],
            units: ["pr": "mm/day"])
        try Data("not a basin file".utf8).write(to: folder.appendingPathComponent("README.md"))
        return folder
    }

    @Test("a folder (or pattern) of Caravan files becomes one per-basin table in the basins' order")
    func folderOfFiles() throws {
        let dir = try makeTemporaryDirectory("caravan-set")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try Self.caravanFolder(dir)
        #expect(BasinFileSet.isSet(folder.path) && BasinFileSet.isSet(folder.path + "/*.nc"))
        #expect(!BasinFileSet.isSet(folder.path + "/camels_01022500.nc"))
        let basins = ["camels_01031500", "camels_01022500"]
        var notes: [String] = []
        let file = try BasinForcingFile.openSet(
            folder.path, basins: basins, wanted: ["t", "pr"], log: { notes.append($0) })
        #expect(
            notes == [
                "\(folder.path): 1 file(s) of other basins left out "
                    + "(camels_09999999)"
            ])
        // Units as the first basin's file declares them (the others agree).
        #expect(file.variables == ["t", "pr"] && file.units == ["°C", "mm d-1"])
        guard case .perBasin(let table) = file.content else {
            Issue.record("not per-basin")
            return
        }
        #expect(table.basinIDs == basins)
        #expect(
            table.dates.map(\.description) == [
                "2001-01-01", "2001-01-02", "2001-01-03", "2001-01-04",
            ])
        let second = try #require(table.series("pr", basin: "camels_01031500"))
        #expect(second[0].isNaN && second[1] == 5 && second[2] == 6 && second[3].isNaN)
        #expect(
            table.series("t", basin: "camels_01022500").map { Array($0.prefix(3)) } == [10, 11, 12])
        // A pattern names the same files (here the top folder's only).
        let pattern = try BasinForcingFile.openSet(
            folder.path + "/camels_0102*.nc", basins: ["camels_01022500"], wanted: ["pr"],
            log: { _ in })
        #expect(pattern.firstDay == file.firstDay && pattern.variables == ["pr"])
    }

    @Test("a set: basins without a file, two files for a basin, units that differ, no match")
    func setErrors() throws {
        let dir = try makeTemporaryDirectory("caravan-set")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try Self.caravanFolder(dir)
        let missing = try #require(
            assemblerError {
                _ = try BasinForcingFile.openSet(
                    folder.path, basins: ["camels_01022500", "camels_07777777", "camels_08888888"],
                    wanted: ["pr"], log: { _ in })
            })
        #expect(
            missing == "\(folder.path): no forcing file for basin(s) camels_07777777, "
                + "camels_08888888 (2 of 3; a file is matched to its basin by its name, e.g. "
                + "camels_01022500.nc)", "\(missing)")
        // No file for any basin.
        let zeros = try #require(
            assemblerError {
                _ = try BasinForcingFile.openSet(
                    folder.path, basins: ["camels_1022500"], wanted: ["pr"], log: { _ in })
            })
        #expect(zeros.contains("no forcing file for basin(s) camels_1022500 (1 of 1"), "\(zeros)")
        let nothing = try #require(
            assemblerError {
                _ = try BasinForcingFile.openSet(
                    folder.path + "/*.csv", basins: ["camels_01022500"], wanted: ["pr"],
                    log: { _ in })
            })
        #expect(nothing == "\(folder.path)/*.csv: no file matches")
        // Two units for one variable across the set.
        try Self.writeCaravan(
            folder.appendingPathComponent("camels_01047000.nc"), values: ["pr": [1]],
            units: ["pr": "m/day"])
        let units = try #require(
            assemblerError {
                _ = try BasinForcingFile.openSet(
                    folder.path, basins: ["camels_01022500", "camels_01047000"], wanted: ["pr"],
                    log: { _ in })
            })
        #expect(
            units == folder.appendingPathComponent("camels_01047000.nc").path
                + ": gives pr in m/day but "
                + folder.appendingPathComponent("camels_01022500.nc").path
                + " gives it in mm/day", "\(units)")
        // The CSV of a basin beside its NetCDF.
        try "date,pr\n2001-01-01,1\n".write(
            to: folder.appendingPathComponent("camels_01022500.csv"), atomically: true,
            encoding: .utf8)
        let twice = try #require(
            assemblerError {
                _ = try BasinForcingFile.openSet(
                    folder.path, basins: ["camels_01022500"], wanted: ["pr"], log: { _ in })
            })
        #expect(twice.contains("two forcing files for basin camels_01022500: "), "\(twice)")
    }

    static let streamflow = """
        01022500 1980 01 01   655.00 A
        01022500 1980 01 02  -999.00 M
        01022500 1980 01 03   640.00 A:e
        01022500 1980 01 04   630.00 A

        """

    @Test("CAMELS USGS streamflow: cfs, -999 and flag M missing, the gauge id as text")
    func camelsStreamflow() throws {
        let dir = try makeTemporaryDirectory("camels-q")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("01022500_streamflow_qc.txt")
        try Self.streamflow.write(to: url, atomically: true, encoding: .utf8)
        #expect(BasinCamelsStreamflow.recognises(url))
        let daymet = BasinCamelsInputTests.camels.appendingPathComponent(
            "01022500_lump_cida_forcing_leap.txt")
        #expect(!BasinCamelsStreamflow.recognises(daymet))
        let table = try BasinForcings.read(url)
        #expect(table.basinIDs == ["01022500"] && table.variables == ["streamflow"])
        #expect(table.units == ["ft3 s-1"] && BasinUnit(parsing: "ft3 s-1") == .cubicFootPerSecond)
        let q = try #require(table.series("streamflow", basin: "01022500"))
        #expect(q[0] == 655 && q[1].isNaN && q[2] == 640 && q[3] == 630)
        // Flag M alone marks a missing value; errors name the line.
        try "01022500 1980 01 01 12.0 M\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(try BasinCamelsStreamflow.read(url).values[0].isNaN)
        for (text, expected) in [
            (
                "01022500 1980 01 01 1.0 A\n01031500 1980 01 02 1.0 A\n",
                ":2: gauge 01031500 in a file of gauge 01022500 (one gauge per file)"
            ),
            (
                "01022500 1980 01 01 1.0 A\n01022500 1980 01 01 2.0 A\n",
                ":2: duplicate date 1980-01-01 (already on line 1)"
            ),
            ("01022500 1980 02 30 1.0 A\n", ":1: bad date '1980 2 30'"),
            (
                "01022500 1980 01 01 1.0 A\nsomething else\n",
                ":2: not a CAMELS streamflow row (expected 'gauge_id year month day Q flag')"
            ),
        ] {
            try text.write(to: url, atomically: true, encoding: .utf8)
            let error = basinError { () throws(BasinInputError) in
                try BasinCamelsStreamflow.read(url)
            }
            #expect(error?.description == url.path + expected, "\(String(describing: error))")
        }
    }

    @Test("observed discharge against a prediction in mm/day: divided by each basin's area")
    func observedDischarge() throws {
        let dir = try makeTemporaryDirectory("camels-q")
        defer { try? FileManager.default.removeItem(at: dir) }
        // usgs_streamflow/<huc>/<gauge>_streamflow_qc.txt
        let folder = dir.appendingPathComponent("usgs_streamflow")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("01"), withIntermediateDirectories: true)
        try Self.streamflow.write(
            to: folder.appendingPathComponent("01/01022500_streamflow_qc.txt"), atomically: true,
            encoding: .utf8)
        try "09999999 1980 01 01 1.0 A\n".write(
            to: folder.appendingPathComponent("01/09999999_streamflow_qc.txt"), atomically: true,
            encoding: .utf8)
        let variable = BasinOutputVariable(name: "streamflow", units: "mm/day", longName: "q")
        let dates = (1...3).map { CFDate(year: 1980, month: 1, day: $0) }
        var notes: [String] = []
        let observed = try BasinObserved.read(
            [folder.path], variables: [variable], basinIDs: ["01022500", "05555555"],
            dates: dates, mapping: nil, areas: [2.5e8, 1e8], log: { notes.append($0) })
        #expect(
            notes == [
                "\(folder.path): 1 file(s) of other basins left out (09999999); "
                    + "no observed file for 1 basin(s) (05555555)"
            ])
        // 655 ft³/s × 0.3048³ m³/ft³ × 86,400 s/day ÷ 2.5e8 m² × 1000 mm/m.
        let expected = Float(655 * 0.3048 * 0.3048 * 0.3048 * 86_400 / 2.5e8 * 1000)
        let q = try #require(observed.series("streamflow", basin: "01022500"))
        #expect(abs(q[0] - expected) <= 1e-6 * expected, "\(q[0]) vs \(expected)")
        #expect(q[1].isNaN && q[2] > 0)
        #expect(observed.series("streamflow", basin: "05555555")?.allSatisfy(\.isNaN) == true)
        // Without the areas a discharge cannot become a depth: one line says why.
        let file = folder.appendingPathComponent("01/01022500_streamflow_qc.txt").path
        let message = try #require(
            assemblerError {
                _ = try BasinObserved.read(
                    [file], variables: [variable], basinIDs: ["01022500"], dates: dates,
                    mapping: nil)
            })
        #expect(
            message == "\(file): observed streamflow is a discharge (ft3 s-1) and the prediction "
                + "streamflow a depth (mm/day): the basins' areas are needed to convert it")
    }

    @Test("basin areas on the ellipsoid: lat/lon boxes as the closed form gives them")
    func areas() throws {
        let set = try BasinReader.read(
            path: BasinCamelsInputTests.camels.appendingPathComponent("basins.geojson").path)
        let areas = BasinObserved.areas(set)
        // WGS 84: the area of a box between latitudes φ1, φ2 and Δλ is a²(1 − e²)Δλ(q2 − q1)/2,
        // q(φ) = sinφ/(1 − e² sin²φ) + ln((1 + e sinφ)/(1 − e sinφ))/(2e).
        let a = 6_378_137.0
        let f = 1 / 298.257223563
        let e2 = f * (2 - f)
        let e = e2.squareRoot()
        func q(_ degrees: Double) -> Double {
            let s = sin(degrees * .pi / 180)
            return s / (1 - e2 * s * s) + log((1 + e * s) / (1 - e * s)) / (2 * e)
        }
        for (i, basin) in set.basins.enumerated() {
            let b = try #require(basin.geometry.bounds)
            let expected =
                a * a * (1 - e2) * ((b.maxX - b.minX) * .pi / 180) * (q(b.maxY) - q(b.minY)) / 2
            let area = try #require(areas[i])
            #expect(abs(area - expected) <= 1e-6 * expected, "\(basin.id): \(area) vs \(expected)")
        }
    }
}
