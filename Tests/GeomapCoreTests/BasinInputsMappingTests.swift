import Foundation
import GeoNetCDF
import Models
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

@Suite("Variable mapping, unit conversions and normalisation")
struct BasinInputsMappingTests {
    @Test("unit spellings normalise to one unit")
    func spellings() {
        let cases: [(String, BasinUnit)] = [
            ("kg m-2 d-1", .kgPerM2PerDay), ("kg/m2/day", .kgPerM2PerDay),
            ("kg m**-2 day**-1", .kgPerM2PerDay), ("kg.m-2.d-1", .kgPerM2PerDay),
            ("mm d-1", .mmPerDay), ("mm/d", .mmPerDay), ("mm/day", .mmPerDay),
            ("m/day", .mPerDay), ("kg m-2 s-1", .kgPerM2PerSecond), ("kg/m^2/s", .kgPerM2PerSecond),
            ("W/m2", .wattPerM2), ("W m^-2", .wattPerM2), ("MJ/m2/day", .megajoulePerM2PerDay),
            ("J m-2 d-1", .joulePerM2PerDay), ("°C", .celsius), ("degC", .celsius),
            ("K", .kelvin), ("%", .percent), ("percent", .percent), ("1", .fraction),
        ]
        for (text, unit) in cases {
            #expect(BasinUnit(parsing: text) == unit, "\(text)")
        }
        #expect(BasinUnit(parsing: "furlongs/fortnight") == nil)
        #expect(BasinUnit(parsing: "m") == nil)
    }

    @Test("the conversion table: exact factors and offsets")
    func conversions() throws {
        func convert(_ x: Float, _ a: BasinUnit, _ b: BasinUnit) throws -> Float {
            try #require(UnitConversion(from: a, to: b)).apply(x)
        }
        #expect(try convert(300, .kelvin, .celsius) == Float(300 - 273.15))
        #expect(try convert(0, .celsius, .kelvin) == 273.15)
        #expect(try convert(0.002, .mPerDay, .mmPerDay) == 2)
        #expect(try convert(3, .mmPerDay, .kgPerM2PerDay) == 3)
        #expect(try convert(3, .kgPerM2PerDay, .mmPerDay) == 3)
        #expect(UnitConversion(from: .kgPerM2PerSecond, to: .mmPerDay)?.factor == 86_400)
        #expect(abs(try convert(1e-5, .kgPerM2PerSecond, .mmPerDay) - 0.864) < 1e-6)
        #expect(try convert(8_640_000, .joulePerM2PerDay, .wattPerM2) == 100)
        #expect(
            UnitConversion(from: .megajoulePerM2PerDay, to: .wattPerM2)?.factor == 1e6 / 86_400)
        #expect(abs(try convert(8.64, .megajoulePerM2PerDay, .wattPerM2) - 100) < 1e-4)
        #expect(try convert(55, .percent, .fraction) == Float(0.55))
        #expect(try convert(0.5, .fraction, .percent) == 50)
        #expect(UnitConversion(from: .kelvin, to: .mmPerDay) == nil)
        #expect(UnitConversion(from: .percent, to: .wattPerM2) == nil)
    }

    func table() -> BasinTable {
        BasinTable(
            basinIDs: ["A", "B"],
            dates: [
                CFDate(year: 2000, month: 1, day: 1),
                CFDate(year: 2000, month: 1, day: 2),
            ],
            variables: ["tmax", "pr", "hurs"], units: [nil, nil, "%"],
            values: [300, 301, 302, .nan, 1, 2, 3, 4, 50, 60, 70, 80])
    }

    @Test("a mapping file renames, reorders and converts into the model's units")
    func mapFromFile() throws {
        let url = try basinFile(
            "mapping.json",
            """
            {"forcings": {"tmax": {"to": "Tmax", "units": "K"},
                          "pr": {"to": "P", "units": "kg m-2 d-1"},
                          "hurs": {"to": "RH"}}}
            """)
        let mapping = try VariableMapping(contentsOf: url)
        let out = try mapping.mapForcings(
            table(), modelVariables: ["P", "Tmax", "RH"],
            modelUnits: ["P": "mm/day", "Tmax": "degC", "RH": "1"])
        #expect(out.variables == ["P", "Tmax", "RH"])
        #expect(out.units == ["mm/day", "degC", "1"])
        #expect(out.series("P", basin: "B") == [3, 4])
        let tmax = try #require(out.series("Tmax", basin: "A"))
        #expect(tmax[0] == Float(300 - 273.15) && tmax[1] == Float(301 - 273.15))
        #expect(out.series("Tmax", basin: "B")![1].isNaN)
        #expect(out.series("RH", basin: "A") == [0.5, 0.6])
    }

    @Test("every model variable without a source is listed in one error")
    func missingSources() throws {
        let mapping = VariableMapping(
            forcings: ["pr": .init(to: "P", units: "mm/day"), "pet": .init(to: "PET")],
            path: "map.json")
        let error = basinError { () throws(BasinInputError) in
            try mapping.mapForcings(
                table(), modelVariables: ["P", "Tmin", "PET", "srad"], modelUnits: [:])
        }
        #expect(
            error?.description
                == "map.json: no source for model forcings: Tmin, "
                + "PET (mapped from pet, absent from the data), srad")
    }

    @Test("unknown units, unconvertible pairs, contradictions and missing units are errors")
    func unitErrors() throws {
        func mapError(_ entry: VariableMapping.Entry, source: String = "tmax", model: String)
            -> String?
        {
            let mapping = VariableMapping(forcings: [source: entry], path: "map.json")
            return basinError { () throws(BasinInputError) in
                try mapping.mapForcings(
                    table(), modelVariables: [entry.to], modelUnits: [entry.to: model])
            }?.description
        }
        #expect(
            mapError(.init(to: "T", units: "Fahrenheit"), model: "degC")
                == "map.json: unknown unit 'Fahrenheit' for tmax")
        #expect(
            mapError(.init(to: "T", units: "K"), model: "degF")
                == "map.json: unknown model unit 'degF' for T")
        #expect(
            mapError(.init(to: "T", units: "K"), model: "mm/day")
                == "map.json: cannot convert tmax from K to mm/day for T")
        #expect(
            mapError(.init(to: "T"), model: "degC")
                == "map.json: no unit declared for tmax (the model wants T in degC)")
        #expect(
            mapError(.init(to: "RH", units: "1"), source: "hurs", model: "1")
                == "map.json: hurs is declared in 1 but the data file says %")
    }

    @Test("bad mapping files are one-line errors naming the file")
    func fileErrors() throws {
        let bad = try basinFile("mapping.json", "{\"forcings\": {\"pr\": \"P\"}}")
        let e1 = basinError { () throws(BasinInputError) in try VariableMapping(contentsOf: bad) }
        #expect(
            e1?.description.hasPrefix("\(bad.path): not a variable mapping of the form") == true)
        let twice = try basinFile(
            "mapping.json", "{\"forcings\": {\"pr\": {\"to\": \"P\"}, \"prcp\": {\"to\": \"P\"}}}")
        let e2 = basinError { () throws(BasinInputError) in try VariableMapping(contentsOf: twice) }
        #expect(e2?.description == "\(twice.path): forcings: pr, prcp all map to P")
        let absent = URL(fileURLWithPath: "/nonexistent/map.json")
        let e3 = basinError { () throws(BasinInputError) in try VariableMapping(contentsOf: absent)
        }
        #expect(e3?.description == "/nonexistent/map.json: cannot read the variable mapping file")
        // A misspelt key is refused, not dropped with what it held.
        let section = try basinFile(
            "mapping.json", "{\"variables\": {\"pr\": {\"to\": \"P\", \"units\": \"K\"}}}")
        let e4 = basinError { () throws(BasinInputError) in
            try VariableMapping(contentsOf: section)
        }
        #expect(
            e4?.description
                == "\(section.path): unknown key 'variables' (a mapping has forcings, attributes "
                + "and observed)")
        let unit = try basinFile(
            "mapping.json", "{\"forcings\": {\"tmax\": {\"to\": \"tasmax\", \"unit\": \"degF\"}}}")
        let e5 = basinError { () throws(BasinInputError) in try VariableMapping(contentsOf: unit) }
        #expect(
            e5?.description
                == "\(unit.path): forcings.tmax: unknown key 'unit' (an entry has to and units)")
    }

    @Test("attributes: sources listed, renamed, converted; missing ones listed at once")
    func attributes() throws {
        let url = try basinFile("attrs.csv", "basin_id,frac_forest,elev\nA,50,100\nB,25,200\n")
        let mapping = VariableMapping(
            forcings: [:],
            attributes: [
                "frac_forest": .init(to: "forest", units: "%"),
                "elev": .init(to: "elevation"),
            ],
            path: "map.json")
        let sources = try mapping.attributeSources(for: ["elevation", "forest"])
        let read = try BasinAttributes.read(url, attributes: sources, basins: ["A", "B"])
        let out = try mapping.mapAttributes(
            read, modelAttributes: ["elevation", "forest"], modelUnits: ["forest": "1"])
        #expect(out.attributes == ["elevation", "forest"])
        #expect(out.values == [100, 200, 0.5, 0.25])
        let error = basinError { () throws(BasinInputError) in
            try mapping.attributeSources(for: ["elevation", "aridity", "porosity"])
        }
        #expect(error?.description == "map.json: no source for model attributes: aridity, porosity")
    }
}
