import Foundation
import GeoNetCDF
import GeoRaster
import TestSupport
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

/// geomap against exactextract 0.3.0 on the polygons exactextract saw (already in each grid's
/// CRS, from `Tests/Fixtures/zonal/`, made by `tools/zonal/compare_exactextract.py`).
@Suite("Zonal statistics agree with exactextract")
struct ZonalExactextractTests {
    /// Runs `statistics` on band 1 of `path` and compares with the golden rows of `variable`.
    func check(
        raster path: String, polygons: String, golden: String, variable: String,
        statistics: [ZonalStatistic], tolerance: Double = 1e-5
    ) throws {
        let basins = try ZonalFixtures.polygons(polygons)
        let expected = try ZonalFixtures.values(golden).filter { $0.key.variable == variable }
        #expect(!expected.isEmpty)
        let raster = try Raster(opening: path)
        let grid = try ZonalRaster.grid(of: raster)
        let weights = ZonalWeights(basins: basins, grid: grid, areaWeighted: false)
        let aggregator = ZonalAggregator(
            weights: weights, statistics: statistics, missingValue: nil)
        let chunk = try ZonalRaster.aggregate(raster, band: 1, aggregator: aggregator)
        for (key, value) in expected {
            let b = try #require(weights.basinIDs.firstIndex(of: key.basin))
            let got = try #require(chunk.value(key.stat, basin: b), "\(key)")
            let scale = max(abs(value), 1e-12)
            #expect(abs(got - value) / scale < tolerance, "\(key): \(got) vs \(value)")
        }
    }

    @Test("static rasters: mean, sum, count, min, max, stdev (with nodata) within 1e-5")
    func staticRasters() throws {
        for name in ["elevation", "slope", "clay", "sand", "silt", "forest_fraction"] {
            try check(
                raster: TestPaths.samples.appendingPathComponent("static/\(name).tif").path,
                polygons: "sample_basins_3035.csv", golden: "static_stats.csv", variable: name,
                statistics: [.mean, .sum, .count, .min, .max, .stdev])
        }
    }

    @Test("land-cover classes: majority and per-class fractions")
    func landCover() throws {
        try check(
            raster: TestPaths.samples.appendingPathComponent("region.labels.tif").path,
            polygons: "sample_basins_32634.csv", golden: "labels_stats.csv", variable: "labels",
            statistics: [.majority, .frac], tolerance: 1e-9)
    }

    @Test(
        "irregular polygons over a real Landsat tile (hole, partly outside, sub-cell)",
        .enabled(if: TestPaths.bigEarthNetImages != nil, "needs ../shared"))
    func bigEarthNet() throws {
        let images = try #require(TestPaths.bigEarthNetImages)
        let tile = images.appendingPathComponent("S2A_MSIL2A_20170613T101031_11_66.tif").path
        let basins = try ZonalFixtures.polygons("bigearthnet_polygons.csv")
        let expected = try ZonalFixtures.values("bigearthnet_mean.csv")
        let raster = try Raster(opening: tile)
        let weights = ZonalWeights(
            basins: basins, grid: try ZonalRaster.grid(of: raster), areaWeighted: false)
        #expect(weights.basinsPartlyOutside().count == 1)
        let aggregator = ZonalAggregator(weights: weights, statistics: [.mean], missingValue: nil)
        for band in [1, 4, 7] {
            let chunk = try ZonalRaster.aggregate(raster, band: band, aggregator: aggregator)
            for (key, value) in expected where key.variable == "band\(band)" {
                let b = try #require(weights.basinIDs.firstIndex(of: key.basin))
                let got = try #require(chunk.value("mean", basin: b))
                #expect(abs(got - value) / abs(value) < 1e-5, "\(key): \(got) vs \(value)")
            }
        }
    }
}

@Suite("Zonal job outputs")
struct ZonalJobOutputTests {
    @Test("the CF NetCDF output holds the same means as the CSV output")
    func netCDFMatchesCSV() throws {
        let dir = try makeTemporaryDirectory("zonal-job")
        defer { try? FileManager.default.removeItem(at: dir) }
        func options(_ name: String) -> ZonalOptions {
            var o = ZonalOptions(
                basinsPath: TestPaths.samples.appendingPathComponent("basins.shp").path,
                statistics: [.mean, .validShare],
                output: dir.appendingPathComponent(name))
            o.forcingPaths = [TestPaths.samples.appendingPathComponent("forcings.nc").path]
            o.variables = ["tasmax"]
            o.from = "2017-03-01"
            o.to = "2017-03-10"
            return o
        }
        var notes: [String] = []
        let summary = try ZonalJob.run(options("s.nc"), log: { notes.append($0) })
        #expect(summary.steps == 10 && summary.basins == 7)
        _ = try ZonalJob.run(options("s.csv"), log: { notes.append($0) })
        #expect(notes.isEmpty, "\(notes)")
        let csv = try ZonalFixtures.values(at: dir.appendingPathComponent("s.csv"))
        let file = try NetCDFFile(opening: dir.appendingPathComponent("s.nc").path)
        let variable = try #require(try file.variables().first { $0.name == "tasmax_mean" })
        #expect(variable.shape == [7, 10])
        let values = try file.readFloats(variable, start: [0, 0], count: [7, 10])
        let ids = ["B001", "B002", "B003", "B004", "B005", "B006", "B007"]
        for (b, id) in ids.enumerated() {
            for day in 1...10 {
                let date = "2017-03-\(day < 10 ? "0" : "")\(day)"
                let expected = try #require(
                    csv[.init(basin: id, time: date, variable: "tasmax", stat: "mean")])
                let stored = Double(values[b * 10 + day - 1])
                #expect(abs(stored - expected) <= 1e-6 * abs(expected), "\(id) \(date)")
            }
        }
    }
}
