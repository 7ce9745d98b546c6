import Foundation
import GeoVector
import TestSupport

@testable import GeomapCore
@testable import ZonalAggregation

/// Readers for the exactextract goldens in `Tests/Fixtures/zonal/` (written by
/// `tools/zonal/compare_exactextract.py`).
enum ZonalFixtures {
    static var directory: URL { TestPaths.fixtures.appendingPathComponent("zonal") }

    /// `basin_id,wkt` rows → basins (POLYGON / MULTIPOLYGON WKT).
    static func polygons(_ name: String) throws -> [ZonalBasin] {
        let text = try String(
            contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        var basins: [ZonalBasin] = []
        for line in text.split(separator: "\n").dropFirst() {
            guard let comma = line.firstIndex(of: ",") else { continue }
            let id = String(line[..<comma])
            var wkt = line[line.index(after: comma)...]
            if wkt.hasPrefix("\"") { wkt = wkt.dropFirst().dropLast() }
            basins.append(ZonalBasin(id: id, geometry: try parseWKT(String(wkt))))
        }
        return basins
    }

    struct Key: Hashable {
        var basin: String, time: String, variable: String, stat: String
    }

    /// `basin_id,time,variable,stat,value` rows.
    static func values(_ name: String) throws -> [Key: Double] {
        try values(at: directory.appendingPathComponent(name))
    }

    static func values(at url: URL) throws -> [Key: Double] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var result: [Key: Double] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5 else { continue }
            result[Key(basin: f[0], time: f[1], variable: f[2], stat: f[3])] =
                Double(f[4]) ?? .nan
        }
        return result
    }

    /// A minimal WKT reader for the POLYGON and MULTIPOLYGON text the script writes.
    static func parseWKT(_ text: String) throws -> MultiPolygon {
        struct Bad: Error {}
        let isMulti = text.hasPrefix("MULTIPOLYGON")
        guard let open = text.firstIndex(of: "(") else { throw Bad() }
        var depth = 0
        var rings: [[Point2D]] = []
        var polygons: [Polygon] = []
        var number = ""
        var coordinates: [Double] = []
        func flushNumber() {
            if !number.isEmpty, let value = Double(number) { coordinates.append(value) }
            number = ""
        }
        func flushRing() {
            var points: [Point2D] = []
            var i = 0
            while i + 1 < coordinates.count {
                points.append(Point2D(x: coordinates[i], y: coordinates[i + 1]))
                i += 2
            }
            if points.count > 1, points.first == points.last { points.removeLast() }
            rings.append(points)
            coordinates = []
        }
        func flushPolygon() {
            guard let exterior = rings.first else { return }
            polygons.append(
                Polygon(
                    exterior: LinearRing(points: exterior),
                    holes: rings.dropFirst().map { LinearRing(points: $0) }))
            rings = []
        }
        let ringDepth = isMulti ? 3 : 2
        for character in text[open...] {
            switch character {
            case "(": depth += 1
            case ")":
                flushNumber()
                if depth == ringDepth { flushRing() }
                if depth == ringDepth - 1 { flushPolygon() }
                depth -= 1
            case " ", ",": flushNumber()
            default: number.append(character)
            }
        }
        return MultiPolygon(polygons: polygons)
    }
}
