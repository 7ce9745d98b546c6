import Foundation
import GeomapRun
import Testing

/// 2026-12-04 12:00 UTC: the clock the date expressions resolve against.
private let noon = Date(timeIntervalSince1970: 1_796_385_600)

private func parse(_ text: String) throws -> RunConfig {
    try RunConfigLoader.parse(
        text, file: URL(fileURLWithPath: "/runs/nightly.yaml"), displayPath: "nightly.yaml",
        now: noon)
}

private let sample = """
    version: 1
    retries: 3
    jobs:
      - name: landcover
        kind: predict-tiles
        inputs: [scenes/*.tif, more]
        out: out/landcover
        stride: 20
        float: true
        no-metadata: false
      - name: streamflow
        kind: predict-basins
        basins: basins.shp
        forcings: forcings.nc
        static-raster: [static/elevation.tif, static/clay.tif]
        start: today-30d
        end: yesterday
    """

@Suite("run configuration: reading, strictness, date expressions")
struct RunConfigLoaderTests {
    @Test("a configuration reads into jobs whose options are the command's arguments")
    func readsJobs() throws {
        let config = try parse(sample)
        #expect(config.retries == 3)
        #expect(config.maxFailedFraction == RunConfigLoader.defaultMaxFailedFraction)
        #expect(config.folder.path == "/runs")
        #expect(config.jobs.map(\.name) == ["landcover", "streamflow"])
        let tiles = config.jobs[0]
        #expect(tiles.kind == .predictTiles)
        #expect(tiles.inputs == ["scenes/*.tif", "more"])
        #expect(tiles.arguments == ["--out", "out/landcover", "--stride", "20", "--float"])
        #expect(tiles.line == 4)
        let basins = config.jobs[1]
        #expect(basins.kind == .predictBasins)
        #expect(
            basins.arguments == [
                "--basins", "basins.shp", "--forcings", "forcings.nc",
                "--static-raster", "static/elevation.tif", "--static-raster", "static/clay.tif",
                "--start", "2026-11-04", "--end", "2026-12-03",
            ])
        #expect(basins.options.first { $0.key == "end" }?.line == 17)
        #expect(tiles.chunkPixels == nil && basins.chunkPixels == nil)
    }

    @Test("chunk-pixels is a key of a tile job, not an option of its command")
    func chunkPixels() throws {
        let config = try parse(
            "version: 1\njobs:\n  - name: a\n    kind: predict-tiles\n    inputs: x.tif\n"
                + "    chunk-pixels: 64\n    stride: 20\n")
        #expect(config.jobs[0].chunkPixels == 64)
        #expect(config.jobs[0].arguments == ["--stride", "20"])
        let resolved =
            try JSONSerialization.jsonObject(
                with: RunFiles.resolvedConfiguration(config)) as? [String: Any]
        let jobs = resolved?["jobs"] as? [[String: Any]]
        #expect(jobs?.first?["chunk-pixels"] as? Int == 64)
        let defaulted = try parse(
            "version: 1\njobs:\n  - name: a\n    kind: predict-tiles\n    inputs: x.tif\n")
        let filled =
            try JSONSerialization.jsonObject(
                with: RunFiles.resolvedConfiguration(defaulted)) as? [String: Any]
        #expect(
            (filled?["jobs"] as? [[String: Any]])?.first?["chunk-pixels"] as? Int
                == RunJob.defaultChunkPixels)
    }

    @Test(
        "a bad configuration is one error naming the file, the line and the key path",
        arguments: [
            ("version: 1\njobs: []\n", "nightly.yaml:2: jobs: expected a non-empty list of jobs"),
            ("version: 2\njobs: []\n", "nightly.yaml:1: version: 2 is not supported"),
            ("jobs: []\n", "nightly.yaml:1: version: missing"),
            (
                "version: 1\nretires: 2\njobs: []\n",
                "nightly.yaml:2: retires: unknown key (known here: jobs, max-failed-fraction"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: predict-tiles\n    inputs: x.tif\n"
                    + "    stride: [1, [2]]\n",
                "nightly.yaml:6: jobs[0].stride[1]: expected one value, found a list"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: predict-tiles\n    inputs: x.tif\n"
                    + "    stride: {a: 1}\n",
                "nightly.yaml:6: jobs[0].stride: expected one value, found a mapping"
            ),
            (
                "version: 1\nretries: many\njobs: []\n",
                "nightly.yaml:2: retries: expected a whole number, found 'many'"
            ),
            (
                "version: 1\nmax-failed-fraction: 2\njobs: []\n",
                "nightly.yaml:2: max-failed-fraction: must be in (0, 1]"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: predict-rasters\n",
                "nightly.yaml:4: jobs[0].kind: 'predict-rasters' is not one of predict-tiles"
            ),
            (
                "version: 1\njobs:\n  - kind: zonal\n",
                "nightly.yaml:3: jobs[0].name: missing"
            ),
            (
                "version: 1\njobs:\n  - name: a b\n    kind: zonal\n",
                "nightly.yaml:3: jobs[0].name: 'a b' may hold only letters, digits, - and _"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n  - name: a\n    kind: zonal\n",
                "nightly.yaml:5: jobs[1].name: 'a' is already the name of the job on line 3"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: predict-tiles\n",
                "nightly.yaml:3: jobs[0].inputs: missing"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n    inputs: [x.nc]\n",
                "nightly.yaml:5: jobs[0].inputs: a zonal job takes no inputs list"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n    --var: pr\n",
                "nightly.yaml:5: jobs[0].--var: not an option name"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n    var: pr\n    var: tas\n",
                "nightly.yaml:5: 'var' given twice in one mapping (first on this line)"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n    to: today-3w\n",
                "nightly.yaml:5: jobs[0].to: 'today-3w' is not a date expression"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n    out:\n",
                "nightly.yaml:5: jobs[0].out: expected a value, found nothing (null)"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n    group-size: 64\n",
                "nightly.yaml:5: jobs[0].group-size: only basin jobs (predict-basins, "
                    + "embed-basins) are split into groups"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: predict-basins\n    group-size: 0\n",
                "nightly.yaml:5: jobs[0].group-size: must be 1 or more"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: zonal\n    chunk-pixels: 64\n",
                "nightly.yaml:5: jobs[0].chunk-pixels: only tile jobs (predict-tiles, "
                    + "embed-tiles) are split into chunks"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: predict-tiles\n    inputs: x.tif\n"
                    + "    chunk-pixels: 0\n",
                "nightly.yaml:6: jobs[0].chunk-pixels: must be 1 or more"
            ),
            (
                "version: 1\njobs:\n  - name: a\n    kind: embed-tiles\n    inputs: x.tif\n"
                    + "    chunk-pixels: big\n",
                "nightly.yaml:6: jobs[0].chunk-pixels: expected a whole number, found 'big'"
            ),
            ("version: 1\njobs: [\n", "nightly.yaml:3: YAML syntax:"),
            ("", "nightly.yaml: the file is empty"),
        ])
    func refuses(_ text: String, _ expected: String) throws {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text)")
        } catch let error as RunConfigError {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(
        "date expressions resolve in UTC against the run's start; other text passes through",
        arguments: [
            ("today", "2026-12-04"), ("yesterday", "2026-12-03"), ("today-30d", "2026-11-04"),
            ("today+1d", "2026-12-05"), ("yesterday-6d", "2026-11-27"),
            ("2016-06-01", "2016-06-01"),
        ])
    func dates(_ text: String, _ day: String) throws {
        let config = try parse(
            "version: 1\njobs:\n  - name: a\n    kind: zonal\n    from: \(text)\n")
        #expect(config.jobs[0].arguments == ["--from", day])
    }

    @Test("a file that cannot be read is named")
    func unreadable() throws {
        #expect {
            try RunConfigLoader.load(URL(fileURLWithPath: "/nonexistent/nightly.yaml"))
        } throws: { error in
            "\(error)" == "/nonexistent/nightly.yaml: cannot read the file"
        }
    }
}
