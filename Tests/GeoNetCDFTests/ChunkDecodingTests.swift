import Foundation
import TestSupport
import Testing

@testable import GeoNetCDF

/// The parallel chunk reader (HDF5 direct chunk reads, DEFLATE and shuffle undone by geomap)
/// against netCDF-C's own reads of the same files: equal value for value, bit for bit.
@Suite("Parallel chunk decoding of forcings")
struct ChunkDecodingTests {
    let dir: URL
    init() throws { dir = try makeTemporaryDirectory() }

    /// One storage layout of a small forcing, and how geomap must read it.
    struct Layout: CustomTestStringConvertible, Sendable {
        var label: String
        /// CDL type of `tas`.
        var type: String
        /// Dimension order of `tas`.
        var dimensions = "time, lat, lon"
        /// `tas` attributes (packing, fill) in CDL.
        var attributes: String
        /// Storage special attributes in CDL.
        var storage: String
        /// `nil`: decoded in parallel; else the reason netCDF-C reads it.
        var fallback: String?
        /// Whether time is the unlimited dimension (it must then come first).
        var unlimited = true
        var testDescription: String { label }
    }

    static let layouts: [Layout] = [
        Layout(
            label: "float, deflate + shuffle, one day per chunk", type: "float",
            attributes: "tas:_FillValue = -999.f ; tas:valid_max = 400.f ;",
            storage: "tas:_ChunkSizes = 1, 5, 7 ; tas:_DeflateLevel = 1 ; tas:_Shuffle = \"true\" ;"
        ),
        Layout(
            label: "packed int16, deflate + shuffle, chunks smaller than the grid", type: "short",
            attributes:
                "tas:scale_factor = 0.01f ; tas:add_offset = 273.15f ; tas:_FillValue = -32767s ;",
            storage: "tas:_ChunkSizes = 4, 3, 4 ; tas:_DeflateLevel = 4 ; tas:_Shuffle = \"true\" ;"
        ),
        Layout(
            label: "float, chunks of seven days (last one partial), deflate only", type: "float",
            attributes: "tas:_FillValue = -999.f ;",
            storage: "tas:_ChunkSizes = 7, 5, 7 ; tas:_DeflateLevel = 2 ;"),
        Layout(
            label: "double, deflate + shuffle", type: "double",
            attributes: "tas:_FillValue = -999. ;",
            storage: "tas:_ChunkSizes = 3, 5, 7 ; tas:_DeflateLevel = 1 ; tas:_Shuffle = \"true\" ;"
        ),
        Layout(
            label: "float stored (lat, lon, time), deflate", type: "float",
            dimensions: "lat, lon, time", attributes: "tas:_FillValue = -999.f ;",
            storage: "tas:_ChunkSizes = 2, 7, 6 ; tas:_DeflateLevel = 1 ;", unlimited: false),
        Layout(
            label: "float, chunked but not compressed", type: "float",
            attributes: "tas:_FillValue = -999.f ;", storage: "tas:_ChunkSizes = 3, 5, 7 ;",
            fallback: "chunks not compressed"),
        Layout(
            label: "float, contiguous", type: "float", attributes: "tas:_FillValue = -999.f ;",
            storage: "tas:_Storage = \"contiguous\" ;", fallback: "not chunked", unlimited: false),
        Layout(
            label: "float, fletcher32 checksum (a filter geomap does not decode)", type: "float",
            attributes: "tas:_FillValue = -999.f ;",
            storage:
                "tas:_ChunkSizes = 3, 5, 7 ; tas:_DeflateLevel = 1 ; tas:_Fletcher32 = \"true\" ;",
            fallback: "HDF5 filter 3 is not decoded by geomap"),
        Layout(
            label: "float, big-endian, deflate", type: "float",
            attributes: "tas:_FillValue = -999.f ;",
            storage:
                "tas:_ChunkSizes = 3, 5, 7 ; tas:_DeflateLevel = 1 ; tas:_Endianness = \"big\" ;",
            fallback: "stored type not decoded by geomap (big-endian or 64-bit)"),
    ]

    static let steps = 20
    static let height = 5
    static let width = 7

    /// The stored value at (t, y, x) as CDL text: fill values at one cell every fifth day, a
    /// NaN (floats) and a value above valid_max, else distinct numbers.
    static func stored(_ type: String, _ t: Int, _ y: Int, _ x: Int) -> String {
        if t % 5 == 0 && y == 1 && x == 2 { return "_" }
        if type == "short" { return String(t * 700 - y * 90 + x * 13 - 5000) }
        if t == 3 && y == 0 && x == 0 { return "NaN" }
        if t == 4 && y == 2 && x == 3 { return "500" }
        return String(Double(t) * 1.5 + Double(y) * 0.25 + Double(x) * 0.125 - 3)
    }

    func write(_ layout: Layout, name: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        let (nt, ny, nx) = (Self.steps, Self.height, Self.width)
        var values: [String] = []
        let order = layout.dimensions.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let extent = ["time": nt, "lat": ny, "lon": nx]
        let n = order.map { extent[$0]! }
        for a in 0..<n[0] {
            for b in 0..<n[1] {
                for c in 0..<n[2] {
                    var index = ["time": 0, "lat": 0, "lon": 0]
                    index[order[0]] = a
                    index[order[1]] = b
                    index[order[2]] = c
                    values.append(
                        Self.stored(layout.type, index["time"]!, index["lat"]!, index["lon"]!))
                }
            }
        }
        let cdl = """
            netcdf f {
            dimensions: time = \(layout.unlimited ? "UNLIMITED" : String(nt)) ; lat = \(ny) ; lon = \(nx) ;
            variables:
              double time(time) ; time:units = "days since 2000-01-01" ; time:standard_name = "time" ;
              double lat(lat) ; lat:units = "degrees_north" ;
              double lon(lon) ; lon:units = "degrees_east" ;
              \(layout.type) tas(\(layout.dimensions)) ; tas:units = "K" ; \(layout.attributes)
                \(layout.storage)
            data:
              time = \((0..<nt).map { String($0) }.joined(separator: ", ")) ;
              lat = \((0..<ny).map { String(40 + Double($0) * 0.1) }.joined(separator: ", ")) ;
              lon = \((0..<nx).map { String(10 + Double($0) * 0.1) }.joined(separator: ", ")) ;
              tas = \(values.joined(separator: ", ")) ;
            }
            """
        try makeNetCDF(url, cdl: cdl)
        return url.path
    }

    /// Every read the aggregation and the basin tables make, with `tasks` decoding threads.
    func reads(_ path: String, variable name: String, tasks: Int) throws -> [[UInt32]] {
        let forcing = try CFForcing(path: path)
        forcing.chunkDecodeTasks = tasks
        let v = try forcing.variable(name)
        let steps = forcing.timeAxis.count
        var results: [[UInt32]] = []
        results.append(try forcing.read(v, times: 0..<steps).map(\.bitPattern))
        results.append(
            try forcing.read(
                v, times: (steps / 4)..<(steps - 1),
                window: (x: 1..<(forcing.grid.width - 1), y: 1..<(forcing.grid.height - 1))
            ).map(\.bitPattern))
        let perStep = forcing.grid.width * forcing.grid.height
        for slab in forcing.timeSlabs(for: v, maxValues: perStep * 4) {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: slab.count * perStep)
            defer { buffer.deallocate() }
            let missing = try forcing.read(v, times: slab, into: buffer)
            missing.markNaN(buffer)
            results.append(buffer.map(\.bitPattern))
        }
        return results
    }

    @Test("equals netCDF-C's read value for value", arguments: layouts)
    func equalsNetCDF(_ layout: Layout) throws {
        let path = try write(layout, name: "f.nc")
        let forcing = try CFForcing(path: path)
        let decoding = forcing.chunkDecoding(for: try forcing.variable("tas"))
        if let reason = layout.fallback {
            #expect(decoding == .netCDF(reason: reason))
        } else {
            #expect(decoding == .parallel(tasks: CFChunkDecoding.defaultTasks))
        }
        let reference = try reads(path, variable: "tas", tasks: 0)
        #expect(reference[0].count == Self.steps * Self.height * Self.width)
        // The fixture's fill values really are missing, and the other values are not all NaN.
        #expect(reference[0].filter { Float(bitPattern: $0).isNaN }.count >= 4)
        #expect(reference[0].contains { !Float(bitPattern: $0).isNaN })
        for tasks in [1, 2, 3] {
            #expect(try reads(path, variable: "tas", tasks: tasks) == reference, "\(tasks) tasks")
        }
    }

    @Test("the sample forcing: every variable equals netCDF-C's read")
    func sampleForcing() throws {
        let path = TestPaths.samples.appendingPathComponent("forcings.nc").path
        let forcing = try CFForcing(path: path)
        for v in forcing.variables {
            #expect(forcing.chunkDecoding(for: v) == .parallel(tasks: forcing.chunkDecodeTasks))
            let reference = try reads(path, variable: v.name, tasks: 0)
            #expect(try reads(path, variable: v.name, tasks: 2) == reference, "\(v.name)")
        }
    }

    @Test("a damaged DEFLATE stream is an error naming the file, not other values")
    func damagedChunk() throws {
        let layout = Self.layouts[0]
        let path = try write(layout, name: "damaged.nc")
        // Find the stored bytes of chunk (5, 0, 0) in the file and break them.
        let file = try HDF5File(opening: path)
        let dataset = try #require(try HDF5Dataset(file: file, name: "tas"))
        let size = try #require(try dataset.storedSize(at: [5, 0, 0]))
        var stored = [UInt8](repeating: 0, count: size)
        _ = try dataset.readRaw(at: [5, 0, 0], into: &stored)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let at = try #require(
            (0...(bytes.count - size)).first { bytes[$0..<($0 + size)].elementsEqual(stored) })
        for i in (at + 2)..<(at + size) { bytes[i] = 0xFF }
        let damaged = dir.appendingPathComponent("damaged-copy.nc")
        try Data(bytes).write(to: damaged)
        let forcing = try CFForcing(path: damaged.path)
        #expect(throws: NetCDFError.self) {
            try forcing.read(try forcing.variable("tas"), times: 0..<Self.steps)
        }
        do {
            _ = try forcing.read(try forcing.variable("tas"), times: 0..<Self.steps)
        } catch {
            #expect(error.path == damaged.path)
            #expect(error.description.contains("chunk of 'tas' at [5, 0, 0] cannot be decoded"))
        }
    }

    @Test("the filter pipeline rejects corrupt streams and wrong sizes")
    func pipelineErrors() throws {
        let pipeline = ChunkFilterPipeline(steps: [.shuffle(elementSize: 4), .deflate])
        let inflater = DeflateDecompressor()
        let target = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer {
            target.deallocate()
            scratch.deallocate()
        }
        let garbage: [UInt8] = [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0x00, 0x13]
        garbage.withUnsafeBytes { stored in
            #expect(throws: ChunkFilterPipeline.Failure.inflate(1)) {
                try pipeline.decode(
                    stored, mask: 0, chunkBytes: 64, into: target, scratch: scratch,
                    inflater: inflater)
            }
            // Both filters skipped (mask 0b11): the stored bytes must be the chunk itself.
            #expect(throws: ChunkFilterPipeline.Failure.size(decoded: 7, expected: 64)) {
                try pipeline.decode(
                    stored, mask: 3, chunkBytes: 64, into: target, scratch: scratch,
                    inflater: inflater)
            }
        }
        #expect(ChunkFilterPipeline([.init(id: 32015, parameters: [])], elementSize: 4) == nil)
    }

    @Test("unshuffle undoes HDF5's byte planes", arguments: [1, 2, 4, 8, 3])
    func unshuffleRoundTrip(size: Int) {
        let count = 11
        let bytes = count * size + size - 1  // trailing bytes (under one element) stay in place
        let original = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 * 37 + 5) }
        var shuffled = original
        for i in 0..<count {
            for b in 0..<size { shuffled[b * count + i] = original[i * size + b] }
        }
        var restored = [UInt8](repeating: 0, count: bytes)
        shuffled.withUnsafeBytes { source in
            restored.withUnsafeMutableBytes { target in
                unshuffle(source, elementSize: size, into: target.baseAddress!)
            }
        }
        #expect(restored == original)
    }
}
