import GeoProjection
import Testing

@Suite("Coordinate transforms")
struct CoordinateTransformTests {
    // The issue pairs 457068.9 E 4959454.7 N with 44.8125 N 20.4612 E, but those metres belong
    // to 44.7872 N 20.4573 E (the point of the reference probe, swift.md A.5); 44.8125 N
    // 20.4612 E is 457396.04 E 4962263.06 N (cs2cs EPSG:4326 EPSG:32634 agrees). Both are checked.
    @Test(
        "Belgrade through EPSG:4326 (latitude-first) → EPSG:32634 within 1 cm, and back",
        arguments: [
            (20.4573, 44.7872, 457068.90, 4959454.70),
            (20.4612, 44.8125, 457396.04, 4962263.06),
        ])
    func belgrade(point: (Double, Double, Double, Double)) throws {
        let (lon, lat, easting, northing) = point
        let transform = try CoordinateTransform(from: CRS("EPSG:4326"), to: CRS("EPSG:32634"))
        let (x, y) = try transform.transform(x: lon, y: lat)
        #expect(abs(x - easting) < 0.01, "easting \(x)")
        #expect(abs(y - northing) < 0.01, "northing \(y)")
        let back = try transform.transform(x: x, y: y, inverse: true)
        #expect(abs(back.x - lon) < 1e-9)
        #expect(abs(back.y - lat) < 1e-9)
    }

    @Test("array transforms report failed points by index instead of returning infinities")
    func failedPoints() throws {
        let transform = try CoordinateTransform(from: CRS("EPSG:4326"), to: CRS("EPSG:3857"))
        let result = transform.transform(x: [20.4612, 0, 10], y: [44.8125, 91, .nan])
        #expect(result.failed == [1, 2])
        #expect(result.x[0].isFinite && result.y[0].isFinite)
        #expect(result.x[1].isNaN && result.y[1].isNaN)
        #expect(!result.x.contains(.infinity))
    }

    @Test("a single failed point throws naming proj_trans")
    func failedSinglePoint() throws {
        let transform = try CoordinateTransform(from: CRS("EPSG:4326"), to: CRS("EPSG:3857"))
        #expect(throws: PROJError.self) { _ = try transform.transform(x: 0, y: 91) }
    }

    @Test("bounds transform densifies edges: UTM box → lon/lat covers the curved edges")
    func densifiedBounds() throws {
        let transform = try CoordinateTransform(from: CRS("EPSG:32634"), to: CRS("EPSG:4326"))
        let box = Bounds(minX: 300000, minY: 4_900_000, maxX: 700000, maxY: 5_100_000)
        let dense = try transform.transformBounds(box, densifyPoints: 21)
        let corners = transform.transform(
            x: [box.minX, box.maxX, box.minX, box.maxX],
            y: [box.minY, box.minY, box.maxY, box.maxY])
        #expect(corners.failed.isEmpty)
        // The northern edge bulges north of its corners in lon/lat.
        #expect(dense.maxY > corners.y.max()! + 1e-4)
        #expect(dense.minX <= corners.x.min()!)
        #expect(dense.maxX >= corners.x.max()!)
        #expect(dense.minX > 16 && dense.maxX < 26 && dense.minY > 44 && dense.maxY < 47)
    }

    @Test("one transform per task: concurrent tasks get identical results")
    func concurrentTasks() async throws {
        let source = try CRS("EPSG:4326")
        let target = try CRS("EPSG:32634")
        let results = try await withThrowingTaskGroup(of: Double.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let transform = try CoordinateTransform(from: source, to: target)
                    var sum = 0.0
                    for step in 0..<200 {
                        sum += try transform.transform(x: 20 + Double(step) * 0.001, y: 44.8).x
                    }
                    return sum
                }
            }
            var all: [Double] = []
            for try await value in group { all.append(value) }
            return all
        }
        #expect(results.count == 8)
        #expect(Set(results).count == 1)
    }
}
