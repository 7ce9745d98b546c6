import Foundation
import GeoNetCDF
import Models
import TestSupport
import Testing

@testable import GeomapCore

@Suite("Basin forcings entry points")
struct BasinInputsForcingsTests {
    @Test("the reader is chosen by extension; an unknown extension is an error")
    func byExtension() throws {
        let csv = try basinFile("f.csv", "basin_id,time,pr\nA,2000-01-01,1\n")
        #expect(try BasinForcings.read(csv).series("pr", basin: "A") == [1])
        let txt = try basinFile("f.txt", "basin_id,time,pr\nA,2000-01-01,1\n")
        let error = basinError { () throws(BasinInputError) in try BasinForcings.read(txt) }
        #expect(
            error?.description
                == "\(txt.path): unknown per-basin format '.txt' (expected .csv, .nc, or a "
                + "CAMELS .txt: USGS streamflow or Daymet forcings)")
    }

    @Test("every unit of the sample forcings parses, and converts to the model's units")
    func sampleUnits() throws {
        let dataset = try CFDataset(
            path: TestPaths.samples.appendingPathComponent("forcings.nc").path)
        let units = Dictionary(
            uniqueKeysWithValues: dataset.gridVariables.map { ($0.name, $0.units ?? "") })
        let expected: [String: BasinUnit] = [
            "pr": .kgPerM2PerDay, "tasmax": .kelvin, "tasmin": .kelvin, "rsds": .wattPerM2,
            "hurs": .percent,
        ]
        for (name, unit) in expected {
            let text = try #require(units[name], "\(name) in samples/forcings.nc")
            #expect(BasinUnit(parsing: text) == unit, "\(name): \(text)")
        }
        let stats = StefaLandStatistics(entries: [
            "P": .init(mean: 3, std: 6, units: "mm/day"), "elev": .init(mean: 500, std: 300),
        ])
        #expect(BasinForcings.modelUnits(stats) == ["P": "mm/day"])
    }
}
