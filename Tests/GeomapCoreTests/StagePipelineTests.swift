import Foundation
import Testing

@testable import GeomapCore
@testable import TilePipeline

/// The three-thread pipeline under the tile commands: order, completeness, and errors.
@Suite("Stage pipeline")
struct StagePipelineTests {
    struct Failure: Error, Equatable { let stage: String }

    /// Runs 0..<count through the three stages; `failAt` makes one stage throw at that item.
    static func run(count: Int, capacity: Int, failing stage: String?, at failAt: Int) throws
        -> [Int]
    {
        let seen = Box()
        try StagePipeline.run(
            capacity: capacity,
            produce: { emit in
                for item in 0..<count {
                    if stage == "produce", item == failAt { throw Failure(stage: "produce") }
                    try emit(item)
                }
            },
            transform: { item in
                if stage == "transform", item == failAt { throw Failure(stage: "transform") }
                return item * 10
            },
            consume: { value in
                if stage == "consume", value == failAt * 10 { throw Failure(stage: "consume") }
                seen.values.append(value)
            })
        return seen.values
    }

    final class Box: @unchecked Sendable { var values: [Int] = [] }

    @Test("every item passes every stage once, in order", arguments: [1, 2, 5])
    func order(capacity: Int) throws {
        #expect(
            try Self.run(count: 200, capacity: capacity, failing: nil, at: 0)
                == (0..<200).map { $0 * 10 })
        #expect(try Self.run(count: 0, capacity: capacity, failing: nil, at: 0) == [])
    }

    @Test(
        "the first error of any stage stops the others and is rethrown",
        arguments: ["produce", "transform", "consume"])
    func errors(stage: String) throws {
        #expect(throws: Failure(stage: stage)) {
            try Self.run(count: 10_000, capacity: 1, failing: stage, at: 37)
        }
    }
}
