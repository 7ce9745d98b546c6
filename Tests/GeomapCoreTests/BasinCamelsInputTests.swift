import Foundation
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

/// CAMELS-style basin inputs (issue 13 item 12): delimiters, ids that lost their leading
/// zeros, Daymet `.txt` forcings, CAMELS attribute files and their units. Fixtures in
/// `Tests/Fixtures/camels/` (made by `tools/basin/make_camels_fixtures.py`).
@Suite("CAMELS-style basin inputs")
struct BasinCamelsInputTests {
    static var camels: URL { TestPaths.fixtures.appendingPathComponent("camels") }
    static let ids = ["01022500", "01031500", "01047000"]

    @Test(
        "attribute and forcing CSVs are read whatever their delimiter",
        arguments: [",", ";", "\t", " ", "  "])
    func delimiters(separator: String) throws {
        let dir = try makeTemporaryDirectory("camels-delimiters")
        defer { try? FileManager.default.removeItem(at: dir) }
        let attributes = dir.appendingPathComponent("a.csv")
        try ["gauge_id,elev_mean,slope_mean", "01022500,92.5,17.8", "01031500,242.5,21.3"]
            .map { $0.replacingOccurrences(of: ",", with: separator) }
            .joined(separator: "\n").write(to: attributes, atomically: true, encoding: .utf8)
        let read = try BasinAttributes.read(
            attributes, attributes: ["slope_mean", "elev_mean"],
            basins: ["01031500", "01022500"])
        #expect(read.values == [21.3, 17.8, 242.5, 92.5])
        let forcings = dir.appendingPathComponent("f.csv")
        try [
            "basin_id,date,prcp,tmax", "01022500,1980-01-01,0.5,-6.5",
            "01022500,1980-01-02,1.5,-5.5",
        ]
        .map { $0.replacingOccurrences(of: ",", with: separator) }
        .joined(separator: "\n").write(to: forcings, atomically: true, encoding: .utf8)
        let table = try BasinCSV.readForcings(forcings)
        #expect(table.variables == ["prcp", "tmax"])
        #expect(table.series("tmax", basin: "01022500") == [-6.5, -5.5])
    }

    @Test("the CAMELS attribute file (';', gauge_id) is read with its ids as text")
    func camelsAttributes() throws {
        let read = try BasinAttributes.read(
            Self.camels.appendingPathComponent("camels_topo.txt"),
            attributes: ["slope_mean", "area_gages2"], basins: Self.ids)
        #expect(read.value("slope_mean", basin: "01031500") == 21.29)
        #expect(read.value("area_gages2", basin: "01047000") == 773.6)
    }

    @Test("ids that lost their leading zeros are an error that says so")
    func leadingZeros() throws {
        let attributes = Self.camels.appendingPathComponent("camels_topo_integer_ids.txt")
        let message = try #require(
            assemblerError {
                _ = try BasinAttributes.read(
                    attributes, attributes: ["slope_mean"], basins: Self.ids)
            })
        #expect(
            message.hasSuffix(
                "missing basins: 01022500, 01031500, 01047000; the ids differ only by leading "
                    + "zeros (3 basin(s), e.g. 01022500 is 1022500 in the file): write the "
                    + "file's ids as text with their leading zeros"), "\(message)")
        // Forcings: the same hint.
        let dir = try makeTemporaryDirectory("camels-zeros")
        defer { try? FileManager.default.removeItem(at: dir) }
        let forcings = dir.appendingPathComponent("f.csv")
        try "basin_id,date,prcp\n1022500,1980-01-01,0.5\n".write(
            to: forcings, atomically: true, encoding: .utf8)
        let table = try BasinCSV.readForcings(forcings)
        let selection = try #require(
            assemblerError { _ = try table.selecting(basins: ["01022500"], path: forcings.path) })
        #expect(selection.contains("no forcings for basins 01022500; the ids differ only by "))
        // Ids that differ otherwise get no hint.
        #expect(BasinIDHints.leadingZeros(missing: ["01022500"], available: ["1022501"]) == "")
    }

    @Test("a Daymet forcing .txt is one basin's table with the units in its header")
    func daymet() throws {
        let url = Self.camels.appendingPathComponent("01031500_lump_cida_forcing_leap.txt")
        #expect(BasinDaymet.recognises(url))
        let table = try BasinDaymet.read(url)
        #expect(table.basinIDs == ["01031500"])
        #expect(table.variables == ["dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"])
        #expect(table.units == ["s", "mm/day", "W/m2", "mm", "C", "C", "Pa"])
        #expect(table.dates.map(\.description).first == "1980-01-01" && table.dayCount == 5)
        #expect(table.series("tmax", basin: "01031500") == [-5.54, -4.54, -3.54, -2.54, -1.54])
        #expect(
            table.units.compactMap { $0 }.allSatisfy { BasinUnit(parsing: $0) != nil || $0 == "mm" }
        )
    }

    @Test("a Daymet file is opened as forcings for its basin; the others are missing in it")
    func daymetForcingFile() throws {
        let path = Self.camels.appendingPathComponent("01047000_lump_cida_forcing_leap.txt").path
        let file = try BasinForcingFile.open(path, basins: Self.ids, wanted: ["prcp", "tmax"])
        #expect(file.variables == ["prcp", "tmax"] && file.units == ["mm/day", "C"])
        guard case .perBasin(let table) = file.content else {
            Issue.record("not per-basin")
            return
        }
        #expect(table.series("prcp", basin: "01047000") == [0, 1.5, 3, 4.5, 6])
        #expect(table.series("prcp", basin: "01022500")?.allSatisfy { $0.isNaN } == true)
        // Its basin must be in the basin file (leading zeros named when that is why).
        let message = try #require(
            assemblerError {
                _ = try BasinForcingFile.open(path, basins: ["1047000"], wanted: ["prcp"])
            })
        #expect(message.contains("holds basin 01047000, which is not in the basin file; the ids"))
    }

    @Test("a Caravan time-series CSV (date first) is one basin named by its file")
    func caravan() throws {
        let path = Self.camels.appendingPathComponent("camels_01022500.csv").path
        let basins = ["camels_01031500", "camels_01022500"]
        let file = try BasinForcingFile.open(
            path, basins: basins, wanted: ["total_precipitation_sum", "streamflow"])
        #expect(file.variables == ["total_precipitation_sum", "streamflow"])
        guard case .perBasin(let table) = file.content else {
            Issue.record("not per-basin")
            return
        }
        #expect(table.basinIDs == basins)
        #expect(
            table.series("streamflow", basin: "camels_01022500") == [1.25, 1.35, 1.45, 1.55, 1.65])
        #expect(
            table.series("streamflow", basin: "camels_01031500")?.allSatisfy { $0.isNaN } == true)
        let message = try #require(
            assemblerError {
                _ = try BasinForcingFile.open(path, basins: ["01022500"], wanted: ["streamflow"])
            })
        #expect(message.contains("holds basin camels_01022500 (its file name), which is not in"))
    }

    @Test(
        "a wide row with a non-numeric value or a repeated date is refused, naming the line",
        arguments: [
            ("2001-01-02,x\n", "b1.csv:3: non-numeric value 'x' for streamflow"),
            ("2001-01-01,2.0\n", "b1.csv:3: duplicate date 2001-01-01 (already on line 2)"),
        ])
    func wideRowErrors(_ row: String, _ expected: String) throws {
        let folder = try makeTemporaryDirectory("wide-rows")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("b1.csv")
        try ("date,streamflow\n2001-01-01,1.0\n" + row).write(
            to: url, atomically: true, encoding: .utf8)
        let message = try #require(
            assemblerError {
                _ = try BasinForcingFile.open(url.path, basins: ["b1"], wanted: ["streamflow"])
            })
        #expect(message.contains(expected), "\(message)")
    }

    @Test(
        "CAMELS units convert through the unit table",
        arguments: [
            // (from, to, value, expected)
            ("cfs", "m3/s", 100.0, 2.8316846592),
            ("ft3/s", "m3 s-1", 1.0, 0.028316846592),
            ("l/s", "m3/s", 1000.0, 1.0),
            ("m/km", "m/m", 17.79, 0.01779),
            ("Pa", "hPa", 171.69, 1.7169),
            ("kPa", "Pa", 1.0, 1000.0),
            ("s", "h", 36000.0, 10.0),
        ])
    func units(from: String, to: String, value: Double, expected: Double) throws {
        let a = try #require(BasinUnit(parsing: from))
        let b = try #require(BasinUnit(parsing: to))
        let conversion = try #require(UnitConversion(from: a, to: b))
        #expect(abs(Double(conversion.apply(Float(value))) - expected) <= 1e-6 * abs(expected))
    }

    @Test("units of different kinds do not convert (streamflow in cfs is not mm/day)")
    func unconvertible() throws {
        let cfs = try #require(BasinUnit(parsing: "cfs"))
        #expect(UnitConversion(from: cfs, to: .mmPerDay) == nil)
        #expect(UnitConversion(from: .metrePerKilometre, to: .percent) == nil)
    }
}
