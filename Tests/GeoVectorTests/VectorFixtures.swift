import Foundation
import TestSupport

/// GeoJSON text written by the tests (GeoJSON is always EPSG:4326, longitude first).
enum GeoJSON {
    /// A feature collection from `(properties JSON, geometry JSON or "null")` pairs.
    static func write(_ url: URL, _ features: [(String, String)]) throws {
        let body = features.map { properties, geometry in
            "{\"type\":\"Feature\",\"properties\":{\(properties)},\"geometry\":\(geometry)}"
        }.joined(separator: ",\n")
        try "{\"type\":\"FeatureCollection\",\"features\":[\n\(body)\n]}"
            .write(to: url, atomically: true, encoding: .utf8)
    }

    static func polygon(_ rings: [[(Double, Double)]]) -> String {
        "{\"type\":\"Polygon\",\"coordinates\":\(ringsJSON(rings))}"
    }

    static func multiPolygon(_ parts: [[[(Double, Double)]]]) -> String {
        "{\"type\":\"MultiPolygon\",\"coordinates\":["
            + parts.map(ringsJSON).joined(separator: ",") + "]}"
    }

    private static func ringsJSON(_ rings: [[(Double, Double)]]) -> String {
        "["
            + rings.map { ring in
                "[" + (ring + [ring[0]]).map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]"
            }.joined(separator: ",") + "]"
    }

    static let square: [(Double, Double)] = [(20, 44), (20.5, 44), (20.5, 44.5), (20, 44.5)]
    static let hole: [(Double, Double)] = [(20.1, 44.1), (20.1, 44.2), (20.2, 44.2), (20.2, 44.1)]
    static let bowTie: [(Double, Double)] = [(21, 44), (21.2, 44.2), (21.2, 44), (21, 44.2)]
}
