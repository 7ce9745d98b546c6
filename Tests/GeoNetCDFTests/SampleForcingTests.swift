import Foundation
import GeoNetCDF
import TestSupport
import Testing

@Suite("samples/forcings.nc")
struct SampleForcingTests {
    @Test("read as a forcing: axes from CF attributes, fill honoured, chunk-aligned slabs")
    func sampleForcing() throws {
        let path = TestPaths.samples.appendingPathComponent("forcings.nc").path
        let forcing = try CFForcing(path: path)
        #expect(forcing.timeAxis.count == 731)
        #expect(forcing.timeAxis.date(at: 0).description == "2016-01-01")
        #expect(forcing.timeAxis.date(at: 730).description == "2017-12-31")
        #expect(forcing.grid.width == 23 && forcing.grid.height == 17)
        #expect(abs(forcing.grid.y[0] - 44.475) < 1e-9)
        #expect(forcing.grid.crs?.mappingName == "latitude_longitude")
        let pr = try forcing.variable("precipitation_flux")
        #expect(pr.name == "pr")
        #expect(pr.units == "kg m-2 day-1")
        #expect(pr.timeChunkLength == 365)
        #expect(forcing.timeSlabs(for: pr) == [0..<731])
        #expect(
            forcing.timeSlabs(for: pr, maxValues: 391 * 400) == [0..<365, 365..<730, 730..<731])
        let tasmax = try forcing.variable("tasmax")
        let values = try forcing.read(tasmax, times: 0..<31)
        #expect(values.count == 31 * 17 * 23)
        for t in 0..<31 {
            // Cell (lat[0], lon[0]) is missing at every step on purpose.
            #expect(values[t * 391].isNaN)
            let valid = values[(t * 391 + 1)..<((t + 1) * 391)]
            #expect(valid.allSatisfy { $0 > 240 && $0 < 300 })
        }
    }
}
