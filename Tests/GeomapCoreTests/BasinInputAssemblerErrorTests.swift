import Foundation
import GeoNetCDF
import Models
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

@Suite("BasinInputAssembler: every bad input is a one-line error naming the file")
struct BasinInputAssemblerErrorTests {
    let model: StefaLandModel
    let dir: URL
    let attributes: String
    let mapping: String

    init() throws {
        model = try Fx.model()
        dir = try makeTemporaryDirectory("assembler-errors")
        attributes = try Fx.attributesCSV(in: dir)
        mapping = try Fx.mapping(in: dir)
    }

    func request(
        _ forcings: [String], mapping: String? = nil, attributes: String? = nil,
        start: CFDate? = nil, end: CFDate? = nil
    ) -> BasinInputRequest {
        BasinInputRequest(
            basinsPath: Fx.basins, forcingPaths: forcings,
            attributesPath: attributes ?? self.attributes, mappingPath: mapping ?? self.mapping,
            start: start, end: end)
    }

    /// The sample's first `count` variables on the full grid, written to `name`.
    func grid(
        _ name: String, variables: [String] = Fx.variables, steps: Range<Int> = 0..<731,
        lonShift: Double = 0, units: [String: String] = [:],
        transform: (String, Float) -> Float = { $1 }
    ) throws -> String {
        let sample = try Fx.sampleFields(variables)
        let path = dir.appendingPathComponent(name).path
        try Fx.writeGrid(
            path, x: sample.x, y: sample.y, times: sample.times, steps: steps,
            fields: sample.fields, lonShift: lonShift, units: units, transform: transform)
        return path
    }

    @Test("missing forcing variables are listed together")
    func missingVariables() throws {
        let path = try grid("two.nc", variables: ["pr", "tasmax"])
        let message = assemblerError { _ = try assemble(request([path]), model) }
        #expect(message == "\(mapping): no source for model forcings: tasmin, rsds, hurs")
        let identity = assemblerError {
            _ = try assemble(
                BasinInputRequest(basinsPath: Fx.basins, forcingPaths: [path]), model)
        }
        #expect(identity == "\(path): no source for model forcings: tasmin, rsds, hurs")
    }

    @Test("a unit that cannot be converted, and an unknown unit, are errors")
    func units() throws {
        let wrong = try grid("wrong.nc", units: ["hurs": "mm/day"])
        #expect(
            assemblerError { _ = try assemble(request([wrong]), model) }
                == "\(mapping): cannot convert hurs from mm/day to % for hurs")
        let unknown = try grid("unknown.nc", units: ["tasmax": "degF"])
        #expect(
            assemblerError { _ = try assemble(request([unknown]), model) }
                == "\(mapping): unknown unit 'degF' for tasmax")
    }

    @Test("--start without the warm-up before it names the earliest possible start")
    func startWithoutWarmUp() {
        let message = assemblerError {
            _ = try assemble(
                request([Fx.forcings], start: CFDate(year: 2016, month: 2, day: 1)), model)
        }
        #expect(
            message
                == "\(Fx.forcings): --start 2016-02-01 leaves fewer than the model's 90 warm-up "
                + "days of forcings before it (pr begins on 2016-01-01); the earliest possible "
                + "start is 2016-03-31")
    }

    @Test("--end after the forcings names the last forcing day")
    func endAfterData() {
        let message = assemblerError {
            _ = try assemble(
                request([Fx.forcings], end: CFDate(year: 2018, month: 1, day: 5)), model)
        }
        #expect(
            message
                == "\(Fx.forcings): --end 2018-01-05 is after the last forcing day 2017-12-31 "
                + "(of pr)")
    }

    @Test("forcings too short for the warm-up, and an empty explicit period")
    func tooShort() throws {
        let short = try grid("short.nc", steps: 0..<60)
        let message = assemblerError { _ = try assemble(request([short]), model) }
        #expect(
            message
                == "\(short): the forcings (2016-01-01 … 2016-02-29) leave no day to predict "
                + "from 2016-03-31 to 2016-02-29 after the model's 90 warm-up days")
        let empty = assemblerError {
            _ = try assemble(
                request(
                    [Fx.forcings], start: CFDate(year: 2017, month: 5, day: 1),
                    end: CFDate(year: 2017, month: 4, day: 1)), model)
        }
        #expect(empty == "--start/--end: the period 2017-05-01 … 2017-04-01 is empty")
    }

    @Test("two files giving one day different values: an error naming both files")
    func conflictingOverlap() throws {
        let early = try grid("early.nc", steps: 0..<400)
        let late = try grid("late.nc", steps: 399..<731) { name, value in
            name == "rsds" ? value + 1 : value
        }
        let message = try #require(
            assemblerError { _ = try assemble(request([early, late]), model) })
        #expect(message.hasPrefix("\(late): gives rsds = "))
        #expect(message.contains("for basin B001 on 2017-02-03 but \(early) gives "))
    }

    @Test("files declaring different units for one variable are an error")
    func unitsDisagree() throws {
        let early = try grid("k.nc", steps: 0..<400)
        let late = try grid("c.nc", steps: 400..<731, units: ["tasmax": "degC"]) { name, v in
            name == "tasmax" ? v - 273.15 : v
        }
        let message = assemblerError { _ = try assemble(request([early, late]), model) }
        #expect(message == "\(late): gives tasmax in degC but \(early) gives it in K")
    }

    @Test("all basins outside the forcing grid (far away): an error naming both files")
    func allOutside() throws {
        let far = try grid("far.nc", lonShift: 100)
        let message = assemblerError { _ = try assemble(request([far]), model) }
        #expect(
            message
                == "\(far): no basin of \(Fx.basins) overlaps the forcing grid (check the CRS "
                + "of both files: the grid's grid_mapping and the basins' .prj)")
    }

    @Test("unknown forcing formats and files without any needed variable")
    func badFiles() throws {
        let text = dir.appendingPathComponent("forcings.txt")
        try "x".write(to: text, atomically: true, encoding: .utf8)
        #expect(
            assemblerError { _ = try assemble(request([text.path]), model) }
                == "\(text.path): unknown forcings format '.txt' (expected a CF NetCDF grid, a "
                + "CF timeSeries NetCDF, one basin's NetCDF as Caravan's, a per-basin CSV or a "
                + "CAMELS forcing .txt)")
        let other = try grid("other.nc", variables: ["pr"], units: [:])
        let renamed = dir.appendingPathComponent("renamed.json").path
        let map = try Fx.mapping(in: dir, forcings: ["precip": ("pr", nil)], name: "renamed.json")
        #expect(map == renamed)
        #expect(
            assemblerError { _ = try assemble(request([other], mapping: map), model) }
                == "\(other): holds none of the forcings the model needs (precip, tasmax, "
                + "tasmin, rsds, hurs); it has: pr")
        #expect(
            assemblerError {
                _ = try assemble(BasinInputRequest(basinsPath: Fx.basins, forcingPaths: []), model)
            } == "\(Fx.basins): no forcings given (--forcings FILE)")
    }

    @Test("attributes: none given, a basin missing from the CSV, no unit without a mapping")
    func attributeErrors() throws {
        let none = assemblerError {
            _ = try assemble(
                BasinInputRequest(basinsPath: Fx.basins, forcingPaths: [Fx.forcings]), model)
        }
        #expect(
            none
                == "--attributes: no source for model attributes: elevation, slope, clay, "
                + "sand, silt, forest_fraction (give --attributes CSV or --static-raster "
                + "NAME=FILE)")
        let sub = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let partial = try Fx.attributesCSV(in: sub, basins: Array(Fx.basinIDs.prefix(5)))
        #expect(
            assemblerError { _ = try assemble(request([Fx.forcings], attributes: partial), model) }
                == "\(partial): missing basins: B006, B007")
        let noUnits = assemblerError {
            _ = try assemble(
                BasinInputRequest(
                    basinsPath: Fx.basins, forcingPaths: [Fx.forcings],
                    attributesPath: attributes), model)
        }
        #expect(
            noUnits
                == "\(attributes): no unit declared for elevation (the model wants elevation "
                + "in m)")
    }

    @Test("a per-basin CSV without units needs them in the mapping")
    func csvWithoutUnits() throws {
        let csv = dir.appendingPathComponent("plain.csv")
        var text = "basin_id,time," + Fx.variables.joined(separator: ",") + "\n"
        for id in Fx.basinIDs {
            text += "\(id),2016-01-01,1,2,3,4,5\n"
        }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        #expect(
            assemblerError { _ = try assemble(request([csv.path]), model) }
                == "\(mapping): no unit declared for pr (the model wants pr in mm/day)")
    }

    @Test("a per-basin file that lacks some basins lists them")
    func missingBasins() throws {
        let csv = dir.appendingPathComponent("two-basins.csv")
        var text = "basin_id,time," + Fx.variables.joined(separator: ",") + "\n"
        for id in ["B001", "B003"] { text += "\(id),2016-01-01,1,2,3,4,5\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        #expect(
            assemblerError { _ = try assemble(request([csv.path]), model) }
                == "\(csv.path): no forcings for basins B002, B004, B005, B006, B007")
    }

    @Test("a sub-daily grid, and a netCDF that is neither a grid nor a timeSeries")
    func notDailyOrNotGrid() throws {
        let sample = try Fx.sampleFields(["pr"])
        let sixHourly = dir.appendingPathComponent("6h.nc").path
        try Fx.writeGrid(
            sixHourly, x: sample.x, y: sample.y, times: (0..<8).map { Double($0) / 4 },
            steps: 0..<8, fields: sample.fields)
        #expect(
            assemblerError { _ = try assemble(request([sixHourly]), model) }
                == "\(sixHourly): time steps 0 and 1 fall on the same day 2016-01-01 (daily "
                + "forcings needed; the time step is 6 hours)")
        let stations = dir.appendingPathComponent("stations.nc").path
        let file = try NetCDFFile(creatingClassicModel: stations)
        let sd = try file.defineDimension("station", length: 2)
        let td = try file.defineDimension("time", length: 3)
        let tv = try file.defineVariable("time", type: .double, dimensions: [td])
        try file.putAttribute(.text("units", "days since 2016-01-01"), on: tv)
        let pv = try file.defineVariable("pr", type: .float, dimensions: [sd, td])
        try file.putAttribute(.text("units", "mm/day"), on: pv)
        try file.endDefinitions()
        try file.write([0.0, 1, 2], to: tv, start: [0], count: [3])
        try file.write([Float](repeating: 1, count: 6), to: pv, start: [0, 0], count: [2, 3])
        try file.close()
        let message = try #require(assemblerError { _ = try assemble(request([stations]), model) })
        #expect(message.hasPrefix("\(stations): no latitude/longitude or projection x/y axes"))
    }
}
