import ArgumentParser
import Foundation
import GeoNetCDF
import GeoProjection
import GeoVector
import GeomapCore

/// `geomap-bench zonal`: basin means of a long daily forcing. Prints, from one process, the time
/// merely to read the variable, to compute the weights (cold) or load them (cached), and to
/// aggregate every time step; writes the means for comparison with exactextract.
struct ZonalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zonal",
        abstract: "Exact basin means of a forcing: read-only vs weights vs aggregation time.")

    @Option(help: "Basin polygons (OGR).")
    var basins: String

    @Option(help: "Field holding basin ids.")
    var idField: String?

    @Option(help: "CF NetCDF forcing.")
    var forcings: String

    @Option(name: .customLong("var"), help: "Variable to aggregate.")
    var variable: String

    @Option(help: "Write the means here (long CSV) for comparison.")
    var out: String?

    @Option(help: "Repetitions of each timed step (the best is reported).")
    var repeats = 3

    @Flag(help: "Also time reading the next slab on a second thread while aggregating.")
    var overlap = false

    @Option(help: "Values per slab read at once (default: ZonalForcing's).")
    var slabValues = ZonalForcing.defaultSlabValues

    @Option(
        help: "Threads that decode compressed chunks (0: netCDF-C alone, the previous reader).")
    var tasks = CFChunkDecoding.defaultTasks

    func run() throws {
        // Process CPU time (all threads): robust on a shared, loaded machine.
        // Wall-clock times are printed beside it.
        var wall: [Double] = []
        func best(_ body: () throws -> Void) rethrows -> Double {
            var fastest = Double.infinity
            var fastestWall = Double.infinity
            for _ in 0..<max(1, repeats) {
                let start = cpuSeconds()
                let startWall = DispatchTime.now().uptimeNanoseconds
                try body()
                fastest = min(fastest, cpuSeconds() - start)
                fastestWall = min(
                    fastestWall,
                    Double(DispatchTime.now().uptimeNanoseconds - startWall) / 1e9)
            }
            wall.append(fastestWall)
            return fastest
        }
        let forcing = try CFForcing(path: forcings)
        forcing.chunkDecodeTasks = tasks
        let v = try forcing.variable(variable)
        let grid = try ZonalForcing.grid(of: forcing)
        let crs = try CRS(forcing.grid.crs?.definition ?? "EPSG:4326")
        let steps = forcing.timeAxis.count

        // Read only: the same slabs as the aggregation, read the same way (straight into one
        // reused buffer), without aggregating: the least geomap's reader can do.
        var checksum = 0.0
        let slabs = forcing.timeSlabs(for: v, maxValues: slabValues)
        let perStep = forcing.grid.width * forcing.grid.height
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(
            capacity: (slabs.map(\.count).max() ?? 0) * perStep)
        defer { buffer.deallocate() }
        let read = try best {
            for slab in slabs {
                _ = try forcing.read(v, times: slab, into: buffer)
                checksum += Double(buffer[slab.count * perStep / 2])
            }
        }
        var zonalBasins: [ZonalBasin] = []
        let load = try best {
            let set = try BasinReader.read(path: basins, idField: idField)
            zonalBasins = try CoverageWeights.basins(set, target: crs, grid: grid)
        }
        var weights: ZonalWeights?
        let cold = best {
            weights = ZonalWeights(basins: zonalBasins, grid: grid, areaWeighted: false)
        }
        let cacheDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("geomap-bench-zonal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cacheDirectory) }
        let cache = WeightsCache(directory: cacheDirectory)
        _ = cache.weights(
            basins: zonalBasins, grid: grid, crs: crs.wkt, areaWeighted: false, warn: { _ in })
        var outcome = WeightsCache.Outcome.miss
        let cached = best {
            let result = cache.weights(
                basins: zonalBasins, grid: grid, crs: crs.wkt, areaWeighted: false,
                warn: { _ in })
            weights = result.weights
            outcome = result.outcome
        }
        guard let weights else { return }
        let aggregator = ZonalAggregator(weights: weights, statistics: [.mean], missingValue: nil)
        var means = [Double](repeating: .nan, count: steps * weights.basinCount)
        func aggregate(overlap: Bool) throws {
            _ = try ZonalForcing.aggregate(
                forcing, variable: v, times: 0..<steps, aggregator: aggregator,
                maxValues: slabValues, overlap: overlap
            ) { stats, slab in
                let column = stats.columns[0].values
                for i in column.indices { means[slab.lowerBound * stats.basins + i] = column[i] }
            }
        }
        // The default (one thread); with --overlap also the two-thread pipeline.
        let apply = try best { try aggregate(overlap: false) }
        let overlapped = overlap ? try best { try aggregate(overlap: true) } : apply
        let w = wall
        print("zonal benchmark (CPU seconds, best of \(repeats); wall in brackets):")
        print(
            "zonal benchmark: \(weights.basinCount) basins, \(weights.nonZeroCount) weights, "
                + "grid \(grid.rows)×\(grid.cols), \(steps) steps of '\(variable)'")
        print("reader: \(forcing.chunkDecoding(for: v))")
        print(String(format: "read only (all steps):        %.3f s [%.3f]", read, w[0]))
        print(String(format: "basins read + reprojected:    %.3f s [%.3f]", load, w[1]))
        print(String(format: "weights, computed (cold):     %.3f s [%.3f]", cold, w[2]))
        print(
            String(
                format: "weights, from cache (%@):    %.3f s [%.3f]", outcome.rawValue, cached,
                w[3]))
        print(String(format: "read + aggregate all steps:   %.3f s [%.3f]", apply, w[4]))
        if overlap {
            print(String(format: "  (overlapped, two threads:   %.3f s [%.3f])", overlapped, w[5]))
        }
        print(
            String(
                format: "geomap total, cold weights:   %.3f s [%.3f]", load + cold + apply,
                w[1] + w[2] + w[4]))
        print(String(format: "geomap total, cached weights: %.3f s", load + cached + apply))
        print(
            String(
                format: "aggregate / read-only ratio:  %.2f (cold total %.2f)",
                apply / read, (load + cold + apply) / read))
        if let out {
            var text = "basin_id,time,variable,stat,value\n"
            for b in 0..<weights.basinCount {
                for t in 0..<steps {
                    let date = forcing.timeAxis.date(at: t).description
                    text +=
                        "\(weights.basinIDs[b]),\(date),\(variable),mean,"
                        + "\(means[t * weights.basinCount + b])\n"
                }
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        }
        _ = checksum
    }
}

/// CPU seconds used by this process so far.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
