import Foundation
import TestSupport
import Testing

/// The committed inputs in Tests/Fixtures/rasters/ (made from samples/region.tif by
/// tools/rasters/make_raster_fixtures.py), each converted by geomap and by
/// `gdal_translate -of COG` into a fresh temporary folder; the two outputs must agree on what
/// GDAL keeps.
private struct FidelityInputs {
    /// Where the outputs of a test go (the fixtures are only read).
    let directory: URL
    /// 4 Byte bands (no RGB meaning), a TIFFTAG_DATETIME, a SENSOR item and the PROCESSING and
    /// GEOMAP_TEST domains; band 4 is 0 on about a third of the pixels (the mask and alpha of
    /// masked-*.tif and rgba.tif).
    var four: String { FidelityInputs.fixture("four.tif") }

    init() throws { directory = try makeTemporaryDirectory() }

    /// A file in Tests/Fixtures/rasters/: four.tif; masked-external.tif (+ .msk) and
    /// masked-internal.tif (RGB, band 4 of four.tif as the mask); rgba.tif; domains.vrt (a VRT
    /// over four.tif with a metadata domain of its own, band metadata and colour
    /// interpretations Gray, Undefined ×3); gcp.tif, gcp.vrt (four corner GCPs in EPSG:32634,
    /// as a TIFF and in the VRT form); gcp-nocrs.tif (three GCPs, no CRS).
    static func fixture(_ name: String) -> String {
        TestPaths.fixtures.appendingPathComponent("rasters").appendingPathComponent(name).path
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `geomap convert input` and `gdal_translate -of COG input`, both as `gdalinfo -json`.
    func convertBoth(_ input: String, name: String) throws -> (
        geomap: [String: Any], gdal: [String: Any], geomapPath: String, gdalPath: String
    ) {
        let ours = path("\(name).geomap.tif")
        let theirs = path("\(name).gdal.tif")
        let result = try runGeomap(["convert", input, ours])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        try runGDALTool("gdal_translate", ["-q", "-of", "COG", input, theirs])
        return (try gdalinfo(ours), try gdalinfo(theirs), ours, theirs)
    }

    func gdalinfo(_ path: String) throws -> [String: Any] {
        let result = try runGDALTool("gdalinfo", ["-json", "-mdd", "all", "-checksum", path])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    /// The checksum of the dataset mask of `path` (`gdal_translate -b mask`).
    func maskChecksum(_ path: String) throws -> Int? {
        let output = self.path(UUID().uuidString + ".mask.tif")
        try runGDALTool("gdal_translate", ["-q", "-b", "mask", path, output])
        let bands = try gdalinfo(output)["bands"] as? [[String: Any]]
        return bands?.first?["checksum"] as? Int
    }
}

/// What must agree between geomap's and gdal_translate's COG: per band the pixels
/// (checksum), type, colour interpretation, nodata, mask flags and band metadata; the dataset
/// metadata in every domain except the layout ones (`IMAGE_STRUCTURE`, `DERIVED_SUBDATASETS`),
/// with geomap's own `GEOMAP_*` items set aside.
private func expectSameAsGDAL(_ ours: [String: Any], _ theirs: [String: Any], _ label: String) {
    let bandKeys = ["checksum", "type", "colorInterpretation", "noDataValue"]
    let ourBands = ours["bands"] as? [[String: Any]] ?? []
    let theirBands = theirs["bands"] as? [[String: Any]] ?? []
    #expect(ourBands.count == theirBands.count && !ourBands.isEmpty, "\(label): band count")
    for (ourBand, theirBand) in zip(ourBands, theirBands) {
        for key in bandKeys {
            #expect(
                "\(ourBand[key] ?? "none")" == "\(theirBand[key] ?? "none")",
                "\(label) band \(ourBand["band"] ?? "?") \(key)")
        }
        let ourMask = (ourBand["mask"] as? [String: Any])?["flags"] as? [String]
        let theirMask = (theirBand["mask"] as? [String: Any])?["flags"] as? [String]
        #expect(ourMask == theirMask, "\(label) mask flags")
        #expect(
            "\(ourBand["metadata"] ?? [:])" == "\(theirBand["metadata"] ?? [:])",
            "\(label) band metadata")
    }
    let ourDomains = metadataDomains(ours)
    let theirDomains = metadataDomains(theirs)
    #expect(ourDomains == theirDomains, "\(label) dataset metadata")
}

private func metadataDomains(_ info: [String: Any]) -> [String: [String: String]] {
    let all = info["metadata"] as? [String: [String: String]] ?? [:]
    var kept = all.filter { !["IMAGE_STRUCTURE", "DERIVED_SUBDATASETS"].contains($0.key) }
    kept[""] = kept[""]?.filter { !$0.key.hasPrefix("GEOMAP_") }
    return kept
}

@Suite("geomap convert keeps what gdal_translate -of COG keeps")
struct ConvertFidelityTests {
    @Test(
        "4-band multispectral, external .msk, internal mask, RGBA and a VRT with metadata domains",
        arguments: ["four", "masked-external", "masked-internal", "rgba", "domains"])
    func sameAsGDAL(name: String) throws {
        let inputs = try FidelityInputs()
        let input = FidelityInputs.fixture(name + (name == "domains" ? ".vrt" : ".tif"))
        let both = try inputs.convertBoth(input, name: name)
        expectSameAsGDAL(both.geomap, both.gdal, name)
        if name.hasPrefix("masked") || name == "rgba" {
            let ours = try inputs.maskChecksum(both.geomapPath)
            let theirs = try inputs.maskChecksum(both.gdalPath)
            #expect(ours != nil && ours == theirs, "\(name)")
        }
    }

    @Test("the 4 bands stay Gray/Undefined (no Alpha); the date and metadata are the source's")
    func multispectralKeepsMeaningAndDate() throws {
        let inputs = try FidelityInputs()
        let both = try inputs.convertBoth(inputs.four, name: "four")
        let bands = try #require(both.geomap["bands"] as? [[String: Any]])
        let interpretations = bands.map { $0["colorInterpretation"] as? String ?? "" }
        #expect(interpretations == ["Gray", "Undefined", "Undefined", "Gray"])
        let metadata = try #require(
            (both.geomap["metadata"] as? [String: [String: String]])?[""])
        #expect(metadata["TIFFTAG_DATETIME"] == "2019:08:01 10:00:00")
        #expect(metadata["SENSOR"] == "OLI")
        #expect(metadata["ACQUISITIONDATE"] == "2017-06-13T10:10:31Z")
        #expect(metadata["GEOMAP_SOURCE"] == "four.tif")
        #expect(metadata["GEOMAP_CREATED"] != nil)
        // The source has PROCESSING and GEOMAP_TEST domains; GDAL 3.6's COG driver writes the
        // default domain only, and geomap writes the same domains as it.
        let source = try #require(
            try inputs.gdalinfo(inputs.four)["metadata"] as? [String: [String: String]])
        #expect(source["PROCESSING"] == ["LEVEL": "L2SP", "COLLECTION": "02"])
        #expect(source["GEOMAP_TEST"] == ["PROCESSING": "level-2"])
        let ours = try #require(both.geomap["metadata"] as? [String: [String: String]])
        let theirs = try #require(both.gdal["metadata"] as? [String: [String: String]])
        #expect(Set(ours.keys) == Set(theirs.keys), "\(ours.keys) vs \(theirs.keys)")
        let text = try runGeomap(["info", both.geomapPath])
        #expect(text.stdout.contains("Date: 2017-06-13T10:10:31Z"), "\(text.stdout)")
    }

    @Test("a source without a date gets none (the conversion time is GEOMAP_CREATED only)")
    func noInventedDate() throws {
        let inputs = try FidelityInputs()
        let plain = inputs.path("plain.tif")
        try runGDALTool("gdal_create", ["-q", "-if", inputs.four, plain])
        let output = inputs.path("plain.cog.tif")
        let result = try runGeomap(["convert", plain, output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let metadata = (try inputs.gdalinfo(output)["metadata"] as? [String: [String: String]])?[""]
        #expect(metadata?["TIFFTAG_DATETIME"] == nil)
        #expect(metadata?["ACQUISITIONDATE"] == nil)
        let text = try runGeomap(["info", output])
        #expect(!text.stdout.contains("Date:"), "\(text.stdout)")
    }

    @Test(
        "a GCP raster (TIFF or VRT form) is rectified like gdalwarp does, never at (0,0)",
        arguments: ["gcp.tif", "gcp.vrt"])
    func gcpWarped(name: String) throws {
        let inputs = try FidelityInputs()
        let gcp = FidelityInputs.fixture(name)
        let ours = inputs.path("\(name).geomap.tif")
        let result = try runGeomap(["convert", gcp, ours])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("warped"), "\(result.stderr)")
        let theirs = inputs.path("\(name).gdal.tif")
        try runGDALTool("gdalwarp", ["-q", "-of", "COG", gcp, theirs])
        let ourInfo = try inputs.gdalinfo(ours)
        let theirInfo = try inputs.gdalinfo(theirs)
        let gt = try #require(ourInfo["geoTransform"] as? [Double])
        let expected = try #require(theirInfo["geoTransform"] as? [Double])
        #expect(zip(gt, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(gt) vs \(expected)")
        #expect(abs(gt[0] - 455015) < 1 && abs(gt[3] - 4_966_095) < 1 && abs(gt[1] - 30) < 0.01)
        let ourBands = try #require(ourInfo["bands"] as? [[String: Any]])
        let theirBands = try #require(theirInfo["bands"] as? [[String: Any]])
        #expect(ourBands.count == (name == "gcp.tif" ? 1 : 4))
        #expect(ourBands.count == theirBands.count)
        for (ourBand, theirBand) in zip(ourBands, theirBands) {
            #expect(ourBand["checksum"] as? Int == theirBand["checksum"] as? Int)
        }
    }

    @Test("refused with exit 2, nothing written: GCPs without CRS, no georeferencing, misc.")
    func refusals() throws {
        let inputs = try FidelityInputs()
        let noCRS = FidelityInputs.fixture("gcp-nocrs.tif")
        let bare = inputs.path("bare.tif")
        try runGDALTool(
            "gdal_create", ["-q", "-outsize", "8", "8", "-a_srs", "EPSG:32634", bare])
        let unplaced = inputs.path("unplaced.tif")
        try runGDALTool(
            "gdal_create", ["-q", "-outsize", "8", "8", "-a_ullr", "0", "8", "8", "0", unplaced])
        let labels = TestPaths.samples.appendingPathComponent("region.labels.tif").path
        let output = inputs.path("out.tif")
        let cases: [([String], String)] = [
            ([noCRS, output], "no CRS for them"),
            ([bare, output], "no geotransform and no GCPs"),
            ([unplaced, output], "has no CRS, which writing a COG requires"),
            (
                [labels, output, "--to-crs", "EPSG:4326", "--resampling", "bilinear"],
                "paletted"
            ),
            ([labels, output, "--resampling", "mode"], "applies only when warping"),
            ([inputs.four, inputs.path("out.png")], "name the output .tif or .tiff"),
        ]
        for (arguments, message) in cases {
            let result = try runGeomap(["convert"] + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
            #expect(!FileManager.default.fileExists(atPath: inputs.path("out.png")))
        }
    }

    @Test("success prints one summary line on stderr; --quiet prints nothing")
    func summaryLine() throws {
        let inputs = try FidelityInputs()
        let output = inputs.path("summary.tif")
        let result = try runGeomap(["convert", inputs.four, output])
        #expect(result.status == 0 && result.stdout.isEmpty)
        #expect(
            result.stderr == "geomap: convert: 96×64 px, 4 bands Byte, EPSG:32634 → \(output)\n")
        let quiet = try runGeomap(["convert", inputs.four, output, "--quiet"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
    }

    @Test("a /vsizip/ path is converted and described like a file path")
    func vsizip() throws {
        let inputs = try FidelityInputs()
        let zip = inputs.path("four.zip")
        let virtual = "/vsizip/\(zip)/four.asc"
        try runGDALTool(
            "gdal_translate", ["-q", "-of", "AAIGrid", "-b", "1", inputs.four, virtual])
        let output = inputs.path("from-zip.tif")
        let result = try runGeomap(["convert", virtual, output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let info = try runGeomap(["info", virtual, "--json"])
        #expect(info.status == 0, "stderr: \(info.stderr)")
        #expect(info.stdout.contains("\"width\" : 96") || info.stdout.contains("\"width\":96"))
        let missing = try runGeomap(["info", "/vsizip/\(zip)/absent.tif"])
        #expect(missing.status == 2 && missing.stderr.contains("absent.tif"), "\(missing.stderr)")
    }
}
