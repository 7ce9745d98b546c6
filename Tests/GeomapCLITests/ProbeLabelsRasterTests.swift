import Foundation
import TestSupport
import Testing

/// `geomap probe fit --in R.tif --labels-raster L.tif` on the committed samples.
@Suite("geomap probe fit --labels-raster")
struct ProbeLabelsRasterTests {
    /// A random-weight XXS model imported from the committed upstream fixture.
    static func importModel(into folder: URL) throws -> URL {
        let checkpoint = TestPaths.fixtures.appendingPathComponent("moe-mae/xxs.upstream.pth")
        let base = folder.appendingPathComponent("xxs.safetensors")
        let imported = try runGeomap([
            "models", "import", checkpoint.path, "--arch", "moe-mae-xxs", "--out", base.path,
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        return base
    }

    /// The class names of a model file's manifest (safetensors header, `geomap` metadata).
    static func classNames(of url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated()
            .reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(
            JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + length))
                as? [String: Any])
        let metadata = try #require(header["__metadata__"] as? [String: String])
        let text = try #require(metadata["geomap"])
        let manifest = try #require(
            JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let output = try #require(manifest["output"] as? [String: Any])
        let classes = try #require(output["classes"] as? [[String: Any]])
        return classes.compactMap { $0["name"] as? String }
    }

    @Test("fits a multi-class head on the sample region; the classes are the raster's names")
    func fitMultiClass() throws {
        let folder = try makeTemporaryDirectory("probe-labels")
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try Self.importModel(into: folder)
        let out = folder.appendingPathComponent("head.safetensors")
        let fit = try runGeomap([
            "probe", "fit", "--model", base.path,
            "--in", TestPaths.samples.appendingPathComponent("region.tif").path,
            "--labels-raster", TestPaths.samples.appendingPathComponent("region.labels.tif").path,
            "--out", out.path, "--task", "multiclass",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("classes: 6, task multi-class"), "\(fit.stdout)")
        #expect(fit.stdout.contains("holdout:  accuracy "))
        #expect(
            try Self.classNames(of: out)
                == ["water", "forest", "crops", "grassland", "urban", "bare"])
    }

    /// A VRT over the label raster with another geotransform, size or CRS.
    static func labelsVRT(
        in folder: URL, origin: (Double, Double) = (455015, 4_968_015),
        size: (Int, Int) = (400, 300), epsg: Int = 32634, dataType: String = "Byte"
    ) throws -> URL {
        let source = TestPaths.samples.appendingPathComponent("region.labels.tif").path
        let text = """
            <VRTDataset rasterXSize="\(size.0)" rasterYSize="\(size.1)">
              <SRS>EPSG:\(epsg)</SRS>
              <GeoTransform>\(origin.0), 30, 0, \(origin.1), 0, -30</GeoTransform>
              <VRTRasterBand dataType="\(dataType)" band="1">
                <NoDataValue>0</NoDataValue>
                <SimpleSource>
                  <SourceFilename relativeToVRT="0">\(source)</SourceFilename>
                  <SourceBand>1</SourceBand>
                  <SrcRect xOff="0" yOff="0" xSize="\(size.0)" ySize="\(size.1)"/>
                  <DstRect xOff="0" yOff="0" xSize="\(size.0)" ySize="\(size.1)"/>
                </SimpleSource>
              </VRTRasterBand>
            </VRTDataset>
            """
        let url = folder.appendingPathComponent("L.vrt")
        try Data(text.utf8).write(to: url)
        return url
    }

    enum Case: String, CaseIterable {
        case shifted, otherSize, otherCRS, floatIDs, unnamed, both, neither, noIn
    }

    @Test(
        "bad --labels-raster runs exit 2 with one line naming the files and write nothing",
        arguments: Case.allCases)
    func errors(_ bad: Case) throws {
        let folder = try makeTemporaryDirectory("probe-labels")
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try Self.importModel(into: folder)
        let region = TestPaths.samples.appendingPathComponent("region.tif").path
        let labels: URL
        switch bad {
        case .shifted: labels = try Self.labelsVRT(in: folder, origin: (455115, 4_968_015))
        case .otherSize: labels = try Self.labelsVRT(in: folder, size: (360, 300))
        case .otherCRS: labels = try Self.labelsVRT(in: folder, epsg: 32633)
        case .floatIDs: labels = try Self.labelsVRT(in: folder, dataType: "Float32")
        // A VRT band has no category names of its own.
        case .unnamed: labels = try Self.labelsVRT(in: folder)
        default: labels = TestPaths.samples.appendingPathComponent("region.labels.tif")
        }
        try Data("image,classes\n".utf8).write(to: folder.appendingPathComponent("S.csv"))
        let out = folder.appendingPathComponent("out.safetensors")
        var arguments = ["probe", "fit", "--model", base.path, "--out", out.path]
        switch bad {
        case .both:
            arguments += ["--in", region, "--labels-raster", labels.path, "--samples", "S.csv"]
        case .neither: break
        case .noIn: arguments += ["--labels-raster", labels.path]
        default: arguments += ["--in", region, "--labels-raster", labels.path]
        }
        let result = try runGeomap(arguments, in: folder)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        let message = String(lines.first ?? "")
        switch bad {
        case .shifted, .otherSize, .otherCRS:
            #expect(message.hasPrefix("geomap: error: \(labels.path): "), "\(message)")
            #expect(message.contains(region), "\(message)")
            let reason = [
                "shifted": "half a pixel", "otherSize": "360×300",
                "otherCRS": "another CRS",
            ][bad.rawValue]!
            #expect(message.contains(reason), "\(message)")
        case .floatIDs:
            #expect(message.contains("\(labels.path): has Float32 pixels"), "\(message)")
        case .unnamed:
            #expect(
                message.contains("\(labels.path): holds class id 1 without a category name"),
                "\(message)")
        case .both, .neither:
            #expect(message.contains("exactly one of --samples"), "\(message)")
        case .noIn:
            #expect(message.contains("--labels-raster needs --in"), "\(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
