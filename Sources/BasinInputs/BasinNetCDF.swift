package import Foundation
package import GeoNetCDF

/// Reads per-basin daily forcings from a CF discrete-sampling-geometry `timeSeries` file
/// (CF §9): a station dimension with a `cf_role = "timeseries_id"` variable (the basin ids),
/// a CF time coordinate, and data variables `(station, time)` or `(time, station)`.
/// `_FillValue`, `missing_value`, valid range and packing are honoured (missing → NaN).
package enum BasinNetCDF {
    /// What a timeSeries file holds, read from its header, ids and time axis only.
    package struct Contents: Sendable {
        package var basinIDs: [String]
        /// Day number (proleptic Gregorian) of each time step.
        package var days: [Int]
        /// The numeric (station, time) variables and their `units` attributes.
        package var variables: [String]
        package var units: [String?]
        /// First and last date of the time axis.
        package var firstDate: CFDate { BasinDay.date(days.min() ?? 0) }
        package var lastDate: CFDate { BasinDay.date(days.max() ?? 0) }
    }

    /// Reads a file's basin ids, days and variables without reading any data value.
    /// - Throws: as ``readForcings(_:variables:from:through:)``.
    package static func scan(_ url: URL) throws(BasinInputError) -> Contents {
        try withFile(url) { file, header throws(BasinInputError) in
            Contents(
                basinIDs: header.ids, days: header.days,
                variables: header.candidates.map(\.name),
                units: header.candidates.map { $0.text("units") })
        }
    }

    /// Reads `variables` (all station×time numeric variables when nil) into a table; with
    /// `from`/`through`, only the time steps of those days (inclusive) are read.
    /// - Throws: ``BasinInputError`` naming the file: not readable as netCDF, no
    ///   `timeseries_id` variable, no CF time, a time step that is not whole days, a variable
    ///   that is absent or not over (station, time), no time step in the window.
    package static func readForcings(
        _ url: URL, variables wanted: [String]? = nil, from: CFDate? = nil,
        through: CFDate? = nil
    ) throws(BasinInputError) -> BasinTable {
        let path = url.path
        return try withFile(url) { file, header throws(BasinInputError) in
            let candidates = header.candidates
            let names = wanted ?? candidates.map(\.name)
            let absent = names.filter { n in !candidates.contains { $0.name == n } }
            guard absent.isEmpty else {
                throw BasinInputError(
                    path, "no (station, time) variable " + absent.joined(separator: ", "))
            }
            let ids = header.ids
            let days = header.days
            // The steps to read: one contiguous run covering the window's days.
            let low = from.flatMap(BasinDay.number) ?? Int.min
            let high = through.flatMap(BasinDay.number) ?? Int.max
            let inside = days.indices.filter { days[$0] >= low && days[$0] <= high }
            guard let t0 = inside.first, let t1 = inside.last else {
                throw BasinInputError(
                    path,
                    "no time step between \(from.map { "\($0)" } ?? "…") "
                        + "and \(through.map { "\($0)" } ?? "…")")
            }
            let steps = t0..<(t1 + 1)
            let selected = steps.filter { days[$0] >= low && days[$0] <= high }
            var seenDays = Set<Int>(minimumCapacity: selected.count)
            for t in selected where !seenDays.insert(days[t]).inserted {
                throw BasinInputError(path, "time \(BasinDay.date(days[t])) repeats")
            }
            // Ids are unique (the header refuses repeats), days too (above), so the table is
            // dense [variable][station][day] from the first to the last selected day, filled
            // in place (an archive of 256 basins × 10 years × 8 variables is 7.5 million
            // values: no per-value record or hash).
            let first = selected.map { days[$0] }.min()!
            let dayCount = selected.map { days[$0] }.max()! - first + 1
            var values = [Float](repeating: .nan, count: names.count * ids.count * dayCount)
            let units = names.map { n in candidates.first { $0.name == n }!.text("units") }
            for (v, name) in names.enumerated() {
                let variable = candidates.first { $0.name == name }!
                let packing = CFPacking(variable)
                let stationFirst = variable.dimensions[0] == header.stationDim
                let raw: [Double]
                do throws(NetCDFError) {
                    raw = try file.readDoubles(
                        variable, start: stationFirst ? [0, t0] : [t0, 0],
                        count: stationFirst ? [ids.count, steps.count] : [steps.count, ids.count])
                } catch {
                    throw BasinInputError(path, error.message)
                }
                for s in ids.indices {
                    let row = (v * ids.count + s) * dayCount - first
                    for t in selected {
                        let k = t - t0
                        let i = stationFirst ? s * steps.count + k : k * ids.count + s
                        values[row + days[t]] = packing.decode(raw[i])
                    }
                }
            }
            return BasinTable(
                basinIDs: ids, dates: (first..<(first + dayCount)).map(BasinDay.date),
                variables: names, units: units, values: values)
        }
    }

    /// The parts of a timeSeries file every read needs.
    private struct Header {
        var ids: [String]
        var stationDim: String
        var days: [Int]
        var candidates: [NetCDFVariable]
    }

    /// Opens `url`, reads its header, and runs `body`; netCDF errors become
    /// ``BasinInputError``s naming the file.
    private static func withFile<T>(
        _ url: URL, _ body: (borrowing NetCDFFile, Header) throws(BasinInputError) -> T
    ) throws(BasinInputError) -> T {
        let path = url.path
        do {
            let file = try NetCDFFile(opening: path)
            let all = try file.variables()
            guard let idVariable = all.first(where: { $0.text("cf_role") == "timeseries_id" })
            else {
                throw BasinInputError(
                    path, "no variable with cf_role = \"timeseries_id\" (not a CF timeSeries file)")
            }
            guard let stationDim = idVariable.dimensions.first else {
                throw BasinInputError(path, "the timeseries_id variable has no dimension")
            }
            let ids: [String]
            if idVariable.type == .char {
                ids = try file.readStrings(idVariable)
            } else {
                ids = try file.readDoubles(idVariable).map { String(Int64($0)) }
            }
            guard Set(ids).count == ids.count else {
                throw BasinInputError(path, "duplicate basin ids in '\(idVariable.name)'")
            }
            guard let timeVariable = all.first(where: { cfAxisRole(of: $0) == .time }),
                let timeDim = timeVariable.dimensions.first
            else { throw BasinInputError(path, "no CF time coordinate") }
            let days = try dailySteps(timeVariable, in: file, path: path)
            let candidates = all.filter {
                $0.type != .char && Set($0.dimensions) == [stationDim, timeDim]
                    && $0.dimensions.count == 2
            }
            return try body(
                file,
                Header(ids: ids, stationDim: stationDim, days: days, candidates: candidates))
        } catch let error as BasinInputError {
            throw error
        } catch let error as NetCDFError {
            throw BasinInputError(path, error.message)
        } catch {
            throw BasinInputError(path, "\(error)")
        }
    }

    /// The day number of each step of a CF time coordinate.
    /// - Throws: ``BasinInputError`` naming the file: no usable units or calendar, a step that
    ///   is not a calendar day at midnight.
    static func dailySteps(
        _ timeVariable: NetCDFVariable, in file: borrowing NetCDFFile, path: String
    )
        throws -> [Int]
    {
        let calendar = CFCalendar(attribute: timeVariable.text("calendar"))
        guard let calendar, let unitsText = timeVariable.text("units"),
            let units = CFTimeUnits(unitsText, calendar: calendar)
        else {
            throw BasinInputError(
                path, "time '\(timeVariable.name)' has no usable CF units and calendar")
        }
        var days: [Int] = []
        for t in try file.readDoubles(timeVariable) {
            let date = units.date(t)
            guard date.hour == 0, date.minute == 0, date.second == 0,
                let day = BasinDay.number(date)
            else {
                throw BasinInputError(
                    path, "time \(date) is not a calendar day at midnight (daily data needed)")
            }
            days.append(day)
        }
        return days
    }
}

/// One basin's daily series in a NetCDF file of its own, as Caravan distributes them
/// (`timeseries/netcdf/<source>/<gauge_id>.nc`, written by xarray): one dimension, a CF time
/// coordinate (`date`, `days since …`), and the variables over it (`total_precipitation_sum`,
/// `temperature_2m_mean`, …, `streamflow`), with `_FillValue` (NaN) and, when the file says,
/// `units`. The basin id is the file name without its extension (`camels_01022500`), as for
/// Caravan's CSV files (``BasinCSV``).
package enum BasinSingleNetCDF {
    /// The time coordinate and the data variables of such a file, or nil when it is not one:
    /// it has a `timeseries_id` variable, no CF time coordinate of one dimension, or a numeric
    /// variable over any other dimension (a grid), or no data variable.
    static func layout(_ variables: [NetCDFVariable])
        -> (time: NetCDFVariable, data: [NetCDFVariable])?
    {
        guard !variables.contains(where: { $0.text("cf_role") == "timeseries_id" }),
            let time = variables.first(where: {
                $0.dimensions.count == 1 && cfAxisRole(of: $0) == .time
            })
        else { return nil }
        let bounds = time.text("bounds")
        var data: [NetCDFVariable] = []
        for variable in variables where variable.name != time.name && variable.name != bounds {
            guard variable.dimensions == time.dimensions else {
                if variable.type == .char || variable.dimensions.isEmpty { continue }
                return nil
            }
            if variable.type != .char { data.append(variable) }
        }
        return data.isEmpty ? nil : (time, data)
    }

    /// Whether `url` is a NetCDF file holding one basin's series.
    package static func recognises(_ url: URL) -> Bool {
        do {
            let file = try NetCDFFile(opening: url.path)
            return layout(try file.variables()) != nil
        } catch {
            return false
        }
    }

    /// The basin's table: one basin (the file's stem), the file's variables (or only
    /// `wanted` among them) with their `units` (nil where the file has none).
    /// - Throws: ``BasinInputError`` naming the file: not readable as NetCDF, not one basin's
    ///   series, a time step that is not a day, a day given twice, no time step.
    package static func read(_ url: URL, variables wanted: [String]? = nil)
        throws(BasinInputError) -> BasinTable
    {
        let path = url.path
        do {
            let file = try NetCDFFile(opening: path)
            guard let found = layout(try file.variables()) else {
                throw BasinInputError(
                    path,
                    "not one basin's series (expected a CF time coordinate such as Caravan's "
                        + "'date' and variables over it only)")
            }
            let (time, all) = found
            let data = wanted.map { names in all.filter { names.contains($0.name) } } ?? all
            if let wanted, data.isEmpty {
                throw BasinInputError(
                    path,
                    "holds none of the forcings the model needs (\(wanted.joined(separator: ", "))); "
                        + "it has: \(all.map(\.name).joined(separator: ", "))")
            }
            let days = try BasinNetCDF.dailySteps(time, in: file, path: path)
            var builder = BasinTableBuilder(
                variables: data.map(\.name), units: data.map { $0.text("units") })
            let basin = builder.basin(url.deletingPathExtension().lastPathComponent)
            for (v, variable) in data.enumerated() {
                let packing = CFPacking(variable)
                let raw = try file.readDoubles(variable)
                for (t, day) in days.enumerated() {
                    if builder.add(
                        basin: basin, day: day, variable: v, value: packing.decode(raw[t]),
                        line: t) != nil
                    {
                        throw BasinInputError(path, "time \(BasinDay.date(day)) repeats")
                    }
                }
            }
            guard !days.isEmpty else { throw BasinInputError(path, "no time steps") }
            return try builder.build(path: path)
        } catch let error as BasinInputError {
            throw error
        } catch let error as NetCDFError {
            throw BasinInputError(path, error.message)
        } catch {
            throw BasinInputError(path, "\(error)")
        }
    }
}
