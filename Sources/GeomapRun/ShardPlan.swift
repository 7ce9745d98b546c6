package import Foundation
import Models

/// A run's plan dealt into `count` shards: contiguous ranges of the sorted work items holding
/// about `1/count` of the estimated cost each (``WorkItem/cost``).
///
/// The assignment depends only on the plan (its items, in order, with their costs) and on
/// `count`, so every copy of `geomap run --shard i/n`, on any node, deals the same way. Item
/// `k` goes to the shard whose share of the total cost holds the item's middle:
/// `⌊(start_k + cost_k / 2) · n / total⌋`, so each shard's cost is within one item of
/// `total / n`, and a shard may be empty when there are fewer items than shards.
package struct ShardPlan: Sendable {
    /// The whole plan, outputs where an unsharded run writes them.
    package let plan: RunPlan
    package let count: Int
    /// The shard of each item of ``plan``.
    package let owners: [Int]
    /// ``ShardPlan/hash(_:)`` of ``plan``.
    package let hash: String

    package init(plan: RunPlan, count: Int) {
        precondition(count >= 1)
        self.plan = plan
        self.count = count
        owners = Self.assign(costs: plan.items.map(\.cost), count: count)
        hash = Self.hash(plan)
    }

    /// The shard of each item: contiguous, in order, balanced by cost (see the type).
    package static func assign(costs: [Int64], count: Int) -> [Int] {
        let weights = costs.map { max(1, $0) }
        let total = weights.reduce(0, +)
        var start: Int64 = 0
        return weights.map { cost in
            // ⌊(2·start + cost) · count / (2·total)⌋ in full width: no overflow for any plan.
            let middle = 2 * start + cost
            let product = middle.multipliedFullWidth(by: Int64(count))
            let shard = (2 * total).dividingFullWidth(product).quotient
            start += cost
            return min(count - 1, Int(shard))
        }
    }

    /// SHA-256 over what makes the plan (every item's key, job, command line, output folder and
    /// prefix, chunk window and cost, in order), not over its inputs' contents or times: two
    /// shards planned from the same configuration on the same night agree, whatever their
    /// inputs' state, and a changed option, scene list or date changes it.
    package static func hash(_ plan: RunPlan) -> String {
        var hasher = SHA256Digest()
        for item in plan.items {
            let window = item.outputWindow.map { "\($0.x),\($0.y),\($0.width),\($0.height)" }
            let fields = [
                item.key, item.job, item.arguments.joined(separator: "\u{1f}"),
                item.outputFolder, item.outputPrefix ?? "", window ?? "", "\(item.cost)",
            ]
            hasher.update(Data((fields.joined(separator: "\u{1e}") + "\n").utf8))
        }
        return SHA256Digest.hex(hasher.finalize())
    }

    /// The indices of the items of shard `index`.
    package func indices(of index: Int) -> [Int] {
        owners.indices.filter { owners[$0] == index }
    }

    /// The items shard `index` runs, their outputs redirected into `shards/i-of-n/` below
    /// their job's output folder (``WorkItem/redirected(into:configFolder:)``).
    package func items(of index: Int, configFolder: URL) -> [WorkItem] {
        let label = ShardSelection.label(index: index, count: count)
        return indices(of: index).map {
            plan.items[$0].redirected(into: label, configFolder: configFolder)
        }
    }

    /// The total estimated cost of shard `index`.
    package func cost(of index: Int) -> Int64 {
        indices(of: index).reduce(0) { $0 + max(1, plan.items[$1].cost) }
    }
}

extension WorkItem {
    /// The item writing into `<output folder>/shards/<label>/` instead of its output folder:
    /// `--out FOLDER` becomes `--out FOLDER/shards/<label>`, `--out FOLDER/NAME` becomes
    /// `--out FOLDER/shards/<label>/NAME` (relative values resolved against `configFolder`).
    package func redirected(into label: String, configFolder: URL) -> WorkItem {
        var item = self
        let folder = "\(outputFolder)/shards/\(label)"
        item.outputFolder = folder
        if let at = arguments.lastIndex(of: "--out"), at + 1 < arguments.count {
            let value = RunPlan.absolute(arguments[at + 1], folder: configFolder)
            let standard = URL(fileURLWithPath: value).standardizedFileURL
            let same = standard.path == URL(fileURLWithPath: outputFolder).standardizedFileURL.path
            item.arguments[at + 1] = same ? folder : "\(folder)/\(standard.lastPathComponent)"
        }
        return item
    }
}

/// What a shard records about the plan it ran, `RUN_DIR/shards/i-of-n/plan.json`, written
/// before its first item: the plan's hash, the whole plan's items with their shards (so
/// `geomap merge` and `geomap status --missing` know every item, also of shards that never
/// ran), and the fingerprints of its own items (an item is done for the merge only when the
/// shard's ledger holds it done with the fingerprint of this plan).
package struct ShardRecord: Codable, Sendable, Equatable {
    package struct Job: Codable, Sendable, Equatable {
        package var name: String
        /// ``RunJobKind`` raw value.
        package var kind: String
    }

    package struct Item: Codable, Sendable, Equatable {
        package var key: String
        package var job: String
        package var shard: Int
        package var cost: Int64
        /// Where an unsharded run writes the item's outputs (the shard writes into
        /// `shards/i-of-n/` below it).
        package var outputFolder: String
        package var outputPrefix: String?
        /// A basin group's joined stem (``WorkItem/joinStem``).
        package var joinStem: String? = nil
    }

    package var planHash: String
    package var index: Int
    package var count: Int
    /// The configuration file (absolute).
    package var config: String
    /// ISO 8601 UTC: when the shard planned.
    package var created: String
    package var jobs: [Job]
    package var items: [Item]
    /// Fingerprints of this shard's items, by key.
    package var fingerprints: [String: String]

    package var label: String { ShardSelection.label(index: index, count: count) }

    package init(
        _ shards: ShardPlan, index: Int, config: RunConfig, fingerprints: [String: String],
        created: Date = Date()
    ) {
        planHash = shards.hash
        self.index = index
        count = shards.count
        self.config = config.file.path
        self.created = ISO8601DateFormatter().string(from: created)
        jobs = config.jobs.map { Job(name: $0.name, kind: $0.kind.rawValue) }
        items = zip(shards.plan.items, shards.owners).map { item, owner in
            Item(
                key: item.key, job: item.job, shard: owner, cost: item.cost,
                outputFolder: item.outputFolder, outputPrefix: item.outputPrefix,
                joinStem: item.joinStem)
        }
        self.fingerprints = fingerprints
    }

    /// The file name in a shard's folder.
    package static let fileName = "plan.json"

    package func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try RunFiles.write(try encoder.encode(self), to: url)
    }

    package static func read(_ url: URL) throws -> ShardRecord {
        guard let data = try? Data(contentsOf: url) else {
            throw RunFileError(path: url.path, problem: "cannot read the shard's plan")
        }
        do {
            return try JSONDecoder().decode(ShardRecord.self, from: data)
        } catch {
            throw RunFileError(path: url.path, problem: "not a geomap shard plan")
        }
    }
}

/// Work estimates that balance shards (``WorkItem/cost``), in basin-days: one basin-day of
/// basin prediction is 1; one tile (one output pixel of a tile job) is 47, the ratio of the
/// quiet-machine rates of docs/benchmarks.md (about 7,000 basin-days and 148 tiles per
/// CPU-second). Only the ratio between jobs matters, and only roughly.
package enum WorkCost {
    package static let perTile: Int64 = 47
    package static let perBasinDay: Int64 = 1
    /// Days of a basin job whose period is not written as two dates (to the end of the
    /// forcing, `yesterday`…): a year.
    package static let defaultDays = 365
    /// A zonal job, or an item that cannot be measured: about one tile's worth of a chunk.
    package static let unmeasured: Int64 = 1

    /// A tile item of `width × height` output pixels.
    package static func tiles(width: Int, height: Int) -> Int64 {
        max(1, Int64(width) * Int64(height) * perTile)
    }

    /// A basin item of `basins` basins over `days` days.
    package static func basins(_ basins: Int, days: Int) -> Int64 {
        max(1, Int64(basins) * Int64(days) * perBasinDay)
    }

    /// Days from `start` to `end` (both `yyyy-MM-dd`, inclusive), else ``defaultDays``.
    package static func days(start: String?, end: String?) -> Int {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd"
        guard let start, let end, let first = format.date(from: start),
            let last = format.date(from: end), last >= first
        else { return defaultDays }
        return Int((last.timeIntervalSince(first) / 86_400).rounded()) + 1
    }
}
