import BasinInputs
import Foundation
import GeoNetCDF
import Models
import ZonalAggregation

/// The forcing archive's part in assembling a night's inputs (`geomap predict --basins
/// --archive`): every day of the period gets a digest of the source values that feed it
/// (``BasinForcingDigests``); a day the archive holds with the same digest is copied from it,
/// and only the other days (new, or changed in a re-issued file) are aggregated.
package final class BasinForcingReuse {
    /// What the forcing archive holds: its days' digests and values.
    struct Archived {
        /// The archive's basins and variables (the model's dynamic variables, in its units).
        var basinIDs: [String]
        var variables: [String]
        /// Day number → (digest, `[variables × basins]` values).
        var days: [Int: (digest: String, values: [Float])]
    }

    let archived: Archived?
    /// After ``prepare(_:files:variables:modelVariables:)``: the period's first day number and
    /// each of its days' digest.
    private(set) var firstDay = 0
    private(set) var digests: [String] = []
    /// Day numbers aggregated from the forcing files, and taken from the archive.
    private(set) var aggregated: [Int] = []
    private(set) var reused: Set<Int> = []

    init(archived: Archived?) {
        self.archived = archived
    }

    /// Digests the period's days, puts the archived values of unchanged days into `merge`, and
    /// returns the window days (offsets) left to aggregate.
    func prepare(
        _ merge: inout BasinForcingMerge, files: [BasinForcingFile], variables used: [String],
        modelVariables: [String]
    ) throws -> Set<Int> {
        firstDay = merge.firstDay
        digests = try BasinForcingDigests.days(
            files, variables: used, firstDay: merge.firstDay, days: merge.days)
        let ids = merge.basins.basins.map(\.id)
        let usable =
            archived.map { $0.basinIDs == ids && $0.variables == modelVariables } ?? false
        var only = Set<Int>()
        for d in 0..<merge.days {
            if usable, let known = archived?.days[firstDay + d], known.digest == digests[d] {
                merge.prefill(day: d, values: known.values)
                reused.insert(firstDay + d)
            } else {
                only.insert(d)
                aggregated.append(firstDay + d)
            }
        }
        return only
    }
}

/// Per-day digests of the forcing values that feed a basin period: for every day, SHA-256 over
/// each file holding that day (in `--forcings` order) and each needed variable it gives: the
/// file's place, the variable's name and its values of that day (a grid's whole field as
/// read, missing values as NaN; a per-basin file's values of every basin). A re-issued file
/// whose values changed on some days changes exactly those days' digests; a file that only
/// gained days leaves the others' digests as they were.
enum BasinForcingDigests {
    static func days(
        _ files: [BasinForcingFile], variables: [String], firstDay: Int, days: Int
    ) throws -> [String] {
        var hashers = [SHA256Digest](repeating: SHA256Digest(), count: days)
        let lastDay = firstDay + days - 1
        func hash(_ table: BasinTable, file index: Int) {
            let tableFirst = BasinDay.number(table.dates[0])!
            for (v, name) in table.variables.enumerated() where variables.contains(name) {
                for t in 0..<table.dayCount {
                    let d = tableFirst + t - firstDay
                    guard d >= 0, d < days else { continue }
                    var bits: [UInt8] = []
                    bits.reserveCapacity(table.basinIDs.count * 4)
                    for b in table.basinIDs.indices {
                        withUnsafeBytes(of: table[variable: v, basin: b, day: t].bitPattern) {
                            bits += $0
                        }
                    }
                    hashers[d].update("\(index) \(name)")
                    hashers[d].update(bits)
                }
            }
        }
        for (index, file) in files.enumerated() {
            let names = file.variables.filter(variables.contains)
            switch file.content {
            case .perBasin(let table):
                hash(table, file: index)
            case .timeSeries(let url, let stepDays):
                guard stepDays.contains(where: { $0 >= firstDay && $0 <= lastDay }) else {
                    continue
                }
                hash(
                    try BasinNetCDF.readForcings(
                        url, variables: names, from: BasinDay.date(firstDay),
                        through: BasinDay.date(lastDay)), file: index)
            case .gridded(let forcing, let stepDays):
                guard let lower = stepDays.firstIndex(where: { $0 >= firstDay }),
                    let upper = stepDays.lastIndex(where: { $0 <= lastDay }), lower <= upper
                else { continue }
                for name in names {
                    let variable = try forcing.variable(name)
                    for slab in forcing.timeSlabs(
                        for: variable, in: lower..<(upper + 1),
                        maxValues: ZonalForcing.defaultSlabValues)
                    {
                        let values = try forcing.read(variable, times: slab)
                        let perStep = values.count / max(1, slab.count)
                        values.withUnsafeBytes { raw in
                            for (k, step) in slab.enumerated() {
                                let d = stepDays[step] - firstDay
                                hashers[d].update("\(index) \(name)")
                                hashers[d].update(
                                    UnsafeRawBufferPointer(
                                        rebasing: raw[(k * perStep * 4)..<((k + 1) * perStep * 4)]))
                            }
                        }
                    }
                }
            }
        }
        return hashers.map { hasher in
            var copy = hasher
            return SHA256Digest.hex(copy.finalize())
        }
    }
}
