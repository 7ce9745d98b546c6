import Foundation
import GeoVector
import Models
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

@Suite("BasinInputAssembler: static attributes from rasters and a CSV")
struct BasinInputAssemblerAttributeTests {
    let model: StefaLandModel
    let dir: URL

    init() throws {
        model = try Fx.model()
        dir = try makeTemporaryDirectory("assembler-attributes")
    }

    func raster(_ name: String) -> StaticRasterSource {
        StaticRasterSource(
            name: name, path: TestPaths.samples.appendingPathComponent("static/\(name).tif").path)
    }

    @Test("six sample rasters, no mapping: band units equal the model's, values as read")
    func rastersOnly() throws {
        let sources = Fx.attributes.map(raster)
        let inputs = try assemble(
            BasinInputRequest(
                basinsPath: Fx.basins, forcingPaths: [Fx.forcings], staticRasters: sources),
            model)
        let set = try BasinReader.read(path: Fx.basins)
        let direct = try StaticRasterAttributes.read(
            sources, basins: set, cacheDirectory: nil, log: { _ in })
        #expect(direct.units == ["m", "degree", "1", "1", "1", "1"])
        #expect(inputs.attributes == direct.attributes)
        #expect(inputs.attributes.values.allSatisfy { $0.isFinite })
        #expect(inputs.problems.isEmpty)
    }

    @Test("a CSV for some attributes and rasters for the others, mapped, in model order")
    func mixed() throws {
        var text = "basin_id,elev,slope_deg\n"
        for (i, id) in Fx.basinIDs.enumerated() { text += "\(id),\(100 * i),\(i)\n" }
        let csv = dir.appendingPathComponent("terrain.csv")
        try text.write(to: csv, atomically: true, encoding: .utf8)
        let mapping = dir.appendingPathComponent("map.json")
        try #"""
        {"attributes": {"elev": {"to": "elevation", "units": "km"},
                        "slope_deg": {"to": "slope", "units": "degree"},
                        "soil_clay": {"to": "clay"}}}
        """#.write(to: mapping, atomically: true, encoding: .utf8)
        var sources = ["sand", "silt", "forest_fraction"].map(raster)
        sources.append(
            StaticRasterSource(
                name: "soil_clay",
                path: TestPaths.samples.appendingPathComponent("static/clay.tif").path))
        sources.append(raster("elevation"))  // not used: elevation comes from elev
        let request = BasinInputRequest(
            basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: csv.path,
            staticRasters: sources, mappingPath: mapping.path)
        // km is not the model's m and is outside the conversion table: an error
        let message = assemblerError { _ = try assemble(request, model) }
        #expect(message == "\(mapping.path): unknown unit 'km' for elev")
        try #"""
        {"attributes": {"elev": {"to": "elevation", "units": "m"},
                        "slope_deg": {"to": "slope", "units": "degree"},
                        "soil_clay": {"to": "clay"}}}
        """#.write(to: mapping, atomically: true, encoding: .utf8)
        let inputs = try assemble(request, model)
        #expect(inputs.attributes.attributes == Fx.attributes)
        #expect(inputs.attributes.value("elevation", basin: "B003") == 200)
        #expect(inputs.attributes.value("slope", basin: "B007") == 6)
        let set = try BasinReader.read(path: Fx.basins)
        let direct = try StaticRasterAttributes.read(
            [raster("clay"), raster("forest_fraction")], basins: set, cacheDirectory: nil,
            log: { _ in })
        #expect(
            inputs.attributes.value("clay", basin: "B004")
                == direct.attributes.value(
                    "clay", basin: "B004"))
        #expect(
            inputs.attributes.value("forest_fraction", basin: "B002")
                == direct.attributes
                .value("forest_fraction", basin: "B002"))
        #expect(
            inputs.messages.contains("--static-raster elevation is not a model attribute; not used")
        )
    }

    @Test("an attribute given by the CSV and a raster, and a raster named twice, are errors")
    func givenTwice() throws {
        let csv = try Fx.attributesCSV(in: dir)
        let mapping = try Fx.mapping(in: dir)
        let both = assemblerError {
            _ = try assemble(
                BasinInputRequest(
                    basinsPath: Fx.basins, forcingPaths: [Fx.forcings], attributesPath: csv,
                    staticRasters: [raster("slope")], mappingPath: mapping), model)
        }
        #expect(
            both
                == "\(csv): slope is given twice: by the column slope and by --static-raster "
                + "slope")
        let slope = raster("slope")
        let twice = assemblerError {
            _ = try assemble(
                BasinInputRequest(
                    basinsPath: Fx.basins, forcingPaths: [Fx.forcings],
                    staticRasters: [slope, slope]), model)
        }
        #expect(
            twice
                == "--static-raster: attribute 'slope' is given twice (\(slope.path), "
                + "\(slope.path))")
    }

    @Test("rasters for only some attributes, without a CSV: every missing one listed")
    func missingAttributes() {
        let message = assemblerError {
            _ = try assemble(
                BasinInputRequest(
                    basinsPath: Fx.basins, forcingPaths: [Fx.forcings],
                    staticRasters: [raster("elevation"), raster("clay")]), model)
        }
        #expect(
            message
                == "--static-raster: no source for model attributes: slope, sand, silt, "
                + "forest_fraction (give --attributes CSV or --static-raster NAME=FILE)")
    }
}
