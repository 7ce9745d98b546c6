import Foundation
import GeoProjection
import GeoRaster
import TestSupport

/// Generated rasters for the tests, written through the COG writer or GDAL's command-line tools.
enum RasterFixtures {
    /// A UTM 34N grid with 30 m pixels.
    static func utmGrid(width: Int, height: Int) throws -> RasterGrid {
        RasterGrid(
            width: width, height: height,
            geoTransform: GeoTransform(
                originX: 456000, originY: 4_960_000, pixelWidth: 30, pixelHeight: 30),
            crs: try CRS("EPSG:32634"))
    }

    /// The value of band slot `band` at (`row`, `column`) in generated continuous rasters.
    static func value(band: Int, row: Int, column: Int) -> Float {
        Float(band * 1000) + Float(row % 97) * 3.5 + Float(column % 89) * 0.25
    }

    /// Whether the generated pixel is a hole (NaN on input, nodata on output).
    static func isHole(row: Int, column: Int) -> Bool { (row * 7 + column * 3) % 41 == 0 }

    /// Band-major values of `rows` for `bands` bands of a `width`-wide generated raster.
    static func rows(_ rows: Range<Int>, width: Int, bands: Int) -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(rows.count * width * bands)
        for band in 0..<bands {
            for row in rows {
                for column in 0..<width {
                    values.append(
                        isHole(row: row, column: column)
                            ? .nan : value(band: band, row: row, column: column))
                }
            }
        }
        return values
    }

    static let options = COGOptions(producer: "geomap test", model: "unit-test-model")

    /// Writes a generated Float32 COG of `bands` bands in blocks of `blockRows` rows.
    @discardableResult
    static func writeContinuous(
        to path: String, width: Int, height: Int, bands: Int = 3, blockRows: Int = 100
    ) throws -> COGOutput {
        let specs = (0..<bands).map { BandSpec(description: "band_\($0 + 1)", noData: -9999) }
        let writer = try COGWriter(
            path: path, grid: utmGrid(width: width, height: height), bands: specs,
            dataType: .float32, options: options)
        for start in stride(from: 0, to: height, by: blockRows) {
            let rows = start..<min(height, start + blockRows)
            try writer.write(rows: rows, values: Self.rows(rows, width: width, bands: bands))
        }
        return try writer.finish()
    }

    static let classes = [
        RasterClass(value: 1, name: "Water", color: RGBA(65, 155, 223)),
        RasterClass(value: 2, name: "Forest", color: RGBA(57, 125, 73)),
        RasterClass(value: 3, name: "Crops & grass", color: RGBA(228, 150, 53)),
    ]

    /// Class of pixel (`row`, `column`) in generated class rasters; 0 is nodata.
    static func classValue(row: Int, column: Int) -> Float {
        Float(((row / 16) + (column / 16)) % 4)
    }

    @discardableResult
    static func writeClasses(to path: String, width: Int, height: Int) throws -> COGOutput {
        let spec = BandSpec(description: "land_cover", kind: .classes(classes), noData: 0)
        let writer = try COGWriter(
            path: path, grid: utmGrid(width: width, height: height), bands: [spec],
            dataType: .byte, options: options)
        for start in stride(from: 0, to: height, by: 64) {
            let rows = start..<min(height, start + 64)
            let values = rows.flatMap { row in
                (0..<width).map { classValue(row: row, column: $0) }
            }
            try writer.write(rows: rows, values: values)
        }
        return try writer.finish()
    }

    /// Runs a GDAL command-line tool (gdal-bin) and fails the test on a non-zero exit.
    static func gdal(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool, "-q"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(message: "\(tool) \(arguments) exited \(process.terminationStatus)")
        }
    }

    struct FixtureError: Error { let message: String }
}
