import Foundation
import GeoNetCDF
import GeoVector
import Models
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore
@testable import ZonalAggregation

typealias Fx = AssemblerFixtures

/// Runs the assembler quietly.
func assemble(_ request: BasinInputRequest, _ model: StefaLandModel) throws -> BasinModelInputs {
    try BasinInputAssembler.assemble(
        request, model: model, modelPath: Fx.modelURL.path, log: { _ in })
}

/// The one-line description of the error `body` throws (nil when it does not throw).
func assemblerError(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// The model unit conversion of each sample variable: K → degC, the others unchanged.
func toModelUnits(_ variable: String, _ value: Double) -> Double {
    variable.hasPrefix("tas") ? value - 273.15 : value
}

@Suite("BasinInputAssembler: gridded forcings on the samples")
struct BasinInputAssemblerGridTests {
    @Test("default period: forcings equal geomap zonal means in model units, warm-up first")
    func defaultPeriod() throws {
        let dir = try makeTemporaryDirectory("assembler-default")
        let model = try Fx.model()
        let mapping = try Fx.mapping(in: dir)
        let request = BasinInputRequest(
            basinsPath: Fx.basins, forcingPaths: [Fx.forcings],
            attributesPath: try Fx.attributesCSV(in: dir), mappingPath: mapping,
            cacheDirectory: dir.appendingPathComponent("cache"))
        let inputs = try assemble(request, model)
        let t = inputs.forcings
        #expect(t.basinIDs == Fx.basinIDs)
        #expect(t.variables == model.configuration.dynamicVariables)
        #expect(t.units == ["mm/day", "degC", "degC", "W m-2", "%"])
        #expect(inputs.firstOutputDay == 90)
        #expect(t.dates.first?.description == "2016-01-01")
        #expect(t.dates.last?.description == "2017-12-31")
        #expect(inputs.outputDates.first?.description == "2016-03-31")
        #expect(inputs.problems.isEmpty)

        let zonal = try Fx.zonalMeans(in: dir)
        var compared = 0
        var worst = 0.0
        for (v, variable) in t.variables.enumerated() {
            for (b, basin) in t.basinIDs.enumerated() {
                for (d, date) in t.dates.enumerated() {
                    let key = ZonalFixtures.Key(
                        basin: basin, time: date.description, variable: variable, stat: "mean")
                    let reference = toModelUnits(variable, try #require(zonal[key]))
                    let value = Double(t[variable: v, basin: b, day: d])
                    worst = max(worst, abs(value - reference) / max(1, abs(reference)))
                    compared += 1
                }
            }
        }
        #expect(compared == 5 * 7 * 731)
        #expect(worst < 1e-5)
        // attributes: the CSV's values in model order, units from the mapping (no conversion)
        #expect(inputs.attributes.attributes == Fx.attributes)
        #expect(inputs.attributes.value("elevation", basin: "B003") == 300)
        #expect(inputs.attributes.value("forest_fraction", basin: "B007") == Float(0.6))
        // the weights were cached
        let cached = try FileManager.default.contentsOfDirectory(
            atPath: dir.appendingPathComponent("cache").path)
        #expect(!cached.isEmpty)
    }

    @Test("explicit period: the table starts warmUp days before --start and ends at --end")
    func explicitPeriod() throws {
        let dir = try makeTemporaryDirectory("assembler-period")
        let model = try Fx.model()
        let full = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [Fx.forcings],
                attributesPath: try Fx.attributesCSV(in: dir),
                mappingPath: try Fx.mapping(in: dir)), model)
        let request = BasinInputRequest(
            basinsPath: Fx.basins, forcingPaths: [Fx.forcings],
            attributesPath: try Fx.attributesCSV(in: dir), mappingPath: try Fx.mapping(in: dir),
            start: CFDate(year: 2017, month: 1, day: 1),
            end: CFDate(year: 2017, month: 1, day: 31))
        let inputs = try assemble(request, model)
        let t = inputs.forcings
        #expect(t.dayCount == 90 + 31)
        #expect(t.dates.first?.description == "2016-10-03")
        #expect(inputs.outputDates.first?.description == "2017-01-01")
        #expect(inputs.outputDates.last?.description == "2017-01-31")
        let offset = try #require(full.forcings.dates.firstIndex(of: t.dates[0]))
        for v in t.variables.indices {
            for b in t.basinIDs.indices {
                for d in 0..<t.dayCount {
                    #expect(
                        t[variable: v, basin: b, day: d]
                            == full.forcings[variable: v, basin: b, day: d + offset])
                }
            }
        }
    }

    @Test("two grids split by variable, and two split in time (overlapping), merge exactly")
    func splitFiles() throws {
        let dir = try makeTemporaryDirectory("assembler-split")
        let model = try Fx.model()
        let attributes = try Fx.attributesCSV(in: dir)
        let mapping = try Fx.mapping(in: dir)
        let reference = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: attributes,
                mappingPath: mapping), model)
        let sample = try Fx.sampleFields()
        let all = 0..<sample.times.count
        let a = dir.appendingPathComponent("a.nc").path
        let b = dir.appendingPathComponent("b.nc").path
        try Fx.writeGrid(
            a, x: sample.x, y: sample.y, times: sample.times, steps: all,
            fields: Array(sample.fields[0..<3]))
        try Fx.writeGrid(
            b, x: sample.x, y: sample.y, times: sample.times, steps: all,
            fields: Array(sample.fields[3...]))
        let byVariable = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [b, a], attributesPath: attributes,
                mappingPath: mapping), model)
        #expect(byVariable.forcings == reference.forcings)

        let early = dir.appendingPathComponent("2016.nc").path
        let late = dir.appendingPathComponent("2017.nc").path
        try Fx.writeGrid(
            early, x: sample.x, y: sample.y, times: sample.times, steps: 0..<400,
            fields: sample.fields)
        try Fx.writeGrid(
            late, x: sample.x, y: sample.y, times: sample.times, steps: 380..<731,
            fields: sample.fields)
        let byTime = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [late, early], attributesPath: attributes,
                mappingPath: mapping), model)
        #expect(byTime.forcings == reference.forcings)
        #expect(byTime.firstOutputDay == reference.firstOutputDay)
        #expect(!byTime.messages.contains { $0.contains("no value in any forcing file") })

        // A gap of 20 days between two files stays missing, with a note per variable.
        let gapEnd = dir.appendingPathComponent("2017-gap.nc").path
        try Fx.writeGrid(
            gapEnd, x: sample.x, y: sample.y, times: sample.times, steps: 420..<731,
            fields: sample.fields)
        let gappy = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [early, gapEnd],
                attributesPath: attributes, mappingPath: mapping), model)
        #expect(gappy.forcings.dayCount == 731)
        let pr = try #require(gappy.forcings.series("pr", basin: "B002"))
        #expect(pr[399].isFinite && pr[400...419].allSatisfy { $0.isNaN } && pr[420].isFinite)
        #expect(gappy.problems.isEmpty)
        #expect(
            gappy.messages.contains(
                "pr: no value in any forcing file on 20 day(s) of 2016-01-01 … 2017-12-31 "
                    + "(the first: 2017-02-04); those days stay missing"))
    }

    @Test("a per-basin CSV written from the gridded result assembles to the same table")
    func perBasinCSV() throws {
        let dir = try makeTemporaryDirectory("assembler-csv")
        let model = try Fx.model()
        let attributes = try Fx.attributesCSV(in: dir)
        let gridded = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: attributes,
                mappingPath: try Fx.mapping(in: dir)), model)
        let csv = dir.appendingPathComponent("per-basin.csv")
        try Fx.wideCSV(gridded.forcings, to: csv)
        let units = ["mm/day", "degC", "degC", "W m-2", "%"]
        let mapping = try Fx.mapping(
            in: dir,
            forcings: Dictionary(
                uniqueKeysWithValues: zip(Fx.variables, units).map { ($0, ($0, $1)) }),
            name: "csv-mapping.json")
        let fromCSV = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [csv.path], attributesPath: attributes,
                mappingPath: mapping), model)
        #expect(fromCSV.forcings == gridded.forcings)
        #expect(fromCSV.firstOutputDay == gridded.firstOutputDay)
        #expect(fromCSV.problems.isEmpty)
    }

    @Test("a basin whose forcings are all missing is a problem; the others are assembled")
    func allMissingBasin() throws {
        let dir = try makeTemporaryDirectory("assembler-missing")
        let model = try Fx.model()
        let attributes = try Fx.attributesCSV(in: dir)
        let gridded = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: attributes,
                mappingPath: try Fx.mapping(in: dir)), model)
        // B007 has nothing; B001 has no tasmax; B002 lacks pr on even days, hurs on odd ones.
        var table = gridded.forcings
        for d in 0..<table.dayCount {
            table[variable: 1, basin: 0, day: d] = .nan
            table[variable: d % 2 == 0 ? 0 : 4, basin: 1, day: d] = .nan
        }
        let csv = dir.appendingPathComponent("gappy.csv")
        try Fx.wideCSV(table, to: csv, blank: ["B007"])
        let units = ["mm/day", "degC", "degC", "W m-2", "%"]
        let mapping = try Fx.mapping(
            in: dir,
            forcings: Dictionary(
                uniqueKeysWithValues: zip(Fx.variables, units).map { ($0, ($0, $1)) }),
            name: "csv-mapping.json")
        let inputs = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [csv.path], attributesPath: attributes,
                mappingPath: mapping), model)
        #expect(
            inputs.problems == [
                6: "all forcings missing over 2016-03-31 … 2017-12-31",
                0: "no tasmax over 2016-03-31 … 2017-12-31",
                1: "no day of 2016-03-31 … 2017-12-31 has every forcing",
            ])
        #expect(inputs.forcings.series("pr", basin: "B007")?.allSatisfy { $0.isNaN } == true)
        #expect(
            inputs.forcings.series("pr", basin: "B003")
                == gridded.forcings.series("pr", basin: "B003"))
    }

    @Test("basins off a cropped grid are problems, partly covered ones a note with the share")
    func croppedGrid() throws {
        let dir = try makeTemporaryDirectory("assembler-crop")
        let model = try Fx.model()
        let sample = try Fx.sampleFields()
        // Keep only the western 9 columns (up to 20.475° E, cell edge 20.5° E).
        let cols = 9
        let rows = sample.y.count
        let cells = sample.x.count * rows
        let cropped = sample.fields.map { field in
            var values: [Float] = []
            for t in 0..<sample.times.count {
                for y in 0..<rows {
                    let start = t * cells + y * sample.x.count
                    values += field.values[start..<(start + cols)]
                }
            }
            return Fx.Field(name: field.name, units: field.units, values: values)
        }
        let path = dir.appendingPathComponent("west.nc").path
        try Fx.writeGrid(
            path, x: Array(sample.x[0..<cols]), y: sample.y, times: sample.times,
            steps: 0..<sample.times.count, fields: cropped)
        let inputs = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [path],
                attributesPath: try Fx.attributesCSV(in: dir),
                mappingPath: try Fx.mapping(in: dir)), model)
        #expect(!inputs.problems.isEmpty && inputs.problems.count < 7)
        for (b, reason) in inputs.problems {
            #expect(reason == "outside the forcing grid of west.nc")
            #expect(
                inputs.forcings.series("tasmax", basin: Fx.basinIDs[b])!.allSatisfy { $0.isNaN })
        }
        #expect(inputs.messages.contains { $0.contains("lies only") && $0.contains("%") })
    }

    @Test("a CF timeSeries netCDF written from the gridded result: same table, window read")
    func perBasinNetCDF() throws {
        let dir = try makeTemporaryDirectory("assembler-dsg")
        let model = try Fx.model()
        let attributes = try Fx.attributesCSV(in: dir)
        let mapping = try Fx.mapping(in: dir)
        let gridded = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: attributes,
                mappingPath: mapping), model)
        let t = gridded.forcings
        let path = dir.appendingPathComponent("per-basin.nc").path
        let units = try #require(CFTimeUnits("days since 2016-01-01", calendar: .standard))
        let layout = BasinSeriesLayout(
            basins: t.basinIDs.enumerated().map { i, id in
                let x = Double(i)
                return DSGBasin(
                    id: id, name: id, latitude: 45, longitude: 20 + x,
                    polygons: [
                        DSGPolygon(
                            exterior: [
                                SIMD2(20 + x, 45), SIMD2(20.5 + x, 45), SIMD2(20.5 + x, 45.5),
                            ])
                    ])
            },
            timeUnits: units, times: (0..<t.dayCount).map(Double.init),
            variables: zip(t.variables, t.units).map { name, unit in
                DSGVariable(name: name, units: unit!, longName: name)
            },
            title: "t", source: "s", history: "h", references: "r", geomapVersion: "test")
        let writer = try BasinSeriesWriter(path: path, layout: layout)
        let block = t.basinIDs.count * t.dayCount
        for (v, name) in t.variables.enumerated() {
            try writer.write(
                name, basins: 0..<t.basinIDs.count, times: 0..<t.dayCount,
                values: Array(t.values[(v * block)..<((v + 1) * block)]))
        }
        try writer.finish()
        let fromFile = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [path], attributesPath: attributes,
                mappingPath: mapping), model)
        #expect(fromFile.forcings == gridded.forcings)
        let window = try BasinNetCDF.readForcings(
            URL(fileURLWithPath: path), variables: ["hurs"],
            from: CFDate(year: 2017, month: 3, day: 1),
            through: CFDate(year: 2017, month: 3, day: 3))
        #expect(window.dates.map(\.description) == ["2017-03-01", "2017-03-02", "2017-03-03"])
        let d = try #require(t.dates.firstIndex(of: CFDate(year: 2017, month: 3, day: 1)))
        #expect(
            window.series("hurs", basin: "B005")
                == Array(
                    try #require(t.series("hurs", basin: "B005"))[d..<(d + 3)]))
    }

    @Test("--area-weighted forcings equal geomap zonal --area-weighted means; progress reported")
    func areaWeighted() throws {
        let dir = try makeTemporaryDirectory("assembler-area")
        let model = try Fx.model()
        var request = BasinInputRequest(
            basinsPath: Fx.basins, forcingPaths: [Fx.forcings],
            attributesPath: try Fx.attributesCSV(in: dir), mappingPath: try Fx.mapping(in: dir),
            start: CFDate(year: 2017, month: 6, day: 1), end: CFDate(year: 2017, month: 6, day: 30))
        request.areaWeighted = true
        var reports: [String: Int] = [:]
        let inputs = try BasinInputAssembler.assemble(
            request, model: model, modelPath: Fx.modelURL.path, log: { _ in },
            progress: { label, done, total in
                #expect(done <= total)
                reports[label] = done
            })
        #expect(reports["forcings.nc pr"] == 120 && reports["forcings.nc hurs"] == 120)
        var options = ZonalOptions(
            basinsPath: Fx.basins, statistics: [.mean],
            output: dir.appendingPathComponent("zonal.csv"))
        options.forcingPaths = [Fx.forcings]
        options.variables = ["rsds"]
        options.areaWeighted = true
        options.from = "2017-06-01"
        options.to = "2017-06-30"
        _ = try ZonalJob.run(options, log: { _ in })
        let zonal = try ZonalFixtures.values(at: options.output)
        let t = inputs.forcings
        request.areaWeighted = false
        let plain = try assemble(request, model).forcings
        // the option reaches the weights
        #expect(zip(plain.values, t.values).contains { $0.isFinite && $1.isFinite && $0 != $1 })
        let v = try #require(t.variables.firstIndex(of: "rsds"))
        for (b, basin) in t.basinIDs.enumerated() {
            for d in inputs.firstOutputDay..<t.dayCount {
                let key = ZonalFixtures.Key(
                    basin: basin, time: t.dates[d].description, variable: "rsds", stat: "mean")
                let reference = try #require(zonal[key])
                #expect(
                    abs(Double(t[variable: v, basin: b, day: d]) - reference) <= 1e-5 * reference)
            }
        }
    }

    @Test("gridded: the cells under one basin missing at every step make it a problem")
    func allMissingCells() throws {
        let dir = try makeTemporaryDirectory("assembler-missing-cells")
        let model = try Fx.model()
        let sample = try Fx.sampleFields()
        let forcing = try CFForcing(path: Fx.forcings)
        let set = try BasinReader.read(path: Fx.basins)
        let weights = try CoverageWeights(cacheDirectory: nil)
            .weights(set, forcing: forcing, log: { _ in }).weights
        let b7 = 6
        let cells = Set(weights.cells[weights.offsets[b7]..<weights.offsets[b7 + 1]].map(Int.init))
        #expect(!cells.isEmpty)
        let perStep = sample.x.count * sample.y.count
        let holed = sample.fields.map { field in
            var values = field.values
            for i in values.indices where cells.contains(i % perStep) { values[i] = .nan }
            return Fx.Field(name: field.name, units: field.units, values: values)
        }
        let path = dir.appendingPathComponent("holed.nc").path
        try Fx.writeGrid(
            path, x: sample.x, y: sample.y, times: sample.times, steps: 0..<sample.times.count,
            fields: holed)
        let inputs = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [path],
                attributesPath: try Fx.attributesCSV(in: dir),
                mappingPath: try Fx.mapping(in: dir)), model)
        #expect(inputs.problems == [b7: "all forcings missing over 2016-03-31 … 2017-12-31"])
        #expect(inputs.forcings.series("hurs", basin: "B007")!.allSatisfy { $0.isNaN })
        #expect(inputs.forcings.series("hurs", basin: "B003")!.allSatisfy { $0.isFinite })
    }
}
