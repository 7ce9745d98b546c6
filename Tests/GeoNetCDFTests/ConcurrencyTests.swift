import Foundation
import GeoNetCDF
import TestSupport
import Testing

@Suite("netCDF-C from several tasks")
struct ConcurrencyTests {
    @Test("eight tasks reading the sample forcing at once get the same values as one reader")
    func concurrentReads() async throws {
        let path = TestPaths.samples.appendingPathComponent("forcings.nc").path
        let reference = try CFForcing(path: path)
        let expected = try reference.read(try reference.variable("rsds"), times: 100..<160)
        let results = try await withThrowingTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    // One reader (and so one open file) per task; every nc_* call is serialised.
                    let forcing = try CFForcing(path: path)
                    return try forcing.read(try forcing.variable("rsds"), times: 100..<160)
                }
            }
            var all: [[Float]] = []
            for try await values in group { all.append(values) }
            return all
        }
        #expect(results.count == 8)
        for values in results {
            #expect(values.elementsEqual(expected) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
    }
}
