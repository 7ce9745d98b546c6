import Foundation
import GeomapCore
import Models
import TestSupport
import Testing

/// A mosaic VRT over two clips of samples/region.tif that declare no nodata (as
/// `gdalbuildvrt` without `-srcnodata` makes them): the gaps between the clips hold 0 in every
/// band, the Landsat C2 surface-reflectance fill value.
@Suite("Landsat fill 0 in mosaics")
struct MosaicFillTests {
    let directory: URL
    let mosaic: String
    let model: String

    init() throws {
        directory = try makeTemporaryDirectory()
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        var clips: [String] = []
        for (index, origin) in [(0, 0), (240, 160)].enumerated() {
            let clip = directory.appendingPathComponent("clip\(index).tif").path
            try runGDALTool(
                "gdal_translate",
                [
                    "-q", "-srcwin", "\(origin.0 + 40)", "\(origin.1 + 40)", "120", "80",
                    "-a_nodata", "none", region, clip,
                ])
            clips.append(clip)
        }
        mosaic = directory.appendingPathComponent("mosaic.vrt").path
        try runGDALTool(
            "gdalbuildvrt", ["-q", "-te", "455015", "4959015", "467015", "4968015", mosaic] + clips)
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

    /// Per tile of the 40 px plan over 400×300 (last row anchored at 260): the pixels it
    /// shares with the two clips, [40,160)×[40,120) and [280,400)×[200,280).
    static var tileOverlaps: [Int] {
        let clips = [(40, 160, 40, 120), (280, 400, 200, 280)]
        var overlaps: [Int] = []
        for y in [0, 40, 80, 120, 160, 200, 240, 260] {
            for x in stride(from: 0, to: 400, by: 40) {
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
        let fill = try predict(["--date", "2017-06-13T10:10:31Z"])
        #expect(fill.run == expectedRun, "\(fill.stderr)")
        #expect(fill.skipped == 80 - expectedRun, "\(fill.stderr)")
        #expect(
            fill.stderr.contains(
                "\(80 - expectedRun) skipped as nodata (\(expectedFill) of them all fill 0)"),
            "\(fill.stderr)")
        let none = try predict(["--date", "2017-06-13T10:10:31Z", "--fill-value", "none"])
        #expect(none.run == 80 && none.skipped == 0, "\(none.stderr)")
        #expect(!none.stderr.contains("fill"), "\(none.stderr)")
        let other = try predict(["--date", "2017-06-13T10:10:31Z", "--fill-value", "65535"])
        #expect(other.run == 80 && other.stderr.contains("(0 of them all fill 65535)"))
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
