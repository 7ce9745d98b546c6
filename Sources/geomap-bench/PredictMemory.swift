import ArgumentParser
import Foundation
import GeoGDAL
import GeoProjection
import GeoRaster
import GeomapCore
import Models

/// `geomap-bench predict-memory`: peak resident memory and tiles/s of `geomap predict --in` on a
/// 20000×20000×7 UInt16 tiled GeoTIFF (synthetic), with a random-weight MoE-MAE model.
///
/// The scene is made once in `--work` (a 2000×2000 patterned COG mosaicked 10×10 through a VRT
/// and written by gdal_translate as a tiled, ZSTD-compressed BigTIFF). `--rows N` predicts only
/// the top N input rows (full width) through a VRT window: the pipeline's memory does not grow
/// with the number of rows (rows of tiles stream through), so a capped run measures the same
/// peak in less time; the figures say which was run.
struct PredictMemoryBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict-memory",
        abstract: "Peak RSS and tiles/s of tile prediction on a 20000×20000×7 scene.")

    @Option(help: "Working directory for the synthetic scene and outputs.")
    var work = "/tmp/geomap-bench-predict"

    @Option(help: "Scene side in pixels (a multiple of 2000).")
    var size = 20000

    @Option(help: "Predict only the top N rows (0 = all).")
    var rows = 0

    @Option(help: "Stride in pixels.")
    var stride = 40

    @Option(help: "Architecture of the random model (moe-mae-xxs, moe-mae-xs, moe-mae-s).")
    var arch = "moe-mae-xxs"

    @Flag(help: "Also write mean-pooled embeddings.")
    var embeddings = false

    @Option(help: "GDAL block cache in MiB (geomap predict's default is 256).")
    var gdalCacheMib = 256

    func run() throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let scene = try makeScene()
        var input = scene
        if rows > 0 {
            input = "\(work)/scene-top\(rows).vrt"
            try tool(
                "gdal_translate",
                [
                    "-q", "-of", "VRT", "-srcwin", "0", "0", "\(size)",
                    "\(rows)", scene, input,
                ])
        }
        let model = URL(fileURLWithPath: "\(work)/\(arch)-random.safetensors")
        try MoEMAETileModel.writeRandomModel(
            architecture: arch, classes: (0..<19).map { "class_\($0)" }, to: model)
        let loaded = try TileModelLoader.load(model)
        let out = "\(work)/out"
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var request = TilePredictionRequest(inputPath: input)
        request.stride = stride
        request.classesPath = "\(out)/scene.classes.tif"
        request.probabilitiesPath = "\(out)/scene.probabilities.tif"
        if embeddings {
            request.embeddingsPath = "\(out)/scene.embeddings.tif"
            request.pooling = .mean
        }
        GDALRuntime.configure(cacheMiB: gdalCacheMib)
        let before = peakRSS()
        let clock = ContinuousClock()
        let start = clock.now
        let summary = try TilePredictor.run(request, model: loaded)
        let elapsed = clock.now - start
        let seconds =
            Double(elapsed.components.seconds)
            + Double(elapsed.components.attoseconds) * 1e-18
        let peak = peakRSS()
        let height = rows > 0 ? rows : size
        print(
            String(
                format: "predict-memory: %d×%d×7 UInt16 scene%@, %@ random, stride %d, "
                    + "%d cores: %d tiles (%d run, %d skipped) in %.1f s = %.1f tiles/s; "
                    + "peak RSS %.0f MiB (%.0f MiB before the run); output %d×%d px",
                size, height, rows > 0 ? " (top \(rows) rows of \(size)×\(size))" : "", arch,
                stride, ProcessInfo.processInfo.activeProcessorCount, summary.tiles,
                summary.tilesRun, summary.tilesSkipped, seconds, Double(summary.tilesRun) / seconds,
                Double(peak) / 1_048_576, Double(before) / 1_048_576, summary.outputWidth,
                summary.outputHeight))
    }

    /// The scene, made if missing: a tiled ZSTD BigTIFF mosaic of a patterned 2000² tile.
    func makeScene() throws -> String {
        let scene = "\(work)/scene-\(size).tif"
        if FileManager.default.fileExists(atPath: scene) { return scene }
        let patch = "\(work)/patch.tif"
        let side = 2000
        let grid = RasterGrid(
            width: side, height: side,
            geoTransform: GeoTransform(
                originX: 400_000, originY: 5_000_000, pixelWidth: 30, pixelHeight: 30),
            crs: try CRS("EPSG:32634"))
        let writer = try COGWriter(
            path: patch, grid: grid,
            bands: (1...7).map { BandSpec(description: "SR_B\($0)", noData: 0) },
            dataType: .uint16,
            options: COGOptions(
                producer: "geomap-bench",
                metadata: [
                    "ACQUISITIONDATE": "2017-06-13T10:10:31Z"
                ]))
        let block = 200
        for top in Swift.stride(from: 0, to: side, by: block) {
            var values = [Float](repeating: 0, count: 7 * block * side)
            for band in 0..<7 {
                for row in 0..<block {
                    let y = top + row
                    for x in 0..<side {
                        let field =
                            Float((x / 37 + y / 53) % 11) * 900
                            + Float((x * 7 + y * 3) % 101)
                        values[(band * block + row) * side + x] = 7300 + Float(band) * 800 + field
                    }
                }
            }
            try writer.write(rows: top..<top + block, values: values)
        }
        try writer.finish()
        let count = size / side
        let mosaic = "\(work)/mosaic.vrt"
        var sources: [String] = []
        for i in 0..<count {
            for j in 0..<count {
                sources.append(
                    """
                    <SimpleSource><SourceFilename relativeToVRT="0">\(patch)</SourceFilename>\
                    <SourceBand>BAND</SourceBand><SrcRect xOff="0" yOff="0" xSize="\(side)" \
                    ySize="\(side)"/><DstRect xOff="\(j * side)" yOff="\(i * side)" \
                    xSize="\(side)" ySize="\(side)"/></SimpleSource>
                    """)
            }
        }
        let bands = (1...7).map { band in
            "<VRTRasterBand dataType=\"UInt16\" band=\"\(band)\"><Description>SR_B\(band)"
                + "</Description><NoDataValue>0</NoDataValue>"
                + sources.joined().replacingOccurrences(of: "BAND", with: "\(band)")
                + "</VRTRasterBand>"
        }.joined(separator: "\n")
        let xml = """
            <VRTDataset rasterXSize="\(size)" rasterYSize="\(size)">
            <SRS>EPSG:32634</SRS>
            <GeoTransform>400000, 30, 0, 5000000, 0, -30</GeoTransform>
            <Metadata><MDI key="ACQUISITIONDATE">2017-06-13T10:10:31Z</MDI></Metadata>
            \(bands)
            </VRTDataset>
            """
        try xml.write(toFile: mosaic, atomically: true, encoding: .utf8)
        try tool(
            "gdal_translate",
            [
                "-q", "-of", "GTiff", "-co", "TILED=YES", "-co", "BLOCKXSIZE=512",
                "-co", "BLOCKYSIZE=512",
                "-co", "COMPRESS=ZSTD", "-co", "ZSTD_LEVEL=1", "-co", "BIGTIFF=YES",
                "-co", "NUM_THREADS=2", "-co", "INTERLEAVE=PIXEL", mosaic, scene + ".part",
            ])
        try FileManager.default.moveItem(atPath: scene + ".part", toPath: scene)
        return scene
    }

    func tool(_ name: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(name) failed (status \(process.terminationStatus))")
        }
    }

    /// Peak resident set size in bytes (`VmHWM` of /proc/self/status).
    func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.filter(\.isNumber)
            return (Int(digits) ?? 0) * 1024
        }
        return 0
    }
}
