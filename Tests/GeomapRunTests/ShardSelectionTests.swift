import Foundation
import Testing

@testable import GeomapRun

/// `resolve` with no flags and `environment`.
private func select(
    _ environment: [String: String], shard: String? = nil, shards: Int? = nil,
    config: Int? = nil
) throws -> ShardSelection? {
    try ShardSelection.resolve(
        shard: shard, shards: shards, configShards: config, environment: environment)
}

/// The one-line message `resolve` throws, `nil` when it does not throw.
private func refusal(
    _ environment: [String: String], shard: String? = nil, shards: Int? = nil,
    config: Int? = nil
) -> String? {
    do {
        _ = try select(environment, shard: shard, shards: shards, config: config)
        return nil
    } catch let error as ShardError {
        #expect(error.exitStatus.rawValue == 2)
        #expect(!error.description.contains("\n"))
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}

@Suite("shard selection: --shard, --shards and the schedulers' index variables")
struct ShardSelectionTests {
    @Test("--shard i/n, 0-based, wins over the environment; no flag and no variable is unsharded")
    func flag() throws {
        #expect(
            try select([:], shard: "2/4")
                == ShardSelection(index: 2, count: 4, source: "--shard 2/4"))
        let over = try select(
            ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"], shard: "0/3")
        #expect(over?.index == 0 && over?.count == 3)
        #expect(try select([:], shard: "3/8", shards: 8, config: 8)?.label == "3-of-8")
        #expect(try select([:]) == nil)
        #expect(try select([:], config: 4) == nil)
        #expect(try select(["SLURM_JOB_ID": "17"]) == nil)
    }

    @Test(
        "a bad --shard, an index out of range or counts that disagree are exit 2",
        arguments: [
            ("4/4", nil, nil, "the index must be 0…3"),
            ("-1/4", nil, nil, "the index must be 0…3"),
            ("1/0", nil, nil, "must be 1 or more"),
            ("two/4", nil, nil, "is not INDEX/COUNT"),
            ("1/4/2", nil, nil, "is not INDEX/COUNT"),
            ("1/4", 8, nil, "--shard 1/4 disagrees with --shards 8"),
            ("1/4", nil, 5, "disagrees with shards: 5 in the configuration"),
        ] as [(String, Int?, Int?, String)])
    func badFlag(_ shard: String, _ shards: Int?, _ config: Int?, _ expected: String) {
        let message = refusal([:], shard: shard, shards: shards, config: config)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
    }

    @Test("Slurm: SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or MIN/MAX of 0-(n-1)")
    func slurm() throws {
        let full = try select([
            "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4",
            "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3",
        ])
        #expect(full?.index == 3 && full?.count == 4)
        #expect(full?.source == "SLURM_ARRAY_TASK_ID=3, count from SLURM_ARRAY_TASK_COUNT=4")
        let bounds = try select([
            "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "4",
        ])
        #expect(bounds?.index == 2 && bounds?.count == 5)
        // A re-run of indices 3 and 7 of 64 (--array=3,7): --shards gives the count.
        let rerun = try select(
            [
                "SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "2",
                "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_MAX": "7",
            ], shards: 64)
        #expect(rerun?.index == 7 && rerun?.count == 64)
        #expect(rerun?.source == "SLURM_ARRAY_TASK_ID=7, count from --shards 64")
        let configured = try select(["SLURM_ARRAY_TASK_ID": "1"], config: 2)
        #expect(configured?.index == 1 && configured?.count == 2)
    }

    @Test(
        "Slurm: an index out of range or a count that disagrees is exit 2",
        arguments: [
            (
                ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"], nil,
                "SLURM_ARRAY_TASK_ID=4 is out of range for 4 shards"
            ),
            (
                ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "8"], 4,
                "SLURM_ARRAY_TASK_COUNT=8 disagrees with --shards 4"
            ),
            (
                ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MAX": "5"], 4,
                "SLURM_ARRAY_TASK_MAX=5 is past the last shard"
            ),
            (
                [
                    "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "3",
                    "SLURM_ARRAY_TASK_MAX": "7", "SLURM_ARRAY_TASK_COUNT": "2",
                ], nil,
                "starts at SLURM_ARRAY_TASK_MIN=3, not 0"
            ),
            (
                [
                    "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0",
                    "SLURM_ARRAY_TASK_MAX": "8", "SLURM_ARRAY_TASK_COUNT": "5",
                ], nil,
                "has SLURM_ARRAY_TASK_COUNT=5 tasks"
            ),
            (["SLURM_ARRAY_TASK_ID": "2"], nil, "without SLURM_ARRAY_TASK_COUNT"),
            (
                ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"], nil,
                "SLURM_ARRAY_TASK_ID='x' is not a whole number"
            ),
        ] as [([String: String], Int?, String)])
    func slurmRefused(_ environment: [String: String], _ shards: Int?, _ expected: String) {
        let message = refusal(environment, shards: shards)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
    }

    @Test(
        "Kubernetes JOB_COMPLETION_INDEX and AWS Batch AWS_BATCH_JOB_ARRAY_INDEX take --shards or the configuration's count"
    )
    func indexOnly() throws {
        for variable in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
            let flag = try select([variable: "5"], shards: 16)
            #expect(
                flag
                    == ShardSelection(
                        index: 5, count: 16, source: "\(variable)=5, count from --shards 16"))
            let configured = try select([variable: "0"], config: 3)
            #expect(configured?.index == 0 && configured?.count == 3)
            #expect(configured?.source.contains("shards: 3 in the configuration") == true)
            #expect(refusal([variable: "5"])?.contains("gives the shard index only") == true)
            #expect(refusal([variable: "16"], shards: 16)?.contains("out of range for 16") == true)
            #expect(
                refusal([variable: "1"], shards: 8, config: 4)?.contains(
                    "--shards 8 disagrees with 'shards: 4'") == true)
        }
    }

    @Test("Google Cloud Batch: BATCH_TASK_INDEX with BATCH_TASK_COUNT")
    func cloudBatch() throws {
        let task = try select(["BATCH_TASK_INDEX": "1", "BATCH_TASK_COUNT": "3"])
        #expect(task?.index == 1 && task?.count == 3)
        #expect(task?.source == "BATCH_TASK_INDEX=1, count from BATCH_TASK_COUNT=3")
        #expect(
            try select(["BATCH_TASK_INDEX": "1", "BATCH_TASK_COUNT": "3"], shards: 3)?.count == 3)
        #expect(
            refusal(["BATCH_TASK_INDEX": "1", "BATCH_TASK_COUNT": "3"], shards: 4)?.contains(
                "BATCH_TASK_COUNT=3 disagrees with --shards 4") == true)
        #expect(
            refusal(["BATCH_TASK_INDEX": "3", "BATCH_TASK_COUNT": "3"])?.contains("out of range")
                == true)
        #expect(refusal(["BATCH_TASK_INDEX": "1"])?.contains("without BATCH_TASK_COUNT") == true)
    }

    @Test("two index variables at once, or --shards without an index, are exit 2")
    func ambiguous() {
        let two = refusal(["SLURM_ARRAY_TASK_ID": "1", "JOB_COMPLETION_INDEX": "2"], shards: 4)
        #expect(two?.contains("two shard indices in the environment") == true, "\(two ?? "")")
        let none = refusal([:], shards: 4)
        #expect(none?.contains("--shards 4 without a shard index") == true, "\(none ?? "")")
        #expect(refusal([:], shards: 0)?.contains("must be 1 or more") == true)
    }
}
