public import Foundation
import GeoNetCDF

/// Reads per-basin daily forcings from a CF discrete-sampling-geometry `timeSeries` file
/// (CF §9): a station dimension with a `cf_role = "timeseries_id"` variable (the basin ids),
/// a CF time coordinate, and data variables `(station, time)` or `(time, station)`.
/// `_FillValue`, `missing_value`, valid range and packing are honoured (missing → NaN).
public enum BasinNetCDF {
    /// Reads `variables` (all station×time numeric variables when nil) into a table.
    /// - Throws: ``BasinInputError`` naming the file: not readable as netCDF, no
    ///   `timeseries_id` variable, no CF time, a time step that is not whole days, a variable
    ///   that is absent or not over (station, time).
    public static func readForcings(_ url: URL, variables wanted: [String]? = nil)
        throws(BasinInputError) -> BasinTable
    {
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
            guard let timeVariable = all.first(where: { cfAxisRole(of: $0) == .time }),
                let timeDim = timeVariable.dimensions.first
            else { throw BasinInputError(path, "no CF time coordinate") }
            let calendar = CFCalendar(attribute: timeVariable.text("calendar"))
            guard let calendar, let unitsText = timeVariable.text("units"),
                let units = CFTimeUnits(unitsText, calendar: calendar)
            else {
                throw BasinInputError(
                    path, "time '\(timeVariable.name)' has no usable CF units and calendar")
            }
            let times = try file.readDoubles(timeVariable)
            var days: [Int] = []
            for t in times {
                let date = units.date(t)
                guard date.hour == 0, date.minute == 0, date.second == 0,
                    let day = BasinDay.number(date)
                else {
                    throw BasinInputError(
                        path, "time \(date) is not a calendar day at midnight (daily data needed)")
                }
                days.append(day)
            }
            let candidates = all.filter {
                $0.type != .char && Set($0.dimensions) == [stationDim, timeDim]
                    && $0.dimensions.count == 2
            }
            let names = wanted ?? candidates.map(\.name)
            let absent = names.filter { n in !candidates.contains { $0.name == n } }
            guard absent.isEmpty else {
                throw BasinInputError(
                    path, "no (station, time) variable " + absent.joined(separator: ", "))
            }
            var builder = BasinTableBuilder(variables: names, units: [])
            builder.units = names.map { n in candidates.first { $0.name == n }!.text("units") }
            let basins = ids.map { builder.basin($0) }
            guard Set(ids).count == ids.count else {
                throw BasinInputError(path, "duplicate basin ids in '\(idVariable.name)'")
            }
            for (v, name) in names.enumerated() {
                let variable = candidates.first { $0.name == name }!
                let packing = CFPacking(variable)
                let raw = try file.readDoubles(variable)
                let stationFirst = variable.dimensions[0] == stationDim
                for s in ids.indices {
                    for t in times.indices {
                        let i = stationFirst ? s * times.count + t : t * ids.count + s
                        if builder.add(
                            basin: basins[s], day: days[t], variable: v,
                            value: packing.decode(raw[i]), line: t) != nil
                        {
                            throw BasinInputError(path, "time \(BasinDay.date(days[t])) repeats")
                        }
                    }
                }
            }
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
