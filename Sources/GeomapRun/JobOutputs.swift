import Foundation
import GeoRaster
import GeomapCore

/// What a job's finished items make together, built when a run ends (``RunEngine``) and by
/// `geomap merge`:
///
/// - a tile job: a VRT mosaic per output kind, `<out>/<job>.<kind>.vrt`, over its done items'
///   rasters of that kind, with the first one's `.qml`; items not done are left out;
/// - a basin job: its groups' `<stem>.group-IIII.nc` (and predict's `.gpkg`) joined into
///   `<stem>.nc` / `<stem>.gpkg` (``GeomapCore/BasinOutputJoin``), only when every group is
///   done (a job with a group missing keeps its old joined files, if any);
/// - a zonal job: nothing.
///
/// Each is rebuilt when one of the job's items ran in this run (`action == nil` in its record)
/// or when its file is missing, or always with `force`.
///
/// `geomap merge` (``ShardMerge``) calls it with the items where their shards wrote them
/// (`<out>/shards/I-of-N/`) and `folder` the job's own output folder, so a sharded run's joint
/// outputs are made by the same code, in the same order, as an unsharded run's.
package enum JobOutputs {
    /// Output kinds a tile job's mosaic is built for, by file suffix.
    package static let mosaicKinds = ["classes", "probabilities", "embeddings"]

    /// Builds `job`'s joint outputs from the records of its items in `plan`.
    /// - Parameters:
    ///   - records: the run's item records (other jobs' are ignored).
    ///   - folder: where the joint outputs go; `nil` for the job's first item's output folder
    ///     (an unsharded run, where every item writes there).
    ///   - force: rebuild even when nothing ran and the files exist.
    ///   - report: a line for the log, and whether a person must see it (a failure).
    /// - Returns: the problems (one line each): a join that failed. A mosaic GDAL cannot
    ///   build (rasters in different CRSs) is reported but not a problem.
    @discardableResult
    package static func finish(
        job: RunJob, plan: RunPlan, records: [RunManifest.Item], folder: String? = nil,
        force: Bool = false, report: (String, _ important: Bool) -> Void
    ) -> [String] {
        let items = plan.items.filter { $0.job == job.name }
        guard let folder = folder ?? items.first?.outputFolder else { return [] }
        // A mosaic's or join's temporaries left by a killed run (its items sweep only when
        // they run, and a re-run may run none).
        OutputRecovery.sweep(folder)
        let keys = Set(items.map(\.key))
        let mine = Dictionary(
            records.filter { keys.contains($0.key) }.map { ($0.key, $0) },
            uniquingKeysWith: { _, last in last })
        let ranNow = force || mine.values.contains { $0.status == "done" && $0.action == nil }
        switch job.kind {
        case .predictTiles, .embedTiles:
            buildMosaics(
                job, items: items, folder: folder, records: mine, ranNow: ranNow, report: report)
            return []
        case .predictBasins, .embedBasins:
            return joinGroups(
                job, items: items, folder: folder, records: mine, ranNow: ranNow, report: report)
        case .zonal:
            return []
        }
    }

    private static func buildMosaics(
        _ job: RunJob, items: [WorkItem], folder: String, records: [String: RunManifest.Item],
        ranNow: Bool, report: (String, Bool) -> Void
    ) {
        let done = items.compactMap { records[$0.key] }.filter { $0.status == "done" }
        for kind in mosaicKinds {
            // By file name, then path: items spread over shard folders are listed as an
            // unsharded run lists them, so overlapping scenes resolve the same way.
            let sources = done.flatMap(\.outputs).map(\.path)
                .filter { $0.hasSuffix(".\(kind).tif") }
                .sorted {
                    let (a, b) = (
                        URL(fileURLWithPath: $0).lastPathComponent,
                        URL(fileURLWithPath: $1).lastPathComponent
                    )
                    return a != b ? a < b : $0 < $1
                }
            guard !sources.isEmpty else { continue }
            let mosaic = "\(folder)/\(job.name).\(kind).vrt"
            guard ranNow || !FileManager.default.fileExists(atPath: mosaic) else { continue }
            let style = String(sources[0].dropLast(4)) + ".qml"
            do {
                try VRTMosaic.build(
                    sources: sources, to: mosaic,
                    style: FileManager.default.fileExists(atPath: style) ? style : nil)
                report("\(job.name): mosaic \(mosaic) over \(sources.count) rasters", false)
            } catch {
                report("\(job.name): mosaic \(mosaic) not written: \(error)", true)
            }
        }
    }

    /// A file's modification time in nanoseconds, `nil` when it is not there.
    private static func modified(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    /// The groups' files joined in plan (group) order, when every group is done.
    private static func joinGroups(
        _ job: RunJob, items: [WorkItem], folder: String, records: [String: RunManifest.Item],
        ranNow: Bool, report: (String, Bool) -> Void
    ) -> [String] {
        guard let first = items.first, let stem = first.joinStem else { return [] }
        let waiting = items.filter { records[$0.key]?.status != "done" }
        let folder = URL(fileURLWithPath: folder)
        let predicts = job.kind == .predictBasins
        let joined = folder.appendingPathComponent("\(stem).nc").path
        guard waiting.isEmpty else {
            report(
                "\(job.name): \(joined) not joined: \(waiting.count) of \(items.count) groups "
                    + "not done", false)
            return []
        }
        func file(_ item: WorkItem, _ suffix: String) -> URL {
            URL(fileURLWithPath: item.outputFolder)
                .appendingPathComponent((item.outputPrefix ?? "") + suffix)
        }
        let targets =
            [joined] + (predicts ? [folder.appendingPathComponent("\(stem).gpkg").path] : [])
        // Also rebuilt when a group's file is newer than the joined files: a run killed
        // between a group's commit and the join leaves the old join behind.
        let sources = items.flatMap { item in
            (predicts ? ["nc", "gpkg"] : ["nc"]).map { file(item, $0).path }
        }
        let times = targets.map(modified)
        let oldest = times.contains(nil) ? nil : times.compactMap { $0 }.min()
        let stale = oldest.map { time in sources.contains { (modified($0) ?? 0) > time } } ?? true
        guard ranNow || stale else { return [] }
        do {
            let written = try BasinOutputJoin.join(
                netCDFs: items.map { file($0, "nc") },
                geoPackages: predicts ? items.map { file($0, "gpkg") } : [],
                directory: folder, stem: stem)
            report(
                "\(job.name): joined \(items.count) group\(items.count == 1 ? "" : "s") into "
                    + written.joined(separator: ", "), false)
            return []
        } catch {
            let line = "\(job.name): \(joined) not joined: \(error)"
            report(line, true)
            return [line]
        }
    }
}
