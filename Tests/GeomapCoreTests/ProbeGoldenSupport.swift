import Foundation
import TestSupport

/// The goldens' keys are Python's snake_case names.
private var snakeCaseDecoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return decoder
}

/// `Tests/Fixtures/probe/logistic_goldens.json` (tools/probe/make_goldens.py).
struct LogisticGoldens: Decodable {
    struct Case: Decodable {
        let task: String
        let classes: [Int]?
        let multiHot: [[Int]]?
        let classCount: Int
        let coef: [[Double]]
        let intercept: [Double]
        let proba: [[Double]]
        let metrics: [String: Double]
    }
    let sklearn: String
    let trainRows: Int
    let features: [[Double]]
    let cases: [String: Case]

    static func load() throws -> LogisticGoldens {
        let url = TestPaths.fixtures.appendingPathComponent("probe/logistic_goldens.json")
        return try snakeCaseDecoder.decode(LogisticGoldens.self, from: Data(contentsOf: url))
    }
}

/// `Tests/Fixtures/probe/metric_goldens.json`.
struct MetricGoldens: Decodable {
    struct Case: Decodable {
        let classes: [Int]?
        let multiHot: [[Int]]?
        let classCount: Int?
        let scores: [[Double]]
        let metrics: [String: Double]
        let classAveragePrecision: [Double?]
    }
    let cases: [String: Case]

    static func load() throws -> MetricGoldens {
        let url = TestPaths.fixtures.appendingPathComponent("probe/metric_goldens.json")
        return try snakeCaseDecoder.decode(MetricGoldens.self, from: Data(contentsOf: url))
    }
}

/// Largest |a − b| / max(|b|, floor) over the pairs.
func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for (x, y) in zip(a, b) { worst = max(worst, abs(x - y) / max(abs(y), floor)) }
    return worst
}

func maxAbsoluteError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
