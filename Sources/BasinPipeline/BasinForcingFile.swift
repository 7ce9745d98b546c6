import BasinInputs
import Foundation
import GeoNetCDF

/// One `--forcings` file, opened and scanned: its kind, the user variables it holds and the
/// days it covers. Gridded files are only scanned here (axes and attributes); their values are
/// aggregated later, for the days of the prediction window only.
final class BasinForcingFile {
    enum Content {
        /// A CF grid; `days[t]` is the day number (``BasinDay``) of time step `t`.
        case gridded(CFForcing, days: [Int])
        /// Per-basin series (CSV) already read, restricted to the wanted variables, in the
        /// basins' order.
        case perBasin(BasinTable)
        /// A CF timeSeries file, scanned; its values are read for the window's days only.
        case timeSeries(URL, days: [Int])
    }

    let path: String
    let content: Content
    /// The wanted user variables the file holds, in file order.
    let variables: [String]
    /// Their units as the file declares them (nil: the file does not say).
    let units: [String?]
    /// First and last day number the file covers.
    let firstDay: Int
    let lastDay: Int

    var isGridded: Bool {
        if case .gridded = content { return true }
        return false
    }

    private init(
        path: String, content: Content, variables: [String], units: [String?], firstDay: Int,
        lastDay: Int
    ) {
        self.path = path
        self.content = content
        self.variables = variables
        self.units = units
        self.firstDay = firstDay
        self.lastDay = lastDay
    }

    /// Opens `path` and decides its kind: a CSV or a netCDF with a
    /// `cf_role = "timeseries_id"` variable is per-basin (a CSV is read whole here, a netCDF
    /// only scanned, see `BasinCSV`, `BasinNetCDF`);
    /// any other netCDF must be a CF grid (x/y or latitude/longitude axes, a time axis).
    /// - Parameters:
    ///   - basins: the basin ids, in file order (a per-basin file must give all of them).
    ///   - wanted: the user variable names the model needs (through the mapping).
    /// - Throws: ``BasinInputError`` or ``NetCDFError`` naming the file: an unknown format, a
    ///   grid that is not daily, a file holding none of the wanted variables, basins missing
    ///   from a per-basin file.
    ///   - elsewhere: ids of the basin layer's other basins when `basins` is a group of it
    ///     (``BasinGroup``): a one-basin file of one of them is no error (its basin is NaN
    ///     here, as the other basins are in a whole-file run).
    static func open(
        _ path: String, basins: [String], wanted: [String], elsewhere: Set<String> = []
    ) throws -> BasinForcingFile {
        let url = URL(fileURLWithPath: path)
        let perBasin: Bool
        switch url.pathExtension.lowercased() {
        case "csv": perBasin = true
        case "txt" where BasinDaymet.recognises(url):
            return try openSingleBasin(
                url, table: BasinDaymet.read(url), basins: basins, wanted: wanted,
                elsewhere: elsewhere, named: "")
        case "nc", "nc4", "cdf", "netcdf":
            perBasin = try hasTimeseriesID(path)
            if !perBasin, BasinSingleNetCDF.recognises(url) {
                return try openSingleBasin(
                    url, table: BasinSingleNetCDF.read(url, variables: wanted), basins: basins,
                    wanted: wanted, elsewhere: elsewhere, named: " (its file name)")
            }
        default:
            throw BasinInputError(
                path,
                "unknown forcings format '.\(url.pathExtension)' (expected a CF NetCDF grid, a "
                    + "CF timeSeries NetCDF, one basin's NetCDF as Caravan's, a per-basin CSV or "
                    + "a CAMELS forcing .txt)")
        }
        if perBasin, url.pathExtension.lowercased() != "csv" {
            let contents = try BasinNetCDF.scan(url)
            let names = contents.variables.filter(wanted.contains)
            try requireSome(names, wanted: wanted, available: contents.variables, path: path)
            let missing = basins.filter { !contents.basinIDs.contains($0) }
            guard missing.isEmpty else {
                throw BasinInputError(
                    path,
                    "no forcings for basins " + missing.joined(separator: ", ")
                        + BasinIDHints.leadingZeros(missing: missing, available: contents.basinIDs))
            }
            guard let first = contents.days.min(), let last = contents.days.max() else {
                throw BasinInputError(path, "no time steps")
            }
            let units = names.map { contents.units[contents.variables.firstIndex(of: $0)!] }
            return BasinForcingFile(
                path: path, content: .timeSeries(url, days: contents.days), variables: names,
                units: units, firstDay: first, lastDay: last)
        }
        if perBasin {
            let table = try BasinCSV.readForcings(url)
            let names = table.variables.filter(wanted.contains)
            try requireSome(names, wanted: wanted, available: table.variables, path: path)
            // A Caravan-style file holds one basin (named by the file); the others are NaN.
            let single = BasinCSV.isSingleBasin(url)
            if single, let id = table.basinIDs.first, !basins.contains(id),
                !elsewhere.contains(id)
            {
                throw BasinInputError(
                    path,
                    "holds basin \(id) (its file name), which is not in the basin file"
                        + BasinIDHints.leadingZeros(missing: [id], available: basins))
            }
            let kept = try table.keeping(names).selecting(
                basins: basins, path: path, padMissingBasins: single)
            let first = BasinDay.number(kept.dates[0])!
            return BasinForcingFile(
                path: path, content: .perBasin(kept), variables: kept.variables,
                units: kept.units, firstDay: first, lastDay: first + kept.dayCount - 1)
        }
        let forcing = try CFForcing(path: path)
        let available = forcing.variables.map(\.name)
        let names = available.filter(wanted.contains)
        try requireSome(names, wanted: wanted, available: available, path: path)
        var days: [Int] = []
        for t in 0..<forcing.timeAxis.count {
            let date = forcing.timeAxis.date(at: t)
            guard let day = BasinDay.number(date) else {
                throw BasinInputError(path, "time step \(t) (\(date)) is not a Gregorian day")
            }
            if let previous = days.last, day <= previous {
                throw BasinInputError(
                    path,
                    "time steps \(t - 1) and \(t) fall on the same day \(BasinDay.date(day)) "
                        + "(daily forcings needed; the time step is "
                        + "\(forcing.timeAxis.stepDescription))")
            }
            days.append(day)
        }
        guard let first = days.first, let last = days.last else {
            throw BasinInputError(path, "no time steps")
        }
        let units = names.map { name in forcing.variables.first { $0.name == name }!.units }
        return BasinForcingFile(
            path: path, content: .gridded(forcing, days: days), variables: names, units: units,
            firstDay: first, lastDay: last)
    }

    /// One basin's file, read (a CAMELS forcing `.txt`, ``BasinDaymet``, or a Caravan NetCDF,
    /// ``BasinSingleNetCDF``): the other basins are NaN in it (give one `--forcings` per basin,
    /// or the folder, ``openSet(_:basins:wanted:elsewhere:log:)``).
    /// - Parameter named: how the id was found, for the message (` (its file name)`).
    /// - Throws: ``BasinInputError`` when its basin is not in the basin file.
    private static func openSingleBasin(
        _ url: URL, table: BasinTable, basins: [String], wanted: [String],
        elsewhere: Set<String>, named: String
    ) throws -> BasinForcingFile {
        let path = url.path
        let names = table.variables.filter(wanted.contains)
        try requireSome(names, wanted: wanted, available: table.variables, path: path)
        let id = table.basinIDs[0]
        guard basins.contains(id) || elsewhere.contains(id) else {
            throw BasinInputError(
                path,
                "holds basin \(id)\(named), which is not in the basin file"
                    + BasinIDHints.leadingZeros(missing: [id], available: basins)
                    .replacingOccurrences(of: "in the file", with: "in the basin file"))
        }
        let kept = try table.keeping(names).selecting(
            basins: basins, path: path, padMissingBasins: true)
        let first = BasinDay.number(kept.dates[0])!
        return BasinForcingFile(
            path: path, content: .perBasin(kept), variables: kept.variables, units: kept.units,
            firstDay: first, lastDay: first + kept.dayCount - 1)
    }

    /// A folder or pattern of one file per basin (``BasinFileSet``: Caravan `.nc` or `.csv`,
    /// CAMELS Daymet `.txt`): each basin's file is read (only the wanted variables of a NetCDF)
    /// and all are put into one per-basin table, in the basins' order. Files of basins that are
    /// not in the basin file are left out (a note says how many).
    /// - Throws: ``BasinInputError`` naming the set or a file: basins without a file (one
    ///   line), two files for one basin, a file that is not one basin's series or holds none of
    ///   the wanted variables, two files declaring a variable in different units.
    /// - Parameter elsewhere: the basin layer's other basins when `basins` is a group of it
    ///   (``BasinGroup``): their files are left out without a word.
    static func openSet(
        _ path: String, basins: [String], wanted: [String], elsewhere: Set<String> = [],
        log: (String) -> Void
    ) throws -> BasinForcingFile {
        let (selected, note) = try BasinFileSet.select(
            path, basins: basins, requireAll: true, what: "forcing", elsewhere: elsewhere)
        if let note { log(note) }
        var tables: [(basin: Int, table: BasinTable)] = []
        var units: [String: (unit: String?, path: String)] = [:]
        for (b, file) in selected {
            let table = try readOneBasin(URL(fileURLWithPath: file), wanted: wanted)
            let names = table.variables.filter(wanted.contains)
            try requireSome(names, wanted: wanted, available: table.variables, path: file)
            for name in names {
                let unit = table.units[table.variables.firstIndex(of: name)!]
                guard let earlier = units[name] else {
                    units[name] = (unit, file)
                    continue
                }
                let same =
                    earlier.unit.map(BasinUnit.normalise) == unit.map(BasinUnit.normalise)
                    || (unit.flatMap(BasinUnit.init(parsing:)) != nil
                        && unit.flatMap(BasinUnit.init(parsing:))
                            == earlier.unit.flatMap(BasinUnit.init(parsing:)))
                guard same else {
                    throw BasinInputError(
                        file,
                        "gives \(name) in \(unit ?? "no unit") but \(earlier.path) gives it in "
                            + "\(earlier.unit ?? "no unit")")
                }
            }
            tables.append((b, table.keeping(names)))
        }
        let names = wanted.filter { units[$0] != nil }
        let starts = tables.map { BasinDay.number($0.table.dates[0])! }
        let first = starts.min()!
        let last = zip(starts, tables).map { $0 + $1.table.dayCount - 1 }.max()!
        let days = last - first + 1
        var values = [Float](repeating: .nan, count: names.count * basins.count * days)
        for ((b, table), start) in zip(tables, starts) {
            for (tv, name) in table.variables.enumerated() {
                let v = names.firstIndex(of: name)!
                let offset = (v * basins.count + b) * days + start - first
                for d in 0..<table.dayCount {
                    values[offset + d] = table[variable: tv, basin: 0, day: d]
                }
            }
        }
        let combined = BasinTable(
            basinIDs: basins, dates: (first...last).map(BasinDay.date), variables: names,
            units: names.map { units[$0]!.unit }, values: values)
        return BasinForcingFile(
            path: path, content: .perBasin(combined), variables: names, units: combined.units,
            firstDay: first, lastDay: last)
    }

    /// One basin's file of a set, by its kind.
    /// - Throws: ``BasinInputError`` when it is not one basin's series.
    private static func readOneBasin(_ url: URL, wanted: [String]) throws -> BasinTable {
        let netCDF = ["nc", "nc4", "cdf", "netcdf"].contains(url.pathExtension.lowercased())
        switch url.pathExtension.lowercased() {
        case "csv" where BasinCSV.isSingleBasin(url):
            return try BasinCSV.readForcings(url)
        case "txt" where BasinDaymet.recognises(url):
            return try BasinDaymet.read(url)
        case _ where netCDF && BasinSingleNetCDF.recognises(url):
            return try BasinSingleNetCDF.read(url, variables: wanted)
        default:
            throw BasinInputError(
                url.path,
                "is not one basin's series (in a folder of per-basin forcings each file holds "
                    + "one basin: a Caravan .nc or .csv whose header starts with date, or a "
                    + "CAMELS forcing .txt)")
        }
    }

    /// Whether a netCDF file holds per-basin series (a `cf_role = "timeseries_id"` variable).
    private static func hasTimeseriesID(_ path: String) throws(NetCDFError) -> Bool {
        let file = try NetCDFFile(opening: path)
        return try file.variables().contains { $0.text("cf_role") == "timeseries_id" }
    }

    private static func requireSome(
        _ names: [String], wanted: [String], available: [String], path: String
    ) throws(BasinInputError) {
        guard names.isEmpty else { return }
        throw BasinInputError(
            path,
            "holds none of the forcings the model needs (\(wanted.joined(separator: ", "))); "
                + "it has: \(available.joined(separator: ", "))")
    }
}

extension BasinTable {
    /// The table with only `names` (which it must hold), in that order.
    func keeping(_ names: [String]) -> BasinTable {
        let block = basinIDs.count * dayCount
        var values: [Float] = []
        values.reserveCapacity(names.count * block)
        var units: [String?] = []
        for name in names {
            let v = variables.firstIndex(of: name)!
            values += self.values[(v * block)..<((v + 1) * block)]
            units.append(self.units[v])
        }
        return BasinTable(
            basinIDs: basinIDs, dates: dates, variables: names, units: units, values: values)
    }
}
