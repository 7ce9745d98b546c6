import Foundation
import TestSupport
import Testing

/// Inputs built in the test with gdal-bin from samples/region.tif, each converted by geomap and
/// by `gdal_translate -of COG`; the two outputs must agree on what GDAL keeps.
private struct FidelityInputs {
    let directory: URL
    var region: String { TestPaths.samples.appendingPathComponent("region.tif").path }
    /// 4 Byte bands (no RGB meaning), a TIFFTAG_DATETIME and a SENSOR item; band 4 is 0 on
    /// about a third of the pixels (the mask source below).
    var four: String { path("four.tif") }

    init() throws {
        directory = try makeTemporaryDirectory()
        try runGDALTool(
            "gdal_translate",
            [
                "-q", "-ot", "Byte", "-b", "4", "-b", "3", "-b", "2", "-b", "1", "-srcwin", "0",
                "0", "96", "64", "-scale_1", "2000", "21000", "1", "255", "-scale_2", "2000",
                "17000", "1", "255", "-scale_3", "2000", "14000", "1", "255", "-scale_4", "8000",
                "9000", "0", "255", "-a_nodata", "none", "-mo",
                "TIFFTAG_DATETIME=2019:08:01 10:00:00", "-mo", "SENSOR=OLI", "-co",
                "PHOTOMETRIC=MINISBLACK", region, four,
            ])
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// RGB with band 4 of ``four`` as a mask, in a `.msk` beside it or inside the TIFF.
    func masked(external: Bool) throws -> String {
        let output = path(external ? "masked-external.tif" : "masked-internal.tif")
        try runGDALTool(
            "gdal_translate",
            [
                "-q", "-b", "1", "-b", "2", "-b", "3", "-mask", "4", "-colorinterp",
                "red,green,blue", "--config", "GDAL_TIFF_INTERNAL_MASK", external ? "NO" : "YES",
                four, output,
            ])
        return output
    }

    /// RGBA: band 4 of ``four`` as alpha.
    func alpha() throws -> String {
        let output = path("rgba.tif")
        try runGDALTool(
            "gdal_translate", ["-q", "-colorinterp", "red,green,blue,alpha", four, output])
        return output
    }

    /// A VRT over ``four`` with a metadata domain of its own, band metadata and colour
    /// interpretations (Gray, Undefined, NIR-like Undefined, Gray).
    func vrtWithDomains() throws -> String {
        let output = path("domains.vrt")
        let bands = (1...4).map { band in
            """
              <VRTRasterBand dataType="Byte" band="\(band)">
                <Metadata><MDI key="WAVELENGTH">\(band * 100)</MDI></Metadata>
                <ColorInterp>\(band == 1 ? "Gray" : "Undefined")</ColorInterp>
                <SimpleSource><SourceFilename relativeToVRT="1">four.tif</SourceFilename>
                  <SourceBand>\(band)</SourceBand></SimpleSource>
              </VRTRasterBand>
            """
        }
        let gdalinfo = try runGDALTool("gdalinfo", ["-json", four])
        let info = try #require(
            try JSONSerialization.jsonObject(with: Data(gdalinfo.stdout.utf8)) as? [String: Any])
        let gt = try #require(info["geoTransform"] as? [Double])
        let wkt = try #require((info["coordinateSystem"] as? [String: Any])?["wkt"] as? String)
        let escaped = wkt.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(
                of: "<", with: "&lt;")
        let xml = """
            <VRTDataset rasterXSize="96" rasterYSize="64">
              <SRS>\(escaped)</SRS>
              <GeoTransform>\(gt.map { String($0) }.joined(separator: ", "))</GeoTransform>
              <Metadata><MDI key="ACQUISITIONDATE">2019-08-01T10:00:00Z</MDI></Metadata>
              <Metadata domain="GEOMAP_TEST"><MDI key="PROCESSING">level-2</MDI></Metadata>
            \(bands.joined(separator: "\n"))
            </VRTDataset>
            """
        try xml.write(toFile: output, atomically: true, encoding: .utf8)
        return output
    }

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
        let input: String
        switch name {
        case "four": input = inputs.four
        case "masked-external": input = try inputs.masked(external: true)
        case "masked-internal": input = try inputs.masked(external: false)
        case "rgba": input = try inputs.alpha()
        default: input = try inputs.vrtWithDomains()
        }
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

    @Test("a GCP-georeferenced raster is rectified like gdalwarp does, never placed at (0,0)")
    func gcpWarped() throws {
        let inputs = try FidelityInputs()
        let gcp = inputs.path("gcp.tif")
        try runGDALTool(
            "gdal_translate",
            [
                "-q", "-b", "1", "-gcp", "0", "0", "455015", "4966095", "-gcp", "96", "0",
                "457895", "4966095", "-gcp", "0", "64", "455015", "4964175", "-gcp", "96", "64",
                "457895", "4964175", "-a_srs", "EPSG:32634", inputs.four, gcp,
            ])
        let ours = inputs.path("gcp.geomap.tif")
        let result = try runGeomap(["convert", gcp, ours])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("warped"), "\(result.stderr)")
        let theirs = inputs.path("gcp.gdal.tif")
        try runGDALTool("gdalwarp", ["-q", "-of", "COG", gcp, theirs])
        let ourInfo = try inputs.gdalinfo(ours)
        let theirInfo = try inputs.gdalinfo(theirs)
        let gt = try #require(ourInfo["geoTransform"] as? [Double])
        let expected = try #require(theirInfo["geoTransform"] as? [Double])
        #expect(zip(gt, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(gt) vs \(expected)")
        #expect(abs(gt[0] - 455015) < 1 && abs(gt[3] - 4_966_095) < 1 && abs(gt[1] - 30) < 0.01)
        let ourBand = (ourInfo["bands"] as? [[String: Any]])?.first
        let theirBand = (theirInfo["bands"] as? [[String: Any]])?.first
        #expect(ourBand?["checksum"] as? Int == theirBand?["checksum"] as? Int)
    }

    @Test("refused with exit 2, nothing written: GCPs without CRS, no georeferencing, misc.")
    func refusals() throws {
        let inputs = try FidelityInputs()
        let noCRS = inputs.path("gcp-nocrs.tif")
        try runGDALTool(
            "gdal_translate",
            [
                "-q", "-b", "1", "-gcp", "0", "0", "0", "10", "-gcp", "96", "0", "10", "10",
                "-gcp", "0", "64", "0", "0", inputs.four, noCRS,
            ])
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
