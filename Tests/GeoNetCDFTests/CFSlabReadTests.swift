import Foundation
import GeoNetCDF
import TestSupport
import Testing

/// `CFForcing.read(_:times:into:)`: multi-step slabs read straight into a caller's buffer.
@Suite("CF slab reads into a buffer")
struct CFSlabReadTests {
    let dir: URL
    init() throws { dir = try makeTemporaryDirectory() }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static let fill: Float = 1e20
    static let steps = 11

    /// A value per (t, y, x): the fill value at two cells on some steps, 500 (above
    /// `valid_max`) at one cell on step 4, else a distinct number.
    static func value(_ t: Int, _ y: Int, _ x: Int) -> Double {
        if (y, x) == (1, 2) && t % 3 == 0 { return Double(fill) }
        if (y, x) == (0, 0) && t == 7 { return Double(fill) }
        if (t, y, x) == (4, 2, 3) { return 500 }
        return Double(t * 100 + y * 10 + x) / 4
    }

    /// Writes the 11-step, 3 × 4 forcing with `tas` chunked 3 steps at a time (or contiguous).
    func write(_ name: String, chunkTime: Int?, deflate: Bool, days: [Double]? = nil)
        throws -> String
    {
        let file = path(name)
        try GridFixture.write(
            file, time: GridFixture.time(days ?? (0..<Self.steps).map(Double.init)),
            x: GridFixture.longitude([10, 11, 12, 13]), y: GridFixture.latitude([40, 41, 42]),
            variables: [
                (
                    "tas", .float,
                    [
                        .text("units", "K"),
                        NetCDFAttribute("_FillValue", .numbers([Double(Self.fill)], .float)),
                        NetCDFAttribute("valid_max", .numbers([400], .float)),
                    ], Self.value
                )
            ],
            chunkTime: chunkTime, deflate: deflate)
        return file
    }

    /// Reads `times` into a fresh buffer and turns its missing values into NaN.
    func readInto(_ forcing: CFForcing, _ v: CFGridVariable, _ times: Range<Int>)
        throws -> (values: [Float], missing: CFFloatMissing)
    {
        let count = times.count * forcing.grid.width * forcing.grid.height
        var missing = CFFloatMissing.nanOnly
        var values = [Float](repeating: -1, count: count)
        try values.withUnsafeMutableBufferPointer { buffer in
            missing = try forcing.read(v, times: times, into: buffer)
            missing.markNaN(buffer)
        }
        return (values, missing)
    }

    /// Step-by-step reads through the allocating reader (missing values already NaN).
    func perStep(_ forcing: CFForcing, _ v: CFGridVariable, _ times: Range<Int>)
        throws -> [Float]
    {
        var values: [Float] = []
        for t in times { values += try forcing.read(v, times: t..<(t + 1)) }
        return values
    }

    func sameBits(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    @Test(
        "slabs across chunk boundaries equal per-step reads (deflated, plain chunked, contiguous)",
        arguments: [(3, true), (3, false), (nil, false)] as [(Int?, Bool)])
    func slabsEqualSteps(chunkTime: Int?, deflate: Bool) throws {
        let file = try write("tas.nc", chunkTime: chunkTime, deflate: deflate)
        let forcing = try CFForcing(path: file)
        let v = try forcing.variable("tas")
        let expected = try perStep(forcing, v, 0..<Self.steps)
        // Chunk-aligned slabs of the file, and ranges starting and ending inside chunks.
        let slabs = forcing.timeSlabs(for: v, maxValues: 2 * 12)
        #expect(slabs.reduce(0) { $0 + $1.count } == Self.steps)
        for times in slabs + [1..<5, 2..<11, 0..<11, 5..<6] {
            let (values, missing) = try readInto(forcing, v, times)
            #expect(!missing.isNaNOnly)  // stored values left as they are, tested by the caller
            let slice = Array(expected[(times.lowerBound * 12)..<(times.upperBound * 12)])
            #expect(sameBits(values, slice), "steps \(times)")
        }
        // The per-step reader marks the fill value and the value above valid_max.
        #expect(expected[0 * 12 + 1 * 4 + 2].isNaN)
        #expect(expected[7 * 12 + 0].isNaN)
        #expect(expected[4 * 12 + 2 * 4 + 3].isNaN)
        #expect(expected[1 * 12 + 5] == Float(Self.value(1, 1, 1)))
        #expect(expected.filter(\.isNaN).count == 4 + 1 + 1)
    }

    @Test("the buffer holds stored values and the returned test names the missing ones")
    func storedValuesAndTest() throws {
        let file = try write("raw.nc", chunkTime: 3, deflate: false)
        let forcing = try CFForcing(path: file)
        let v = try forcing.variable("tas")
        var buffer = [Float](repeating: 0, count: 2 * 12)
        let missing = try buffer.withUnsafeMutableBufferPointer {
            try forcing.read(v, times: 3..<5, into: $0)
        }
        #expect(missing.values == [Self.fill])
        #expect(missing.high == 400)
        #expect(buffer[1 * 4 + 2] == Self.fill)  // step 3, cell (1, 2): stored fill
        #expect(buffer[12 + 2 * 4 + 3] == 500)  // step 4, above valid_max, as stored
        #expect(missing.isMissing(buffer[1 * 4 + 2]))
        #expect(missing.isMissing(500))
        #expect(!missing.isMissing(buffer[0]))
        #expect(!missing.excludes(lowest: 0, highest: 500))
        #expect(missing.excludes(lowest: 0, highest: 400))
    }

    @Test("a read spanning two files comes back decoded (NaN only)")
    func acrossFiles() throws {
        let first = try write("a.nc", chunkTime: 3, deflate: true)
        let second = try write(
            "b.nc", chunkTime: 3, deflate: false,
            days: (0..<Self.steps).map { Double($0 + Self.steps) })
        let forcing = try CFForcing(paths: [second, first])
        let v = try forcing.variable("tas")
        let (values, missing) = try readInto(forcing, v, 9..<14)
        #expect(missing.isNaNOnly)
        #expect(sameBits(values, try perStep(forcing, v, 9..<14)))
        #expect(values[(11 - 9) * 12 + 1 * 4 + 2].isNaN)  // step 0 of the second file
    }

    @Test("packed and transposed variables are decoded into the buffer")
    func decodedPaths() throws {
        let file = path("other.nc")
        try GridFixture.write(
            file, time: GridFixture.time([0, 1, 2]), x: GridFixture.longitude([0, 1]),
            y: GridFixture.latitude([5, 6, 7]), order: .latLonTime,
            variables: [
                (
                    "q", .short,
                    [
                        NetCDFAttribute("scale_factor", .numbers([0.5], .float)),
                        NetCDFAttribute("_FillValue", .numbers([-1], .short)),
                    ], { t, y, x in (t, y, x) == (1, 2, 0) ? -1 : Double(t * 10 + y * 2 + x) }
                ),
                ("p", .float, [], { t, y, x in Double(t + y + x) }),
            ])
        let forcing = try CFForcing(path: file)
        for name in ["q", "p"] {
            let v = try forcing.variable(name)
            let (values, missing) = try readInto(forcing, v, 0..<3)
            #expect(missing.isNaNOnly, "\(name)")
            #expect(sameBits(values, try perStep(forcing, v, 0..<3)), "\(name)")
        }
        let q = try readInto(forcing, try forcing.variable("q"), 1..<2).values
        #expect(q[2 * 2 + 0].isNaN)
        #expect(q[1] == 5.5)  // (10 + 0 + 1) × 0.5
    }

    @Test("filters are reported: deflated chunks yes, plain chunks and contiguous no")
    func filters() throws {
        for (name, chunk, deflate, expected) in [
            ("f1.nc", 3 as Int?, true, true), ("f2.nc", 3, false, false),
            ("f3.nc", nil, false, false),
        ] {
            let file = try write(name, chunkTime: chunk, deflate: deflate)
            let nc = try NetCDFFile(opening: file)
            let v = try #require(try nc.variables().first { $0.name == "tas" })
            #expect(try nc.isFiltered(v) == expected, "\(name)")
        }
    }
}
