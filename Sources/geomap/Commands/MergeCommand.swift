import ArgumentParser
import Foundation
import GeomapRun
import OutputFiles

/// `geomap merge RUN_DIR`: joins the shards of a sharded run (docs/scale-out.md).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of a sharded run and check that no item is missing.",
        discussion: """
            Reads every shard's plan and ledger under RUN_DIR/shards/I-of-N/. When every item \
            of the plan is done it writes, per tile job, one VRT mosaic per output kind over \
            every item's raster (with the class colours and the .qml style), per basin or zonal \
            job its outputs in the job's output folder, and the merged RUN_DIR/manifest.json. \
            Otherwise it writes nothing. Exit codes: 0 merged; 1 items missing or failed \
            (listed, with the shard indices to run again); 2 no shards, or shards made from \
            different plans; 74 a file cannot be read or written; 75 a shard or another merge \
            holds the run directory.
            """)

    @Argument(help: "The run directory the shards ran in (geomap run --run-dir).")
    var runDirectory: String

    @Option(
        help: ArgumentHelp(
            "The number of shards (default: the one count found under RUN_DIR/shards/).",
            valueName: "N"))
    var shards: Int?

    func run() throws {
        let directory = URL(fileURLWithPath: runDirectory).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw ValidationError("\(runDirectory): no such run directory")
        }
        // One merge at a time, and no shard running meanwhile (exit 75 naming the holder).
        let mergeLock = try OutputLock(path: directory.appendingPathComponent("merge.lock").path)
        let first = try ShardedRun.read(directory, count: shards)
        let shardLocks = try first.shards.values.sorted { $0.index < $1.index }.map {
            try OutputLock(path: $0.url.appendingPathComponent("run.lock").path)
        }
        // Read again under the locks: a shard may have finished meanwhile.
        let run = try ShardedRun.read(directory, count: first.count)
        let log: (String, Bool) -> Void = { line, _ in
            FileHandle.standardError.write(Data("geomap merge: \(line)\n".utf8))
        }
        let manifest = try ShardMerge.merge(run, versions: RunCommand.versions, report: log)
        withExtendedLifetime((mergeLock, shardLocks)) {}
        log(
            "\(manifest.outcome) (plan \(manifest.planHash?.prefix(12) ?? "")); "
                + "\(directory.appendingPathComponent("manifest.json").path)", false)
    }
}
