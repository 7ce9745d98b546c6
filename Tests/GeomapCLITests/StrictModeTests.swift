import Foundation
import TestSupport
import Testing

private var samples: URL { TestPaths.samples }
private func sample(_ name: String) -> String { samples.appendingPathComponent(name).path }

/// One option of a command with modes: its spelling and an example value (`nil` for a flag).
struct ModeOption: Sendable, CustomStringConvertible {
    var name: String
    var value: String?
    var words: [String] { [name] + (value.map { [$0] } ?? []) }
    var description: String { name }
}

/// A command whose options split into two modes (and options of both).
private struct ModeTable: Sendable {
    var command: String
    /// Arguments that choose mode A or B and make a complete command line.
    var baseA: [String]
    var baseB: [String]
    /// A line that chooses neither mode.
    var neither: [String]
    /// Options of mode A only, of mode B only (the selectors included), of both.
    var onlyA: [ModeOption]
    var onlyB: [ModeOption]
    var both: [ModeOption]
}

private func option(_ name: String, _ value: String? = nil) -> ModeOption {
    ModeOption(name: name, value: value)
}

private let predictTile = [
    option("--in", sample("region.tif")), option("--stride", "20"),
    option("--bands", "1,2,3,4,5,6,7"), option("--date", "2017-06-13"), option("--no-metadata"),
    option("--qa-mask"), option("--fill-value", "none"),
    option("--max-invalid", "0.3"), option("--batch-size", "8"), option("--precision", "fp32"),
    option("--window", "0,0,2,2"),
]
private let predictBasin = [
    option("--basins", sample("basins.shp")), option("--layer", "basins"),
    option("--id-field", "basin_id"), option("--forcings", sample("forcings.nc")),
    option("--attributes", sample("basins.dbf")),
    option("--static-raster", sample("static/clay.tif")),
    option("--mapping", sample("forcings.nc")), option("--start", "2016-06-01"),
    option("--end", "2016-07-01"), option("--area-weighted"), option("--strict-ranges"),
    option("--weights-cache", "/tmp"),
    option("--no-weights-cache"), option("--group", "0"), option("--group-size", "2"),
]
private let runOptions = [
    option("--model", "moe-mae-demo"), option("--out", "/tmp"), option("--quiet"),
    option("--gdal-cache-mib", "32"),
]

private let tables: [ModeTable] = [
    ModeTable(
        command: "predict", baseA: ["predict", "--in", sample("region.tif")],
        baseB: ["predict", "--basins", sample("basins.shp"), "--forcings", sample("forcings.nc")],
        neither: ["predict", "--quiet"],
        onlyA: predictTile + [option("--float"), option("--embeddings", "cls")],
        onlyB: predictBasin + [option("--observed", sample("basins.dbf")), option("--archive")],
        both: runOptions),
    ModeTable(
        command: "embed",
        baseA: ["embed", "--in", sample("region.tif"), "--pool", "cls", "--out", "/tmp/e.tif"],
        baseB: [
            "embed", "--basins", sample("basins.shp"), "--forcings", sample("forcings.nc"),
            "--out", "/tmp/e.nc",
        ], neither: ["embed", "--out", "/tmp/e.nc"],
        onlyA: predictTile + [option("--pool", "mean")], onlyB: predictBasin, both: runOptions),
    ModeTable(
        command: "zonal",
        baseA: [
            "zonal", "--basins", sample("basins.shp"), "--stat", "mean", "--out", "/tmp/z.csv",
            "--forcings", sample("forcings.nc"), "--var", "pr",
        ],
        baseB: [
            "zonal", "--basins", sample("basins.shp"), "--stat", "mean", "--out", "/tmp/z.csv",
            "--raster", sample("static/clay.tif"),
        ],
        neither: [
            "zonal", "--basins", sample("basins.shp"), "--stat", "mean", "--out", "/tmp/z.csv",
        ],
        onlyA: [
            option("--forcings", sample("forcings.nc")), option("--var", "tas"),
            option("--from", "2016-01-01"), option("--to", "2016-02-01"),
        ],
        onlyB: [
            option("--raster", sample("static/clay.tif")), option("--band", "1"),
            option("--variable-name", "clay"),
        ],
        both: [
            option("--basins", sample("basins.shp")), option("--layer", "basins"),
            option("--id-field", "basin_id"), option("--stat", "mean"), option("--area-weighted"),
            option("--out", "/tmp/z.csv"), option("--weights", "/tmp/w.csv"),
            option("--weights-cache", "/tmp"), option("--no-weights-cache"), option("--quiet"),
            option("--gdal-cache-mib", "32"),
        ]),
]

/// Every (table, option) pair where the option belongs to the other mode than the base line.
private let mixes: [(String, [String], ModeOption)] = tables.flatMap { table in
    table.onlyB.map { ("\(table.command) A+B", table.baseA, $0) }
        + table.onlyA.map { ("\(table.command) B+A", table.baseB, $0) }
}

/// Exit 2, one line on stderr, naming `option`.
private func expectRefused(_ result: CommandResult, naming option: String, _ label: String) {
    #expect(result.status == 2, "\(label): \(result.stderr)")
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1, "\(label): \(result.stderr)")
    #expect(result.stderr.hasPrefix("geomap: error: "), "\(label): \(result.stderr)")
    #expect(result.stderr.contains(option), "\(label): \(result.stderr)")
}

@Suite("strict command modes: every option in one mode, no repeats, values from the set")
struct StrictModeTests {
    @Test("each mode table covers exactly the options the command declares")
    func tablesMatchTheCommands() throws {
        let commands = try CommandTree.load().runnableCommands()
        for table in tables {
            let declared = try #require(commands.first { $0.path == [table.command] }).options
                .compactMap(\.spelling)
            let listed = (table.onlyA + table.onlyB + table.both).map(\.name)
            let unlisted = Set(declared).subtracting(listed).sorted()
            let undeclared = Set(listed).subtracting(declared).sorted()
            #expect(
                unlisted.isEmpty && undeclared.isEmpty,
                "\(table.command): declared but in no mode table: \(unlisted); in a table but not declared: \(undeclared)"
            )
            #expect(listed.count == Set(listed).count, "\(table.command): an option in two modes")
        }
    }

    @Test("an option of the other mode is exit 2 naming it", arguments: mixes)
    func otherModeOption(label: String, base: [String], option: ModeOption) throws {
        let result = try runGeomap(base + option.words)
        expectRefused(result, naming: option.name, "\(label) \(option.name)")
    }

    @Test("both mode selectors, or none, is exit 2 naming them")
    func selectors() throws {
        for table in tables {
            let selectorB = table.onlyB[0]
            let both = try runGeomap(table.baseA + selectorB.words)
            expectRefused(both, naming: selectorB.name, "\(table.command) both")
            #expect(both.stderr.contains("not both"), "\(both.stderr)")
            let neither = try runGeomap(table.neither)
            expectRefused(neither, naming: table.onlyA[0].name, "\(table.command) neither")
        }
    }

    @Test("every single-valued option of every command given twice is exit 2 naming it")
    func repeatedOptions() throws {
        var checked = 0
        for (path, options) in try CommandTree.load().runnableCommands() {
            for option in options where option.kind == "option" && option.isRepeating != true {
                guard let name = option.spelling else { continue }
                let result = try runGeomap(path + [name, "1", name, "2"])
                expectRefused(result, naming: "\(name) was given 2 times", "\(path) \(name)")
                checked += 1
            }
        }
        #expect(checked > 40, "only \(checked) single-valued options found")
    }

    @Test("predict --in a.tif --in b.tif is refused, not the last kept")
    func repeatedInput() throws {
        let region = sample("region.tif")
        let result = try runGeomap(["predict", "--in", region, "--in=\(region)"])
        expectRefused(result, naming: "--in was given 2 times", "repeated --in")
    }

    @Test(
        "a value outside an option's set is exit 2 naming the option and the choices",
        arguments: [
            (["predict", "--in", sample("region.tif"), "--embeddings", "tokens"], "--embeddings"),
            (
                ["embed", "--in", sample("region.tif"), "--out", "/tmp/e.tif", "--pool", "x"],
                "--pool"
            ),
            (
                [
                    "zonal", "--basins", sample("basins.shp"), "--raster",
                    sample("static/clay.tif"),
                    "--out", "/tmp/z.csv", "--stat", "median",
                ], "--stat"
            ),
        ])
    func valueOutsideSet(arguments: [String], option: String) throws {
        let result = try runGeomap(arguments)
        expectRefused(result, naming: option, "\(arguments)")
        #expect(result.stderr.contains("mean"), "\(result.stderr)")
    }

    @Test(
        "zonal: a --stat or --var value given twice is exit 2, not duplicated rows",
        arguments: [
            (
                ["--raster", sample("static/clay.tif"), "--stat", "mean", "--stat", "mean"],
                "--stat mean"
            ),
            (
                [
                    "--forcings", sample("forcings.nc"), "--var", "pr", "--var", "tasmax", "--var",
                    "pr",
                    "--stat", "mean",
                ], "--var pr"
            ),
        ])
    func zonalValueTwice(arguments: [String], named: String) throws {
        let dir = try makeTemporaryDirectory("zonal-twice")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("z.csv").path
        let result = try runGeomap(
            ["zonal", "--basins", sample("basins.shp"), "--out", out] + arguments)
        expectRefused(result, naming: "\(named) is given twice", named)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(
        "embed's output is named for its format: .tif in tile mode, .nc in basin mode",
        arguments: [
            (["--in", sample("region.tif"), "--pool", "cls"], "e.nc", "name the output .tif"),
            (
                ["--basins", sample("basins.shp"), "--forcings", sample("forcings.nc")], "e.tif",
                "name the output .nc"
            ),
        ])
    func embedOutputSuffix(arguments: [String], name: String, message: String) throws {
        let dir = try makeTemporaryDirectory("embed-suffix")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent(name).path
        let result = try runGeomap(["embed"] + arguments + ["--out", out])
        expectRefused(result, naming: message, name)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(
        "--batch-size outside 1…65536 is exit 2, not clamped or an overflow trap",
        arguments: ["0", "-3", "65537", "\(Int.max)"])
    func batchSizeOutOfRange(value: String) throws {
        let result = try runGeomap([
            "predict", "--in", sample("region.tif"), "--batch-size=\(value)",
        ])
        expectRefused(result, naming: "--batch-size \(value) is not between 1 and 65536", value)
    }

    @Test(
        "an input file named by an option is checked before any model work",
        arguments: [
            ("--observed", "predict", "nothere.csv"), ("--mapping", "predict", "nomap.json"),
            ("--attributes", "predict", "noattrs.csv"), ("--static-raster", "embed", "none.tif"),
            ("--forcings", "embed", "nonexistent.nc"),
        ])
    func missingInputFile(option: String, command: String, file: String) throws {
        let dir = try makeTemporaryDirectory("strict-inputs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent(file).path
        let out = dir.appendingPathComponent(command == "embed" ? "e.nc" : "out").path
        let result = try runGeomap([
            command, "--basins", sample("basins.shp"), "--forcings", sample("forcings.nc"),
            option, missing, "--out", out,
        ])
        expectRefused(result, naming: "\(option) \(missing): no such file", option)
        #expect(!FileManager.default.fileExists(atPath: out), "an output appeared at \(out)")
    }
}
