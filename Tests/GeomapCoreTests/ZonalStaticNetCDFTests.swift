import Foundation
import GeoNetCDF
import TestSupport
import Testing

@testable import GeomapCore
@testable import ZonalAggregation

/// `geomap zonal --forcings f.nc --var V` for a NetCDF variable without a time axis (issue 13
/// item 10): aggregated as the static raster `NETCDF:"f.nc":V`, or refused with that form.
@Suite("Zonal statistics of static NetCDF variables")
struct ZonalStaticNetCDFTests {
    /// A CF lat/lon file over the sample grid with a static `elevation` (and, with `withTime`,
    /// a time axis and a daily `pr`).
    func write(_ path: String, withTime: Bool) throws {
        let sample = try AssemblerFixtures.sampleFields(["pr"])
        let (x, y) = (sample.x, sample.y)
        let file = try NetCDFFile(creatingClassicModel: path)
        let yd = try file.defineDimension("lat", length: y.count)
        let xd = try file.defineDimension("lon", length: x.count)
        let yv = try file.defineVariable("lat", type: .double, dimensions: [yd])
        try file.putAttribute(.text("units", "degrees_north"), on: yv)
        let xv = try file.defineVariable("lon", type: .double, dimensions: [xd])
        try file.putAttribute(.text("units", "degrees_east"), on: xv)
        let ev = try file.defineVariable("elevation", type: .float, dimensions: [yd, xd])
        try file.putAttribute(.text("units", "m"), on: ev)
        var time: (variable: Int32, pr: Int32)?
        if withTime {
            let td = try file.defineDimension("time", length: 2)
            let tv = try file.defineVariable("time", type: .double, dimensions: [td])
            try file.putAttribute(.text("units", "days since 2016-01-01"), on: tv)
            let pv = try file.defineVariable("pr", type: .float, dimensions: [td, yd, xd])
            try file.putAttribute(.text("units", "mm"), on: pv)
            time = (tv, pv)
        }
        try file.endDefinitions()
        try file.write(y, to: yv, start: [0], count: [y.count])
        try file.write(x, to: xv, start: [0], count: [x.count])
        let elevation: [Float] = (0..<(x.count * y.count)).map { i in
            let a = Float(3 * (i % 17))
            let b = Float(i / 29)
            return 100 + a + b
        }
        try file.write(elevation, to: ev, start: [0, 0], count: [y.count, x.count])
        if let time {
            try file.write([0.0, 1.0] as [Double], to: time.variable, start: [0], count: [2])
            let cells = 2 * x.count * y.count
            let pr: [Float] = (0..<cells).map { Float($0 % 11) }
            try file.write(pr, to: time.pr, start: [0, 0, 0], count: [2, y.count, x.count])
        }
        try file.close()
    }

    func options(_ dir: URL, file: String, variables: [String], output: String = "s.csv")
        -> ZonalOptions
    {
        var o = ZonalOptions(
            basinsPath: AssemblerFixtures.basins, statistics: [.mean, .max],
            output: dir.appendingPathComponent(output))
        o.forcingPaths = [file]
        o.variables = variables
        return o
    }

    @Test(
        "a variable without a time axis is aggregated like --raster 'NETCDF:\"f.nc\":var'",
        arguments: [false, true])
    func staticVariable(fileHasTime: Bool) throws {
        let dir = try makeTemporaryDirectory("zonal-static")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("static.nc").path
        try write(path, withTime: fileHasTime)
        let o = options(dir, file: path, variables: ["elevation"])
        let summary = try ZonalJob.run(o, log: { _ in })
        #expect(summary.steps == 1 && summary.basins == 7)
        var raster = ZonalOptions(
            basinsPath: AssemblerFixtures.basins, statistics: [.mean, .max],
            output: dir.appendingPathComponent("r.csv"))
        raster.rasterPath = "NETCDF:\"\(path)\":elevation"
        raster.variableName = "elevation"
        _ = try ZonalJob.run(raster, log: { _ in })
        let got = try ZonalFixtures.values(at: o.output)
        let expected = try ZonalFixtures.values(at: raster.output)
        #expect(got.count == 14)
        #expect(got.keys.allSatisfy { $0.time.isEmpty && $0.variable == "elevation" })
        #expect(got == expected)
    }

    @Test(
        "static fields that cannot go the static way are refused with the --raster form",
        arguments: [
            // (variables, output, --from, files, message)
            (["elevation", "pr"], "s.csv", false, 1, "varies in time: run them separately"),
            (["elevation"], "s.nc", false, 1, "written as CSV"),
            (["elevation"], "s.csv", true, 1, "--from/--to do not apply"),
            (["elevation"], "s.csv", false, 2, "give one file, e.g. --raster 'NETCDF:"),
        ])
    func refused(
        variables: [String], output: String, dates: Bool, files: Int, message: String
    ) throws {
        let dir = try makeTemporaryDirectory("zonal-static")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("static.nc").path
        try write(path, withTime: true)
        var o = options(dir, file: path, variables: variables, output: output)
        if dates { o.from = "2016-01-01" }
        o.forcingPaths = Array(repeating: path, count: files)
        #expect {
            try ZonalJob.run(o, log: { _ in })
        } throws: { error in
            // One line naming the forcing or the output, whichever is at fault.
            let text = "\(error)"
            return (text.hasPrefix("\(path): ") || text.hasPrefix("\(o.output.path): "))
                && text.contains(message)
        }
        #expect(!FileManager.default.fileExists(atPath: o.output.path))
    }

    @Test("a file without a time axis and without the variable lists what it has")
    func missingVariable() throws {
        let dir = try makeTemporaryDirectory("zonal-static")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("static.nc").path
        try write(path, withTime: false)
        #expect {
            try ZonalJob.run(options(dir, file: path, variables: ["slope"]), log: { _ in })
        } throws: { error in
            "\(error)".contains(
                "'slope' is not a static grid field of it (static fields: elevation)")
        }
    }
}
