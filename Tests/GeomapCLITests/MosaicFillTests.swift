import Foundation
import GeomapCore
import Models
import TestSupport
import Testing

/// The mosaic VRT committed in Tests/Fixtures/rasters/mosaic/ (made by
/// tools/rasters/make_raster_fixtures.py from samples/region.tif), copied into a temporary
/// folder: 160 × 120 px over two 60 × 40 px clips with all 7 bands that declare no nodata (as
/// `gdalbuildvrt` without `-srcnodata` makes them); the gaps between the clips hold 0 in every
/// band, the Landsat C2 surface-reflectance fill value.
@Suite("Landsat fill 0 in mosaics")
struct MosaicFillTests {
    let directory: URL
    let mosaic: String
    let model: String

    init() throws {
        directory = try makeTemporaryDirectory()
        let fixtures = TestPaths.fixtures.appendingPathComponent("rasters/mosaic")
        for name in ["mosaic.vrt", "clip0.tif", "clip1.tif"] {
            try FileManager.default.copyItem(
                at: fixtures.appendingPathComponent(name),
                to: directory.appendingPathComponent(name))
        }
        mosaic = directory.appendingPathComponent("mosaic.vrt").path
        let url = directory.appendingPathComponent("xxs.safetensors")
        try MoEMAETileModel.writeRandomModel(
            architecture: "moe-mae-xxs", classes: ["water", "forest", "urban"], reshape: nil,
            to: url)
        model = url.path
    }

    /// (tiles run, tiles skipped, stderr) of a predict run on the mosaic.
    func predict(_ extra: [String]) throws -> (run: Int, skipped: Int, stderr: String) {
        let out = try makeTemporaryDirectory()
        let result = try runGeomap(
            ["predict", "--in", mosaic, "--model", model, "--out", out.path] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let words = result.stderr.split(separator: " ")
        let run = words.firstIndex(of: "run,").flatMap { Int(words[$0 - 2]) } ?? -1
        let skipped = words.firstIndex(of: "skipped").flatMap { Int(words[$0 - 1]) } ?? -1
        return (run, skipped, result.stderr)
    }

    /// Per tile of the 40 px plan over 160×120 (4 × 3 tiles): the pixels it shares with the
    /// two clips, [20,80)×[20,60) and [80,140)×[80,120).
    static var tileOverlaps: [Int] {
        let clips = [(20, 80, 20, 60), (80, 140, 80, 120)]
        var overlaps: [Int] = []
        for y in [0, 40, 80] {
            for x in [0, 40, 80, 120] {
                overlaps.append(
                    clips.map { clip in
                        max(0, min(x + 40, clip.1) - max(x, clip.0))
                            * max(0, min(y + 40, clip.3) - max(y, clip.2))
                    }.reduce(0, +))
            }
        }
        return overlaps
    }

    @Test(
        "gap tiles of 0 in all bands are skipped and counted as fill; --fill-value none runs them")
    func gapsAreFill() throws {
        let overlaps = MosaicFillTests.tileOverlaps
        let expectedRun = overlaps.filter { $0 >= 800 }.count  // at most half invalid
        let expectedFill = overlaps.filter { $0 == 0 }.count
        let tiles = overlaps.count
        // Every kind of tile is there: whole, at least half clip, under half clip, all fill.
        #expect(overlaps.contains(1600) && overlaps.contains(800) && overlaps.contains(400))
        #expect(expectedRun == 4 && expectedFill == 6 && tiles == 12)
        let fill = try predict(["--date", "2017-06-13T10:10:31Z"])
        #expect(fill.run == expectedRun, "\(fill.stderr)")
        #expect(fill.skipped == tiles - expectedRun, "\(fill.stderr)")
        #expect(
            fill.stderr.contains(
                "\(tiles - expectedRun) skipped as nodata (\(expectedFill) of them all fill 0)"),
            "\(fill.stderr)")
        let none = try predict(["--date", "2017-06-13T10:10:31Z", "--fill-value", "none"])
        #expect(none.run == tiles && none.skipped == 0, "\(none.stderr)")
        #expect(!none.stderr.contains("fill"), "\(none.stderr)")
        let other = try predict(["--date", "2017-06-13T10:10:31Z", "--fill-value", "65535"])
        #expect(other.run == tiles && other.stderr.contains("(0 of them all fill 65535)"))
    }

    @Test("--fill-value that is not model, none or a number is exit 2")
    func badFillValue() throws {
        for value in ["zero", "nan", "inf"] {
            let result = try runGeomap(
                ["predict", "--in", mosaic, "--model", model, "--fill-value", value])
            #expect(result.status == 2, "\(value): \(result.stderr)")
            #expect(result.stderr.contains("--fill-value"), "\(result.stderr)")
        }
    }

    @Test("the model declares its product; older files are recognised by their band units")
    func modelDeclaresProduct() throws {
        let file = try ModelFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.manifest.input.product == InputSpec.landsatC2SurfaceReflectance)
        let tileModel = try MoEMAETileModel(file: file)
        #expect(tileModel.input.fillValue == 0)
        var older = file.manifest.input
        older.product = nil
        #expect(MoEMAETileModel.isLandsatSR(older))
        older.variables[0].units = "reflectance"
        #expect(!MoEMAETileModel.isLandsatSR(older))
    }
}
