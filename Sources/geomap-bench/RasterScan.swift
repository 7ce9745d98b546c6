import ArgumentParser
import Foundation
import GeoGDAL
import GeoRaster

/// `geomap-bench raster-scan`: reads a large tiled raster end to end through
/// ``GeoRaster/Raster/blockWindows(targetPixels:)`` and prints wall time and peak RSS.
struct RasterScan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raster-scan",
        abstract: "Scan a 20000×20000 tiled raster block by block; print time and peak RSS.")

    @Option(help: "Raster to scan; default: create a tiled GeoTIFF of --size in --work-dir.")
    var path: String?

    @Option(help: "Side in pixels of the generated raster.")
    var size = 20000

    @Option(help: "Bands of the generated raster.")
    var bands = 1

    @Option(help: "Small raster upsampled (bilinear) to make the generated one.")
    var source = "samples/region.tif"

    @Option(help: "Directory for the generated raster (removed afterwards).")
    var workDir = FileManager.default.temporaryDirectory.path

    @Option(name: .customLong("gdal-cache-mib"), help: "GDAL block cache size in MiB.")
    var gdalCacheMiB = 64

    func run() throws {
        GDALRuntime.configure(cacheMiB: gdalCacheMiB)
        var generated: String?
        defer { if let generated { unlink(generated) } }
        let target: String
        if let path {
            target = path
        } else {
            let file = "\(workDir)/geomap-bench-scan-\(getpid()).tif"
            let started = Date()
            try createRaster(at: file)
            generated = file
            target = file
            print(String(format: "created %@ in %.1f s", file, Date().timeIntervalSince(started)))
        }
        try scan(target)
    }

    /// A tiled DEFLATE GeoTIFF of varying values: the first `bands` bands of `source`
    /// upsampled bilinearly to `size`×`size` by gdal_translate (so tiles hold real texture).
    private func createRaster(at file: String) throws {
        let side = "\(size)"
        try run(
            "gdal_translate",
            (1...bands).flatMap { ["-b", "\($0)"] } + [
                "-outsize", side, side, "-r", "bilinear",
                "-co", "TILED=YES", "-co", "BLOCKXSIZE=512", "-co", "BLOCKYSIZE=512",
                "-co", "COMPRESS=DEFLATE", "-co", "BIGTIFF=YES", source, file,
            ])
    }

    private func scan(_ file: String) throws {
        let raster = try Raster(opening: file)
        let windows = raster.blockWindows()
        let started = Date()
        var valid = 0
        var sum = 0.0
        for window in windows {
            let block = try raster.read(window: window)
            valid += block.validCount
            for (value, ok) in zip(block.values, block.valid) where ok { sum += Double(value) }
        }
        let seconds = Date().timeIntervalSince(started)
        let pixels = Double(raster.grid.width * raster.grid.height * raster.bands.count)
        print("raster-scan \(file)")
        print(
            "  size \(raster.grid.width)×\(raster.grid.height)×\(raster.bands.count), "
                + "\(windows.count) windows, block \(raster.bands[0].blockWidth)×"
                + "\(raster.bands[0].blockHeight), GDAL cache \(gdalCacheMiB) MiB")
        print(String(format: "  wall %.2f s, %.1f Mpixel/s", seconds, pixels / seconds / 1e6))
        print("  valid \(valid), mean \(valid > 0 ? sum / Double(valid) : .nan)")
        print(String(format: "  peak RSS %.1f MiB", Self.peakResidentMiB()))
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool, "-q"] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(tool) failed with status \(process.terminationStatus)")
        }
    }

    /// Peak resident set size of this process in MiB (getrusage `ru_maxrss`).
    static func peakResidentMiB() -> Double {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_maxrss) / 1024  // KiB
        #else
            getrusage(RUSAGE_SELF, &usage)
            return Double(usage.ru_maxrss) / 1024 / 1024  // bytes on macOS
        #endif
    }
}
