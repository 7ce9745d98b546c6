import Foundation
package import GeomapCore

/// Which shard of a sharded run this process runs: `--shard i/n`, or the index a scheduler
/// sets in the environment (docs/scale-out.md).
///
/// | scheduler | index | count |
/// |---|---|---|
/// | Slurm job array | `SLURM_ARRAY_TASK_ID` | `SLURM_ARRAY_TASK_COUNT`, or `SLURM_ARRAY_TASK_MIN`/`MAX` of an array `0-(n-1)` |
/// | Kubernetes Indexed Job | `JOB_COMPLETION_INDEX` | `--shards n` or `shards: n` |
/// | AWS Batch array job | `AWS_BATCH_JOB_ARRAY_INDEX` | `--shards n` or `shards: n` |
/// | Google Cloud Batch | `BATCH_TASK_INDEX` | `BATCH_TASK_COUNT` |
///
/// `--shards n` (or the configuration's `shards: n`) is the count whenever it is given: a
/// Slurm re-run of a few indices (`--array=3,7`) still splits the plan into n. The scheduler's
/// own count must then agree with it (a Slurm array larger than n, a Cloud Batch count other
/// than n: exit 2). `--shard i/n` wins over the environment.
package struct ShardSelection: Sendable, Equatable {
    /// 0-based.
    package var index: Int
    package var count: Int
    /// Where the index and count came from, for the log:
    /// `SLURM_ARRAY_TASK_ID=2, count from --shards 4`.
    package var source: String

    package init(index: Int, count: Int, source: String) {
        self.index = index
        self.count = count
        self.source = source
    }

    /// `i-of-n`: the shard's folder name under `RUN_DIR/shards/` and below each job's output
    /// folder.
    package var label: String { Self.label(index: index, count: count) }

    package static func label(index: Int, count: Int) -> String { "\(index)-of-\(count)" }

    /// The variables holding a scheduler's shard index, in the order they are looked for.
    package static let indexVariables = [
        "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX",
        "BATCH_TASK_INDEX",
    ]

    /// The shard this process runs, or `nil` for an unsharded run (no `--shard`, no index
    /// variable).
    /// - Parameters:
    ///   - shard: `--shard i/n` as written.
    ///   - shards: `--shards n`.
    ///   - configShards: the configuration's `shards: n`.
    ///   - environment: the process's environment.
    /// - Throws: ``ShardError`` (exit 2): a malformed value, an index out of range, two index
    ///   variables at once, counts that disagree, an index without a count or `--shards`
    ///   without an index.
    package static func resolve(
        shard: String?, shards: Int?, configShards: Int?, environment: [String: String]
    ) throws -> ShardSelection? {
        if let shards, shards < 1 {
            throw ShardError("--shards \(shards): the number of shards must be 1 or more")
        }
        // The count the user gave: --shards and the configuration must agree.
        var given: (count: Int, source: String)?
        if let shards { given = (shards, "--shards \(shards)") }
        if let configShards {
            if let known = given, known.count != configShards {
                throw ShardError(
                    "--shards \(known.count) disagrees with 'shards: \(configShards)' in the "
                        + "configuration")
            }
            given = given ?? (configShards, "shards: \(configShards) in the configuration")
        }
        if let shard {
            let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
                parts[0].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isASCII)
            else {
                throw ShardError(
                    "--shard '\(shard)' is not INDEX/COUNT (0-based, e.g. --shard 2/8)")
            }
            guard count >= 1 else {
                throw ShardError("--shard \(shard): the number of shards must be 1 or more")
            }
            guard (0..<count).contains(index) else {
                throw ShardError(
                    "--shard \(shard): the index must be 0…\(count - 1) (shards are 0-based)")
            }
            if let known = given, known.count != count {
                throw ShardError("--shard \(shard) disagrees with \(known.source)")
            }
            return ShardSelection(index: index, count: count, source: "--shard \(shard)")
        }
        let present = indexVariables.filter { environment[$0] != nil }
        guard let variable = present.first else {
            if let shards {
                throw ShardError(
                    "--shards \(shards) without a shard index: give --shard I/\(shards), or run "
                        + "under a scheduler that sets one of "
                        + indexVariables.joined(separator: ", "))
            }
            return nil
        }
        guard present.count == 1 else {
            throw ShardError(
                "two shard indices in the environment: "
                    + present.map { "\($0)=\(environment[$0]!)" }.joined(separator: ", ")
                    + "; unset all but the scheduler's")
        }
        let index = try number(variable, environment)
        var count: Int
        var countSource: String
        switch variable {
        case "SLURM_ARRAY_TASK_ID":
            let total = try environment["SLURM_ARRAY_TASK_COUNT"].map { _ in
                try number("SLURM_ARRAY_TASK_COUNT", environment)
            }
            let minimum = try environment["SLURM_ARRAY_TASK_MIN"].map { _ in
                try number("SLURM_ARRAY_TASK_MIN", environment)
            }
            let maximum = try environment["SLURM_ARRAY_TASK_MAX"].map { _ in
                try number("SLURM_ARRAY_TASK_MAX", environment)
            }
            if let known = given {
                // A re-run of some indices is a smaller array inside 0…n-1.
                if let maximum, maximum >= known.count {
                    throw ShardError(
                        "SLURM_ARRAY_TASK_MAX=\(maximum) is past the last shard of "
                            + "\(known.source) (\(known.count - 1))")
                }
                if let total, total > known.count {
                    throw ShardError(
                        "SLURM_ARRAY_TASK_COUNT=\(total) disagrees with \(known.source)")
                }
                (count, countSource) = known
            } else {
                if let minimum, minimum != 0 {
                    throw ShardError(
                        "the Slurm array starts at SLURM_ARRAY_TASK_MIN=\(minimum), not 0: "
                            + "give the number of shards with --shards N")
                }
                if let total, let maximum, maximum != total - 1 {
                    throw ShardError(
                        "the Slurm array 0-\(maximum) has SLURM_ARRAY_TASK_COUNT=\(total) tasks, "
                            + "not \(maximum + 1) (a step or a list?): give the number of shards "
                            + "with --shards N")
                }
                if let total {
                    (count, countSource) = (total, "SLURM_ARRAY_TASK_COUNT=\(total)")
                } else if let maximum {
                    (count, countSource) = (maximum + 1, "SLURM_ARRAY_TASK_MAX=\(maximum)")
                } else {
                    throw ShardError(
                        "SLURM_ARRAY_TASK_ID=\(index) without SLURM_ARRAY_TASK_COUNT or "
                            + "SLURM_ARRAY_TASK_MAX: give the number of shards with --shards N")
                }
            }
        case "BATCH_TASK_INDEX":
            let total = try environment["BATCH_TASK_COUNT"].map { _ in
                try number("BATCH_TASK_COUNT", environment)
            }
            if let known = given {
                if let total, total != known.count {
                    throw ShardError("BATCH_TASK_COUNT=\(total) disagrees with \(known.source)")
                }
                (count, countSource) = known
            } else if let total {
                (count, countSource) = (total, "BATCH_TASK_COUNT=\(total)")
            } else {
                throw ShardError(
                    "BATCH_TASK_INDEX=\(index) without BATCH_TASK_COUNT: give the number of "
                        + "shards with --shards N")
            }
        default:
            guard let known = given else {
                throw ShardError(
                    "\(variable)=\(index) gives the shard index only: give the number of shards "
                        + "with --shards N (or shards: N in the configuration)")
            }
            (count, countSource) = known
        }
        guard count >= 1 else {
            throw ShardError("\(countSource): the number of shards must be 1 or more")
        }
        guard index < count else {
            throw ShardError(
                "\(variable)=\(index) is out of range for \(count) shards (\(countSource)): "
                    + "indices are 0…\(count - 1)")
        }
        return ShardSelection(
            index: index, count: count, source: "\(variable)=\(index), count from \(countSource)")
    }

    /// A non-negative whole number from the environment.
    private static func number(_ name: String, _ environment: [String: String]) throws -> Int {
        let text = environment[name] ?? ""
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw ShardError("\(name)='\(text)' is not a whole number 0 or more")
        }
        return value
    }
}

/// A shard index or count that cannot be used: one line, exit code 2.
package struct ShardError: Error, CustomStringConvertible, ExitStatusProviding {
    package var description: String
    package init(_ description: String) { self.description = description }
    package var exitStatus: ExitStatus { .badInput }
}
