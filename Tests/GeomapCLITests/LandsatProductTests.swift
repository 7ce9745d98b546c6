import Foundation
import GeoRaster
import GeomapCore
import Models
import TestSupport
import Testing

/// A Landsat Collection 2 band-per-file product made in the test from samples/region.tif:
/// `<id>_SR_B1.TIF` … `_SR_B7.TIF`, optionally `<id>_MTL.txt` and a `<id>_QA_PIXEL.TIF` with one
/// value everywhere.
private struct ProductFolder {
    static let id = "LC08_L2SP_186029_20170613_20200903_02_T1"
    let folder: URL
    let model: String

    init(mtl: Bool, qaValue: Int? = nil) throws {
        folder = try makeTemporaryDirectory().appendingPathComponent(ProductFolder.id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        for band in 1...7 {
            // No metadata copied: the date must come from the MTL file or the product id.
            try runGDALTool(
                "gdal_translate",
                [
                    "-q", "-b", "\(band)", "-srcwin", "0", "0", "120", "80", region,
                    folder.appendingPathComponent("\(ProductFolder.id)_SR_B\(band).TIF").path,
                ])
        }
        if mtl {
            let text = """
                GROUP = LANDSAT_METADATA_FILE
                  GROUP = IMAGE_ATTRIBUTES
                    DATE_ACQUIRED = 2017-06-13
                    SCENE_CENTER_TIME = "10:10:31.4657650Z"
                  END_GROUP = IMAGE_ATTRIBUTES
                END_GROUP = LANDSAT_METADATA_FILE
                END
                """
            try text.write(
                to: folder.appendingPathComponent("\(ProductFolder.id)_MTL.txt"), atomically: true,
                encoding: .utf8)
        }
        if let qaValue {
            try runGDALTool(
                "gdal_create",
                [
                    "-q", "-ot", "UInt16", "-burn", "\(qaValue)", "-if",
                    folder.appendingPathComponent("\(ProductFolder.id)_SR_B1.TIF").path,
                    folder.appendingPathComponent("\(ProductFolder.id)_QA_PIXEL.TIF").path,
                ])
        }
        let models = try makeTemporaryDirectory()
        let url = models.appendingPathComponent("xxs.safetensors")
        try MoEMAETileModel.writeRandomModel(
            architecture: "moe-mae-xxs", classes: ["water", "forest", "urban"], reshape: nil,
            to: url)
        model = url.path
    }

    /// `geomap predict --in input`, into a fresh folder.
    func predict(_ input: String, _ extra: [String] = []) throws -> (CommandResult, URL) {
        let out = try makeTemporaryDirectory()
        let result = try runGeomap(
            ["predict", "--in", input, "--model", model, "--out", out.path] + extra)
        return (result, out)
    }

    func outputs(_ out: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: out.path)
    }
}

@Suite("Landsat Collection 2 band-per-file products")
struct LandsatProductTests {
    @Test("a product folder runs with the MTL scene-centre time, like the stacked raster")
    func folderWithMTL() throws {
        let product = try ProductFolder(mtl: true)
        let (result, out) = try product.predict(product.folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let classes = out.appendingPathComponent("\(ProductFolder.id).classes.tif").path
        let raster = try Raster(opening: classes)
        #expect(raster.metadata()["GEOMAP_ACQUISITION"] == "2017-06-13T10:10:31Z")
        // The same pixels stacked by gdal_translate, with that date given: the same classes.
        let stacked = product.folder.deletingLastPathComponent().appendingPathComponent("s.tif")
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        try runGDALTool(
            "gdal_translate", ["-q", "-srcwin", "0", "0", "120", "80", region, stacked.path])
        let (reference, referenceOut) = try product.predict(
            stacked.path, ["--date", "2017-06-13T10:10:31Z"])
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try Raster(
            opening: referenceOut.appendingPathComponent("s.classes.tif").path)
        let ours = try raster.read(window: raster.grid.fullWindow)
        let theirs = try expected.read(window: expected.grid.fullWindow)
        #expect(ours.values == theirs.values && ours.valid == theirs.valid)
        // No temporaries left beside the outputs or in the product folder.
        #expect(try product.outputs(out).allSatisfy { !$0.hasPrefix(".") })
        let folderFiles = try FileManager.default.contentsOfDirectory(atPath: product.folder.path)
        #expect(folderFiles.count == 8, "\(folderFiles)")
    }

    @Test("one band file names the product; without MTL the product id gives the date")
    func bandFileWithoutMTL() throws {
        let product = try ProductFolder(mtl: false)
        let band = product.folder.appendingPathComponent("\(ProductFolder.id)_SR_B3.TIF").path
        let (result, out) = try product.predict(band)
        #expect(result.status == 0, "\(result.stderr)")
        let classes = try Raster(
            opening: out.appendingPathComponent("\(ProductFolder.id)_SR_B3.classes.tif").path)
        #expect(classes.metadata()["GEOMAP_ACQUISITION"] == "2017-06-13T00:00:00Z")
    }

    @Test("--qa-mask: an all-cloud QA_PIXEL skips every tile; a clear one changes nothing")
    func qaMask() throws {
        let cloudy = try ProductFolder(mtl: true, qaValue: 1 << 3)
        let (masked, _) = try cloudy.predict(cloudy.folder.path, ["--qa-mask"])
        #expect(masked.status == 0, "\(masked.stderr)")
        #expect(masked.stderr.contains(": 0 tiles run"), "\(masked.stderr)")
        let clear = try ProductFolder(mtl: true, qaValue: 21824)
        let (withMask, _) = try clear.predict(clear.folder.path, ["--qa-mask"])
        let (without, _) = try clear.predict(clear.folder.path)
        #expect(withMask.status == 0 && without.status == 0)
        let counts = { (text: String) in text.components(separatedBy: "skipped").first ?? "" }
        #expect(counts(withMask.stderr) == counts(without.stderr), "\(withMask.stderr)")
    }

    @Test("refused, exit 2: --qa-mask without QA_PIXEL or on a raster, no bands, a bad MTL")
    func refusals() throws {
        let product = try ProductFolder(mtl: false)
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        let empty = try makeTemporaryDirectory()
        let cases: [(String, [String], String)] = [
            (product.folder.path, ["--qa-mask"], "no \(ProductFolder.id)_QA_PIXEL.TIF"),
            (region, ["--qa-mask", "--date", "2017-06-13"], "--qa-mask needs a Landsat"),
            (empty.path, [], "no Landsat band files"),
        ]
        for (input, extra, message) in cases {
            let (result, out) = try product.predict(input, extra)
            #expect(result.status == 2, "\(input) \(extra): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(try product.outputs(out).isEmpty)
        }
        try "GROUP = X\nEND\n".write(
            to: product.folder.appendingPathComponent("\(ProductFolder.id)_MTL.txt"),
            atomically: true, encoding: .utf8)
        let (result, _) = try product.predict(product.folder.path)
        #expect(
            result.status == 2 && result.stderr.contains("no DATE_ACQUIRED"), "\(result.stderr)")
    }

    @Test("product ids and MTL lines are read; other names are not products")
    func parsing() {
        #expect(LandsatProduct.productDate(ProductFolder.id + "_SR_B1.TIF") == "2017-06-13")
        #expect(
            LandsatProduct.productDate("LE07_L2SP_044034_19990704_20200918_02_T1") == "1999-07-04")
        #expect(LandsatProduct.productDate("region.tif") == nil)
        #expect(LandsatProduct.productDate("LC08_scene_20170613") == nil)
        #expect(
            LandsatProduct.mtlValue("DATE_ACQUIRED", in: "  DATE_ACQUIRED = 2017-06-13")
                == "2017-06-13")
        #expect(
            LandsatProduct.mtlValue(
                "DATE_ACQUIRED",
                in: "{\"L\": {\"IMAGE_ATTRIBUTES\": {\"DATE_ACQUIRED\": \"2017-06-13\"}}}")
                == "2017-06-13")
        #expect(LandsatProduct.bandPrefix("X_SR_B7.TIF") == "X")
        #expect(LandsatProduct.bandPrefix("X_SR_B7.jp2") == nil)
        #expect(LandsatProduct.bandPrefix("X_QA_PIXEL.TIF") == nil)
    }
}
