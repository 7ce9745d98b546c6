import Foundation
import GeoNetCDF
import GeoVector
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

private let samples = TestPaths.samples

/// The sample basins, forcings and static rasters, June 2016 (warm-up before it), as group
/// `group` (nil: the whole file); the command line records the group as the CLI would.
private func request(group: BasinGroup? = nil, end: Int = 20) -> BasinJobRequest {
    let statics = ["clay", "elevation", "forest_fraction", "sand", "silt", "slope"].map {
        StaticRasterSource(name: $0, path: samples.appendingPathComponent("static/\($0).tif").path)
    }
    var inputs = BasinInputRequest(
        basinsPath: samples.appendingPathComponent("basins.shp").path,
        forcingPaths: [samples.appendingPathComponent("forcings.nc").path],
        staticRasters: statics, start: CFDate(year: 2016, month: 6, day: 1),
        end: CFDate(year: 2016, month: 6, day: end))
    inputs.group = group
    let suffix = group.map { " --group \($0.index) --group-size \($0.size)" } ?? ""
    return BasinJobRequest(
        inputs: inputs, command: "geomap predict --basins basins.shp" + suffix,
        geomapVersion: "test")
}

/// Everything a NetCDF file holds: dimensions, variables (type, dimensions, attributes) with
/// their values as stored (Float32 bits, doubles, or text), global attributes.
private struct Content: Equatable {
    var dimensions: [String]
    var variables: [String]
    var values: [String: [UInt64]]
    var strings: [String: [String]]
    var globals: [NetCDFAttribute]
}

private func content(_ path: String) throws -> Content {
    let file = try NetCDFFile(opening: path)
    let variables = try file.variables()
    var values: [String: [UInt64]] = [:]
    var strings: [String: [String]] = [:]
    for v in variables {
        if v.type == .char {
            strings[v.name] = try file.readStrings(v)
        } else if v.type == .float {
            values[v.name] = try file.readFloats(
                v, start: v.shape.map { _ in 0 }, count: v.shape
            ).map { UInt64($0.bitPattern) }
        } else {
            values[v.name] = try file.readDoubles(v).map(\.bitPattern)
        }
    }
    let result = Content(
        dimensions: try file.dimensions().map { "\($0.name)=\($0.length)" },
        variables: variables.map {
            "\($0.name) \($0.type) \($0.dimensions) \($0.attributes.map { "\($0.name)=\($0.value)" })"
        },
        values: values, strings: strings, globals: try file.globalAttributes())
    try file.close()
    return result
}

/// A data variable's values for basins `range` (every other dimension whole), as bits.
private func slice(_ path: String, _ name: String, basins range: Range<Int>) throws -> [UInt32] {
    let file = try NetCDFFile(opening: path)
    let v = try #require(try file.variables().first { $0.name == name })
    let values = try file.readFloats(
        v, start: [range.lowerBound] + v.shape.dropFirst().map { _ in 0 },
        count: [range.count] + v.shape.dropFirst())
    try file.close()
    return values.map(\.bitPattern)
}

/// The data variables of a basin series file: `(station, …, time)`.
private func dataVariables(_ path: String) throws -> [String] {
    let file = try NetCDFFile(opening: path)
    let names = try file.variables().filter {
        $0.dimensions.first == "station" && $0.dimensions.last == "time"
    }.map(\.name)
    try file.close()
    return names
}

private func folder(_ root: URL, _ name: String) throws -> URL {
    let url = root.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("basin groups (--group I --group-size N) and the join of their outputs")
struct BasinGroupJoinTests {
    @Test(
        "each group of 2 equals its basins of the whole run bit for bit; the join is the whole run's files"
    )
    func predictGroupsJoin() throws {
        let root = try makeTemporaryDirectory("basin-groups")
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = try folder(root, "whole")
        let groups = try folder(root, "groups")
        let joined = try folder(root, "joined")
        _ = try BasinPredictionJob.predict(request(), directory: whole, log: { _ in })
        let wholeNC = whole.appendingPathComponent("basins.nc").path
        let ids = try content(wholeNC).strings["basin_id"] ?? []
        #expect(ids.count == 7)
        var netCDFs: [URL] = []
        var geoPackages: [URL] = []
        for index in 0..<4 {
            let group = BasinGroup(index: index, size: 2)
            let summary = try BasinPredictionJob.predict(
                request(group: group), directory: groups, log: { _ in })
            let stem = groups.appendingPathComponent("basins.\(group.label)")
            #expect(summary.outputs == [stem.path + ".nc", stem.path + ".gpkg"])
            let nc = stem.appendingPathExtension("nc")
            let groupBasins = (2 * index)..<min(2 * index + 2, 7)
            #expect(try content(nc.path).strings["basin_id"] == Array(ids[groupBasins]))
            let names = try dataVariables(wholeNC)
            #expect(names.count >= 2 && names.contains("prediction_flag"))
            for name in names {
                #expect(
                    try slice(nc.path, name, basins: 0..<groupBasins.count)
                        == slice(wholeNC, name, basins: groupBasins),
                    "group \(index): \(name) differs from the whole run's")
            }
            netCDFs.append(nc)
            geoPackages.append(stem.appendingPathExtension("gpkg"))
        }
        let written = try BasinOutputJoin.join(
            netCDFs: netCDFs, geoPackages: geoPackages, directory: joined, stem: "basins")
        #expect(
            written == ["nc", "gpkg"].map { joined.appendingPathComponent("basins.\($0)").path })
        // Dimensions, variables with their attributes, every value, globals (history the
        // whole-file command): the whole run's file.
        let mine = try content(written[0])
        let theirs = try content(wholeNC)
        #expect(mine.dimensions == theirs.dimensions)
        #expect(mine.variables == theirs.variables)
        #expect(mine.strings == theirs.strings)
        for (name, values) in theirs.values {
            #expect(mine.values[name] == values, "\(name) differs")
        }
        #expect(mine.globals == theirs.globals)
        // The GeoPackage: the same features, fields, values and geometry, in order.
        let a = try BasinReader.read(path: written[1])
        let b = try BasinReader.read(path: whole.appendingPathComponent("basins.gpkg").path)
        #expect(a.layerName == b.layerName && a.fields == b.fields)
        #expect(a.crs.epsg == b.crs.epsg && a.crs.epsg != nil)
        #expect(a.basins.map(\.id) == ids && b.basins.map(\.id) == ids)
        #expect(a.basins.map(\.attributes) == b.basins.map(\.attributes))
        #expect(a.basins.map(\.geometry) == b.basins.map(\.geometry))
        // Nothing but the two files is left in the folder (hidden locks aside).
        let left = try FileManager.default.contentsOfDirectory(atPath: joined.path)
            .filter { !$0.hasSuffix(".lock") }
        #expect(left.sorted() == ["basins.gpkg", "basins.nc"])
    }

    @Test("embedding groups of 3 (3, 3, 1 basins) equal the whole run's and join into E.nc")
    func embedGroupsJoin() throws {
        let root = try makeTemporaryDirectory("basin-embed-groups")
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = try folder(root, "whole").appendingPathComponent("E.nc").path
        let groups = try folder(root, "groups")
        _ = try BasinPredictionJob.embed(request(), to: whole, log: { _ in })
        var files: [URL] = []
        for index in 0..<3 {
            let group = BasinGroup(index: index, size: 3)
            let summary = try BasinPredictionJob.embed(
                request(group: group), to: groups.appendingPathComponent("E.nc").path,
                log: { _ in })
            let file = groups.appendingPathComponent("E.\(group.label).nc")
            #expect(summary.outputs == [file.path])
            let groupBasins = (3 * index)..<min(3 * index + 3, 7)
            for name in try dataVariables(whole) {
                #expect(
                    try slice(file.path, name, basins: 0..<groupBasins.count)
                        == slice(whole, name, basins: groupBasins),
                    "group \(index): \(name) differs from the whole run's")
            }
            files.append(file)
        }
        #expect(!FileManager.default.fileExists(atPath: groups.appendingPathComponent("E.nc").path))
        let written = try BasinOutputJoin.join(
            netCDFs: files, geoPackages: [], directory: groups, stem: "E")
        #expect(written == [groups.appendingPathComponent("E.nc").path])
        #expect(try content(written[0]) == content(whole))
    }

    @Test("a group past the last one is bad input naming the file and the number of groups")
    func groupOutOfRange() throws {
        let root = try makeTemporaryDirectory("basin-group-range")
        defer { try? FileManager.default.removeItem(at: root) }
        let error = #expect(throws: BasinInputError.self) {
            _ = try BasinPredictionJob.predict(
                request(group: BasinGroup(index: 4, size: 2)), directory: root, log: { _ in })
        }
        #expect(error?.path.hasSuffix("basins.shp") == true)
        #expect(error?.message.contains("7 features in groups of 2 make 4 groups") == true)
        let left = try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { !$0.hasSuffix(".lock") }
        #expect(left.isEmpty, "\(left)")
        #expect(BasinGroup.label(3) == "group-0003" && BasinGroup.label(12345) == "group-12345")
        #expect(BasinGroup.count(features: 7, size: 2) == 4)
        #expect(BasinGroup.count(features: 0, size: 256) == 1)
        // A size near Int.max once trapped (features + size − 1 overflowed).
        #expect(BasinGroup.count(features: 7, size: Int.max) == 1)
        #expect(BasinGroup.count(features: Int.max, size: 2) == Int.max / 2 + 1)
        #expect(BasinGroup.count(features: 8, size: 8) == 1)
        #expect(
            try BasinGroup.featureCount(path: samples.appendingPathComponent("basins.shp").path)
                == 7)
    }

    @Test(
        "groups of different runs (another period) do not join: an error naming the file, nothing written"
    )
    func mismatchedGroups() throws {
        let root = try makeTemporaryDirectory("basin-group-mismatch")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try BasinPredictionJob.predict(
            request(group: BasinGroup(index: 0, size: 4), end: 10), directory: root, log: { _ in })
        _ = try BasinPredictionJob.predict(
            request(group: BasinGroup(index: 1, size: 4), end: 12), directory: root, log: { _ in })
        let files = ["group-0000", "group-0001"].map {
            root.appendingPathComponent("basins.\($0).nc")
        }
        let error = #expect(throws: BasinInputError.self) {
            try BasinOutputJoin.join(
                netCDFs: files, geoPackages: [], directory: root, stem: "basins")
        }
        #expect(error?.path == files[1].path)
        #expect(error?.message.contains("time axis differs") == true)
        #expect(
            !FileManager.default.fileExists(atPath: root.appendingPathComponent("basins.nc").path))
        // A GeoPackage whose basins are not the NetCDF files' is refused too.
        let gpkg = root.appendingPathComponent("basins.group-0001.gpkg")
        #expect(throws: VectorError.self) {
            try BasinOutputJoin.join(
                netCDFs: [files[0]], geoPackages: [gpkg], directory: root, stem: "basins")
        }
        #expect(
            BasinOutputJoin.wholeCommand(
                "geomap predict --basins b.shp --group 3 --group-size 2 --out o")
                == "geomap predict --basins b.shp --out o")
        // A sharded run's groups wrote elsewhere: the joined file names its own folder.
        #expect(
            BasinOutputJoin.wholeCommand("geomap embed --out=/o/shards/1-of-2/E.nc --group 0") {
                _ in "/o/E.nc"
            } == "geomap embed --out=/o/E.nc")
        #expect(
            BasinOutputJoin.wholeCommand("geomap predict --out /o/shards/1-of-2 --quiet") { _ in
                "/o"
            } == "geomap predict --out /o --quiet")
    }
}
