import Foundation
import GeoRaster
import GeomapCore
import Models
import TestSupport
import Testing

/// A copy, in a temporary folder, of the Landsat Collection 2 band-per-file product committed in
/// Tests/Fixtures/rasters/landsat/ (made by tools/rasters/make_raster_fixtures.py from
/// samples/region.tif's pixels 80…160 × 20…60: two 40 px tiles, the left one with 242 pixels of
/// scene-edge fill): `<id>_SR_B1.TIF` … `_SR_B7.TIF` (no dates in them), and as asked the
/// `<id>_MTL.txt` and/or `<id>_MTL.json` (DATE_ACQUIRED 2017-06-13, SCENE_CENTER_TIME
/// 10:10:31.4657650Z) and a `<id>_QA_PIXEL.TIF` with one value everywhere (21824 clear land, or
/// the cloud bit 8 from `cloudy_QA_PIXEL.TIF`). Tests write into the copy, never the fixture.
private struct ProductFolder {
    static let id = "LC08_L2SP_186029_20170613_20200903_02_T1"
    /// region.tif's window the band files hold (`gdal_translate -srcwin`).
    static let window = ["80", "20", "80", "40"]
    static let fixtures = TestPaths.fixtures.appendingPathComponent("rasters/landsat")
    enum QA { case none, clear, cloudy }
    let folder: URL
    let model: String

    init(mtl: [String], qa: QA = .none) throws {
        folder = try makeTemporaryDirectory().appendingPathComponent(ProductFolder.id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = ProductFolder.fixtures.appendingPathComponent(ProductFolder.id)
        var copies = (1...7).map { ("\(ProductFolder.id)_SR_B\($0).TIF", source) }
        copies += mtl.map { ("\(ProductFolder.id)_MTL.\($0)", source) }
        if qa == .clear { copies.append(("\(ProductFolder.id)_QA_PIXEL.TIF", source)) }
        for (name, from) in copies {
            try FileManager.default.copyItem(
                at: from.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        if qa == .cloudy {
            try FileManager.default.copyItem(
                at: ProductFolder.fixtures.appendingPathComponent("cloudy_QA_PIXEL.TIF"),
                to: folder.appendingPathComponent("\(ProductFolder.id)_QA_PIXEL.TIF"))
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
    @Test(
        "a product folder runs with the MTL scene-centre time, like the stacked raster",
        arguments: ["txt", "json"])
    func folderWithMTL(mtl: String) throws {
        let product = try ProductFolder(mtl: [mtl])
        let (result, out) = try product.predict(product.folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let classes = out.appendingPathComponent("\(ProductFolder.id).classes.tif").path
        let raster = try Raster(opening: classes)
        #expect(raster.metadata()["GEOMAP_ACQUISITION"] == "2017-06-13T10:10:31Z")
        // The same pixels stacked by gdal_translate, with that date given: the same classes.
        let stacked = product.folder.deletingLastPathComponent().appendingPathComponent("s.tif")
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        try runGDALTool(
            "gdal_translate", ["-q", "-srcwin"] + ProductFolder.window + [region, stacked.path])
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

    @Test("the whole product as USGS delivers it (both MTL files, QA_PIXEL) with --qa-mask")
    func wholeProduct() throws {
        let product = try ProductFolder(mtl: ["txt", "json"], qa: .clear)
        let (result, out) = try product.predict(product.folder.path, ["--qa-mask"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(": 2 tiles run"), "\(result.stderr)")
        let classes = try Raster(
            opening: out.appendingPathComponent("\(ProductFolder.id).classes.tif").path)
        #expect(classes.metadata()["GEOMAP_ACQUISITION"] == "2017-06-13T10:10:31Z")
        let folderFiles = try FileManager.default.contentsOfDirectory(atPath: product.folder.path)
        #expect(folderFiles.count == 10, "\(folderFiles)")
    }

    @Test("one band file names the product; without MTL the product id gives the date")
    func bandFileWithoutMTL() throws {
        let product = try ProductFolder(mtl: [])
        let band = product.folder.appendingPathComponent("\(ProductFolder.id)_SR_B3.TIF").path
        let (result, out) = try product.predict(band)
        #expect(result.status == 0, "\(result.stderr)")
        let classes = try Raster(
            opening: out.appendingPathComponent("\(ProductFolder.id)_SR_B3.classes.tif").path)
        #expect(classes.metadata()["GEOMAP_ACQUISITION"] == "2017-06-13T00:00:00Z")
    }

    @Test("--qa-mask: an all-cloud QA_PIXEL skips every tile; a clear one changes nothing")
    func qaMask() throws {
        let cloudy = try ProductFolder(mtl: ["txt"], qa: .cloudy)
        let (masked, _) = try cloudy.predict(cloudy.folder.path, ["--qa-mask"])
        #expect(masked.status == 0, "\(masked.stderr)")
        #expect(masked.stderr.contains(": 0 tiles run"), "\(masked.stderr)")
        let clear = try ProductFolder(mtl: ["txt"], qa: .clear)
        let (withMask, _) = try clear.predict(clear.folder.path, ["--qa-mask"])
        let (without, _) = try clear.predict(clear.folder.path)
        #expect(withMask.status == 0 && without.status == 0)
        #expect(without.stderr.contains(": 2 tiles run"), "\(without.stderr)")
        let counts = { (text: String) in text.components(separatedBy: "skipped").first ?? "" }
        #expect(counts(withMask.stderr) == counts(without.stderr), "\(withMask.stderr)")
    }

    @Test("refused, exit 2: --qa-mask without QA_PIXEL or on a raster, no bands, a bad MTL")
    func refusals() throws {
        let product = try ProductFolder(mtl: [])
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
