import Foundation
import GeoNetCDF
import TestSupport
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

/// Reading the next slab on a second thread (`SlabPipeline`) changes nothing in the results,
/// and errors on either side stop both threads and come back to the caller.
@Suite("Zonal aggregation with reading overlapped")
struct ZonalOverlapTests {
    struct Stop: Error {}

    /// The sample forcing's `tasmax`, the sample basins, slabs of one time chunk each.
    func run(overlap: Bool, stopAt: Int? = nil) throws -> (means: [Double], slabs: Int) {
        let forcing = try CFForcing(
            path: TestPaths.samples.appendingPathComponent("forcings.nc").path)
        let variable = try forcing.variable("tasmax")
        let weights = ZonalWeights(
            basins: try ZonalFixtures.polygons("sample_basins_4326.csv"),
            grid: try ZonalForcing.grid(of: forcing), areaWeighted: false)
        let aggregator = ZonalAggregator(
            weights: weights, statistics: [.mean, .validShare], missingValue: nil)
        var means: [Double] = []
        var slabs = 0
        let steps = forcing.timeAxis.count
        _ = try ZonalForcing.aggregate(
            forcing, variable: variable, times: 0..<steps, aggregator: aggregator,
            maxValues: 37 * forcing.grid.width * forcing.grid.height, overlap: overlap
        ) { chunk, slab in
            if slabs == stopAt { throw Stop() }
            #expect(slab.lowerBound == means.count / chunk.basins)
            means += chunk.columns[0].values
            slabs += 1
        }
        return (means, slabs)
    }

    @Test("overlapped reading gives the same means, slab by slab, as one thread")
    func sameResults() throws {
        let overlapped = try run(overlap: true)
        let single = try run(overlap: false)
        #expect(overlapped.slabs == 3)  // 731 steps in whole 365-day slabs: 365, 365, 1
        #expect(overlapped.slabs == single.slabs)
        #expect(overlapped.means.count == single.means.count)
        #expect(
            zip(overlapped.means, single.means).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(overlapped.means.contains { $0.isFinite })
    }

    @Test("an error in the consumer stops the reader and is rethrown")
    func consumerError() throws {
        #expect(throws: Stop.self) { _ = try run(overlap: true, stopAt: 1) }
    }

    @Test("an error while reading slab 4 is rethrown after slabs 0…3 were consumed")
    func readerError() throws {
        var consumed: [Int] = []
        #expect(throws: Stop.self) {
            try SlabPipeline.run(
                count: 10, capacity: 4,
                read: { i, buffer in
                    if i == 4 { throw Stop() }
                    buffer.initialize(repeating: Float(i))
                    return i * 10
                },
                consume: { i, buffer, info in
                    #expect(info == i * 10)
                    #expect(buffer.allSatisfy { $0 == Float(i) })
                    consumed.append(i)
                })
        }
        #expect(consumed == [0, 1, 2, 3])
    }
}
