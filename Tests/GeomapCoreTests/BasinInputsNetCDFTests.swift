import Foundation
import GeoNetCDF
import TestSupport
import Testing

@testable import GeomapCore

@Suite("Per-basin forcings from a CF timeSeries netCDF")
struct BasinInputsNetCDFTests {
    func square(_ x: Double) -> [DSGPolygon] {
        [
            DSGPolygon(
                exterior: [[x, 0], [x + 1, 0], [x + 1, 1], [x, 1]].map { SIMD2($0[0], $0[1]) })
        ]
    }

    @Test("a file written by BasinSeriesWriter reads back, gaps and fill values as NaN")
    func stationTime() throws {
        let dir = try makeTemporaryDirectory("basin-inputs-nc")
        let path = dir.appendingPathComponent("forcings.nc").path
        let units = try #require(CFTimeUnits("days since 2000-01-01", calendar: .standard))
        let layout = BasinSeriesLayout(
            basins: [
                DSGBasin(
                    id: "01013500", name: "a", latitude: 0.5, longitude: 0.5,
                    polygons: square(0)),
                DSGBasin(
                    id: "02", name: "b", latitude: 0.5, longitude: 1.5,
                    polygons: square(1)),
            ],
            timeUnits: units, times: [0, 1, 3],
            variables: [
                DSGVariable(name: "pr", units: "kg m-2 day-1", longName: "precipitation"),
                DSGVariable(name: "tasmax", units: "K", longName: "maximum temperature"),
            ],
            title: "t", source: "s", history: "h", references: "r", geomapVersion: "test")
        let writer = try BasinSeriesWriter(path: path, layout: layout)
        try writer.write("pr", basins: 0..<2, times: 0..<3, values: [1, 2, 3, 4, .nan, 6])
        try writer.write(
            "tasmax", basins: 0..<2, times: 0..<3, values: [280, 281, 282, 290, 291, 292])
        try writer.finish()

        let t = try BasinNetCDF.readForcings(URL(fileURLWithPath: path))
        #expect(t.basinIDs == ["01013500", "02"])
        #expect(Set(t.variables) == ["pr", "tasmax"])
        let prUnit = t.units[try #require(t.variables.firstIndex(of: "pr"))]
        #expect(prUnit == "kg m-2 day-1")
        #expect(
            t.dates.map(\.description) == ["2000-01-01", "2000-01-02", "2000-01-03", "2000-01-04"])
        let pr = try #require(t.series("pr", basin: "01013500"))
        #expect(pr[0] == 1 && pr[1] == 2 && pr[2].isNaN && pr[3] == 3)
        let pr2 = try #require(t.series("pr", basin: "02"))
        #expect(pr2[0] == 4 && pr2[1].isNaN && pr2[2].isNaN && pr2[3] == 6)
        let only = try BasinNetCDF.readForcings(URL(fileURLWithPath: path), variables: ["tasmax"])
        #expect(only.variables == ["tasmax"])
        let tasmax = try #require(only.series("tasmax", basin: "02"))
        #expect(tasmax[0] == 290 && tasmax[1] == 291 && tasmax[2].isNaN && tasmax[3] == 292)

        let absent = basinError { () throws(BasinInputError) in
            try BasinNetCDF.readForcings(URL(fileURLWithPath: path), variables: ["tas", "rsds"])
        }
        #expect(absent?.description == "\(path): no (station, time) variable tas, rsds")
    }

    /// A hand-made (time, station) file with integer basin ids and the given time values.
    func timeStationFile(hours: [Double], ids: [Int32] = [7, 42]) throws -> String {
        let path = try makeTemporaryDirectory("basin-inputs-nc").appendingPathComponent("ts.nc")
            .path
        let file = try NetCDFFile(creatingClassicModel: path)
        let time = try file.defineDimension("time", length: hours.count)
        let station = try file.defineDimension("station", length: 2)
        let tv = try file.defineVariable("time", type: .double, dimensions: [time])
        try file.putAttribute(.text("units", "hours since 1990-05-01 00:00:00"), on: tv)
        try file.putAttribute(.text("standard_name", "time"), on: tv)
        let iv = try file.defineVariable("gauge", type: .int, dimensions: [station])
        try file.putAttribute(.text("cf_role", "timeseries_id"), on: iv)
        let qv = try file.defineVariable("q", type: .float, dimensions: [time, station])
        try file.putAttribute(.text("units", "mm/day"), on: qv)
        try file.putAttribute(.double("missing_value", -999), on: qv)
        try file.endDefinitions()
        try file.write(hours, to: tv, start: [0], count: [hours.count])
        try file.write(ids, to: iv, start: [0], count: [2])
        let values: [Float] = (0..<(hours.count * 2)).map { $0 == 1 ? -999 : Float($0) }
        try file.write(values, to: qv, start: [0, 0], count: [hours.count, 2])
        try file.close()
        return path
    }

    @Test("a (time, station) file with integer ids and hourly units at midnight")
    func timeStation() throws {
        let path = try timeStationFile(hours: [0, 24, 48])
        let t = try BasinNetCDF.readForcings(URL(fileURLWithPath: path))
        #expect(t.basinIDs == ["7", "42"])
        #expect(t.dates.first?.description == "1990-05-01")
        #expect(t.series("q", basin: "7") == [0, 2, 4])
        let b = try #require(t.series("q", basin: "42"))
        #expect(b[0].isNaN && b[1] == 3 && b[2] == 5)
    }

    @Test("sub-daily times, gridded files and non-netCDF files are one-line errors")
    func errors() throws {
        let hourly = try timeStationFile(hours: [0, 6])
        let e1 = basinError { () throws(BasinInputError) in
            try BasinNetCDF.readForcings(URL(fileURLWithPath: hourly))
        }
        #expect(
            e1?.description
                == "\(hourly): time 1990-05-01T06:00:00 is not a calendar day at midnight "
                + "(daily data needed)")
        let gridded = TestPaths.samples.appendingPathComponent("forcings.nc")
        let e2 = basinError { () throws(BasinInputError) in try BasinNetCDF.readForcings(gridded) }
        #expect(
            e2?.description
                == "\(gridded.path): no variable with cf_role = \"timeseries_id\" "
                + "(not a CF timeSeries file)")
        let text = try basinFile("not.nc", "basin_id,time,pr\n")
        let e3 = basinError { () throws(BasinInputError) in try BasinNetCDF.readForcings(text) }
        #expect(e3?.description.hasPrefix("\(text.path): ") == true)
        #expect(e3?.description.contains("\n") == false)
    }

    @Test("a day given twice and a basin id given twice are one-line errors naming them")
    func repeats() throws {
        let twice = try timeStationFile(hours: [0, 24, 24])
        let e1 = basinError { () throws(BasinInputError) in
            try BasinNetCDF.readForcings(URL(fileURLWithPath: twice))
        }
        #expect(e1?.description == "\(twice): time 1990-05-02 repeats")
        let sameID = try timeStationFile(hours: [0, 24], ids: [7, 7])
        let e2 = basinError { () throws(BasinInputError) in
            try BasinNetCDF.readForcings(URL(fileURLWithPath: sameID))
        }
        #expect(e2?.description == "\(sameID): duplicate basin ids in 'gauge'")
    }
}
