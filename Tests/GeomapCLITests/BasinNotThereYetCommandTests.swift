import Foundation
import GeoNetCDF
import TestSupport
import Testing

private var samples: URL { TestPaths.samples }

var sampleStaticRasters: [String] {
    ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map {
        samples.appendingPathComponent("static/\($0).tif").path
    }
}

/// A copy of `samples/forcings.nc` cut after its first `days` days, written with netCDF-C:
/// `timeUnits` replaces the time axis' units (to move the days), `change` adds to a value of
/// a variable on a day (a re-issued file).
func forcingCopy(
    days: Int, to url: URL, timeUnits: String? = nil,
    change: (variable: String, day: Int, delta: Float)? = nil
) throws {
    let source = try NetCDFFile(opening: samples.appendingPathComponent("forcings.nc").path)
    let dimensions = try source.dimensions()
    let variables = try source.variables()
    try? FileManager.default.removeItem(at: url)
    let partial = url.path + ".partial"
    let target = try NetCDFFile(creatingClassicModel: partial)
    var ids: [String: Int32] = [:]
    for dimension in dimensions {
        ids[dimension.name] = try target.defineDimension(
            dimension.name, length: dimension.name == "time" ? days : dimension.length)
    }
    var varids: [String: Int32] = [:]
    for variable in variables {
        let id = try target.defineVariable(
            variable.name, type: variable.type, dimensions: variable.dimensions.map { ids[$0]! })
        for attribute in variable.attributes {
            if variable.name == "time", attribute.name == "units", let timeUnits {
                try target.putAttribute(.text("units", timeUnits), on: id)
            } else {
                try target.putAttribute(attribute, on: id)
            }
        }
        varids[variable.name] = id
    }
    for attribute in try source.globalAttributes() { try target.putAttribute(attribute, on: nil) }
    try target.endDefinitions()
    for variable in variables {
        var count = variable.shape
        if variable.dimensions.first == "time" { count[0] = days }
        let start = [Int](repeating: 0, count: count.count)
        let id = varids[variable.name]!
        switch variable.type {
        case .float:
            var values = try source.readFloats(variable, start: start, count: count)
            if let change, change.variable == variable.name {
                let perDay = values.count / days
                for i in (change.day * perDay)..<((change.day + 1) * perDay) {
                    values[i] += change.delta
                }
            }
            try target.write(values, to: id, start: start, count: count)
        case .int:
            let values = try source.readDoubles(variable, start: start, count: count)
            try target.write(values.map { Int32($0) }, to: id, start: start, count: count)
        default:
            let values = try source.readDoubles(variable, start: start, count: count)
            try target.write(values, to: id, start: start, count: count)
        }
    }
    try target.close()
    try source.close()
    // Replaced whole, as an operator's download would be.
    #expect(rename(partial, url.path) == 0)
}

/// `YYYY-MM-DD` of today (UTC) plus `offset` days.
func day(_ offset: Int) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(byAdding: .day, value: offset, to: Date())!
    let parts = calendar.dateComponents([.year, .month, .day], from: date)
    return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
}

/// `days since` units that put the last of the sample's 731 days on today + `offset`.
func unitsEnding(_ offset: Int) -> String {
    "days since \(day(offset - 730)) 00:00:00"
}

private func predict(_ forcing: URL, out: URL, cache: URL, _ extra: [String] = [])
    throws -> CommandResult
{
    try runGeomap(
        [
            "predict", "--basins", samples.appendingPathComponent("basins.shp").path,
            "--forcings", forcing.path, "--out", out.path, "--weights-cache", cache.path,
            "--static-raster",
        ] + sampleStaticRasters + extra)
}

/// Exit 75 ("try again later") when the forcing of the requested end is not there yet, through
/// the binary and through `geomap run`; exit 2 for an end far from today.
@Suite("geomap predict --basins: --end after the forcing, exit 75 or 2")
struct BasinNotThereYetCommandTests {
    @Test("--end after the forcing: 75 within 7 days of today, 2 farther in the future or past")
    func notThereYet() throws {
        let dir = try makeTemporaryDirectory("not-there-yet")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = dir.appendingPathComponent("cache")
        let recent = dir.appendingPathComponent("recent.nc")
        try forcingCopy(days: 731, to: recent, timeUnits: unitsEnding(-2))
        let out = dir.appendingPathComponent("out")
        for end in [day(0), day(-1), day(7)] {
            let result = try predict(recent, out: out, cache: cache, ["--end", end])
            #expect(result.status == 75, "\(end): \(result.stderr)")
            #expect(
                result.stderr.contains(
                    "geomap: error: forcing \(recent.path) ends \(day(-2)); \(end) not there "
                        + "yet: try again later"), "\(result.stderr)")
        }
        let far = try predict(recent, out: out, cache: cache, ["--end", day(30)])
        #expect(far.status == 2, "\(far.stderr)")
        #expect(far.stderr.contains("is after the last forcing day \(day(-2))"), "\(far.stderr)")
        // A forcing 40 days old: an end 30 days ago is a stale input, not data on its way.
        let old = dir.appendingPathComponent("old.nc")
        try forcingCopy(days: 731, to: old, timeUnits: unitsEnding(-40))
        let stale = try predict(old, out: out, cache: cache, ["--end", day(-30)])
        #expect(stale.status == 2, "\(stale.stderr)")
        #expect(
            !FileManager.default.fileExists(atPath: out.appendingPathComponent("basins.nc").path))
    }

    @Test("geomap run: a basin job whose end is today and whose forcing ends earlier stops with 75")
    func runConfigNotThereYet() throws {
        let dir = try makeTemporaryDirectory("not-there-yet-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        try forcingCopy(
            days: 731, to: dir.appendingPathComponent("forcings.nc"), timeUnits: unitsEnding(-2))
        let statics = sampleStaticRasters.map { "\"\($0)\"" }.joined(separator: ", ")
        let config = dir.appendingPathComponent("nightly.yaml")
        try """
        version: 1
        jobs:
          - name: streamflow
            kind: predict-basins
            basins: \(samples.appendingPathComponent("basins.shp").path)
            forcings: forcings.nc
            static-raster: [\(statics)]
            weights-cache: cache
            end: today
            out: out
        """.write(to: config, atomically: true, encoding: .utf8)
        let result = try runGeomap(["run", config.path])
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("not there yet: try again later"), "\(result.stderr)")
        #expect(
            !FileManager.default.fileExists(
                atPath: dir.appendingPathComponent("out/basins.nc").path))
        // The next night the forcing is there: the job runs (and starts its archives).
        try forcingCopy(
            days: 731, to: dir.appendingPathComponent("forcings.nc"), timeUnits: unitsEnding(0))
        let next = try runGeomap(["run", config.path])
        #expect(next.status == 0, "\(next.stderr)")
        let outputs = try FileManager.default.contentsOfDirectory(
            atPath: dir.appendingPathComponent("out").path
        ).sorted()
        #expect(
            outputs == [
                "basins.gpkg", "basins.group-0000.forcings.nc", "basins.group-0000.gpkg",
                "basins.group-0000.nc", "basins.nc",
            ])
    }
}
