import Foundation
import GeoNetCDF
import GeoVector
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

/// A tiny 3-basin, 5-day prediction (2020-01-01 … 05) of `streamflow` (mm/day) and `storage`
/// (mm), written as a summary GeoPackage and read back through OGR.
@Suite("Basin summary GeoPackage and observed series")
struct BasinSummaryGeoPackageTests {
    static let dates = (1...5).map { CFDate(year: 2020, month: 1, day: $0) }
    static let variables = [
        BasinOutputVariable(name: "streamflow", units: "mm/day", longName: "streamflow"),
        BasinOutputVariable(name: "storage", units: "mm", longName: "soil water storage"),
    ]

    static func rectangle(_ x: Double) -> MultiPolygon {
        MultiPolygon(polygons: [
            Polygon(
                exterior: LinearRing(points: [
                    Point2D(x: x, y: 5_000_000), Point2D(x: x + 1000, y: 5_000_000),
                    Point2D(x: x + 1000, y: 5_001_000), Point2D(x: x, y: 5_001_000),
                ]), holes: [])
        ])
    }

    /// Basins A ("Upper"), B ("Lower") and C (no name) in EPSG:32634.
    static func basins(in directory: URL) throws -> BasinSet {
        let path = directory.appendingPathComponent("basins.gpkg").path
        try BasinGeoPackageWriter.write(
            path: path, layerName: "catchments", crsWKT: "EPSG:32634",
            fields: [SummaryField("basin_id", .string), SummaryField("Name", .string)],
            rows: [
                (rectangle(500_000), [.string("A"), .string("Upper")]),
                (rectangle(502_000), [.string("B"), .string("Lower")]),
                (rectangle(504_000), [.string("C"), .null]),
            ])
        return try BasinReader.read(path: path, idField: "basin_id")
    }

    /// A: streamflow 2 2 4 4 1, storage 10…14, all ok. B: days 2, 4, 5 missing forcings.
    /// C: not run.
    static var predictions: BasinPredictions {
        let nan = Float.nan
        let streamflow: [[Float]] = [
            [2, 2, 4, 4, 1], [1, nan, 3, nan, nan], [nan, nan, nan, nan, nan],
        ]
        let storage: [[Float]] = [
            [10, 11, 12, 13, 14], [5, nan, 6, nan, nan], [nan, nan, nan, nan, nan],
        ]
        var values: [Float] = []
        for b in 0..<3 {
            for d in 0..<5 { values += [streamflow[b][d], storage[b][d]] }
        }
        let flags: [BasinDayFlag] =
            [BasinDayFlag](repeating: .ok, count: 5)
            + [.ok, .missingForcing, .ok, .missingForcing, .missingForcing]
            + [BasinDayFlag](repeating: .basinNotRun, count: 5)
        return BasinPredictions(
            basinIDs: ["A", "B", "C"], dates: dates, variables: variables, values: values,
            flags: flags)
    }

    static let mapping = VariableMapping(
        forcings: [:], observed: ["q_obs": .init(to: "streamflow", units: "m/day")],
        path: "map.json")

    /// Observed streamflow in m/day from 2019-12-31: A is 1 2 3 4 (mm/day) and missing on
    /// the 5th; B is 2 5 2 7 7; Z is not predicted.
    static func writeObserved(_ directory: URL) throws -> String {
        let url = directory.appendingPathComponent("observed.csv")
        try """
        basin_id,date,q_obs
        A,2019-12-31,0.009
        A,2020-01-01,0.001
        A,2020-01-02,0.002
        A,2020-01-03,0.003
        A,2020-01-04,0.004
        A,2020-01-05,
        B,2020-01-01,0.002
        B,2020-01-02,0.005
        B,2020-01-03,0.002
        B,2020-01-04,0.007
        B,2020-01-05,0.007
        Z,2020-01-01,0.001
        """.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("observed CSV in m/day is converted to mm/day and aligned on the prediction days")
    func observedConversion() throws {
        let directory = try makeTemporaryDirectory()
        let observed = try BasinObserved.read(
            [try Self.writeObserved(directory)], variables: Self.variables,
            basinIDs: ["A", "B", "C"], dates: Self.dates, mapping: Self.mapping)
        #expect(observed.variables == ["streamflow"])
        #expect(observed.units == ["mm/day"])
        #expect(observed.basinIDs == ["A", "B", "C"])
        #expect(observed.dates == Self.dates)
        let a = try #require(observed.series("streamflow", basin: "A"))
        for (value, expected) in zip(a.prefix(4), [1, 2, 3, 4] as [Float]) {
            #expect(abs(value - expected) < 1e-5)
        }
        #expect(a[4].isNaN)
        let c = try #require(observed.series("streamflow", basin: "C"))
        #expect(c.allSatisfy { $0.isNaN })
    }

    @Test("the GeoPackage holds one MultiPolygon per basin with typed fields, NULLs and metrics")
    func summaryFile() throws {
        let directory = try makeTemporaryDirectory()
        let basins = try Self.basins(in: directory)
        let observed = try BasinObserved.read(
            [try Self.writeObserved(directory)], variables: Self.variables,
            basinIDs: ["A", "B", "C"], dates: Self.dates, mapping: Self.mapping)
        let path = directory.appendingPathComponent("run.gpkg").path
        try BasinSummaryGeoPackage.write(
            to: path, basins: basins, predictions: Self.predictions, observed: observed,
            problems: [2: "all forcings missing"])
        #expect(!FileManager.default.fileExists(atPath: path + ".partial.gpkg"))

        let info = try #require(try VectorSource.describe(path: path).layers.first)
        #expect(info.name == "basins")
        #expect(info.featureCount == 3)
        #expect(info.geometryType == "Multi Polygon")
        #expect(info.crs?.epsg == 32634)
        let expectedFields: [(String, VectorField.Kind)] = [
            ("basin_id", .string), ("name", .string),
            ("streamflow_mean", .real), ("streamflow_last", .real),
            ("streamflow_last_date", .string),
            ("storage_mean", .real), ("storage_last", .real), ("storage_last_date", .string),
            ("valid_days", .integer), ("missing_days", .integer), ("status", .string),
            ("streamflow_nse", .real), ("streamflow_kge", .real), ("streamflow_rmse", .real),
            ("streamflow_r", .real), ("streamflow_bias", .real), ("streamflow_obs_days", .integer),
        ]
        #expect(info.fields.map(\.name) == expectedFields.map(\.0))
        #expect(info.fields.map(\.kind) == expectedFields.map(\.1))

        let back = try BasinReader.read(path: path, idField: "basin_id")
        #expect(back.basins.map(\.id) == ["A", "B", "C"])
        #expect(back.basins.allSatisfy { $0.geometry.polygons.count == 1 })
        #expect(
            back.basins[1].geometry.polygons[0].exterior.points.contains(
                Point2D(x: 502_000, y: 5_000_000)))
        func field(_ basin: Int, _ name: String) -> FieldValue {
            back.value(name, of: back.basins[basin]) ?? .string("no field \(name)")
        }
        func real(_ basin: Int, _ name: String) -> Double {
            if case .real(let value) = field(basin, name) { return value }
            return .nan
        }
        // A, by hand: ŷ = 2 2 4 4 (1), y = 1 2 3 4 (missing): the metrics test's case,
        // NSE 0.6, RMSE √0.5, bias 0.5, r = 2/√5, KGE = 1 − √(2(r − 1)² + 0.2²).
        let r = 2 / Double(5).squareRoot()
        #expect(field(0, "name") == .string("Upper"))
        #expect(abs(real(0, "streamflow_mean") - 2.6) < 1e-6)
        #expect(real(0, "streamflow_last") == 1)
        #expect(field(0, "streamflow_last_date") == .string("2020-01-05"))
        #expect(real(0, "storage_mean") == 12)
        #expect(field(0, "valid_days") == .integer(5))
        #expect(field(0, "missing_days") == .integer(0))
        #expect(field(0, "status") == .string("ok"))
        #expect(abs(real(0, "streamflow_nse") - 0.6) < 1e-5)
        #expect(abs(real(0, "streamflow_rmse") - Double(0.5).squareRoot()) < 1e-5)
        #expect(abs(real(0, "streamflow_bias") - 0.5) < 1e-5)
        #expect(abs(real(0, "streamflow_r") - r) < 1e-5)
        #expect(
            abs(real(0, "streamflow_kge") - (1 - (2 * (r - 1) * (r - 1) + 0.04).squareRoot()))
                < 1e-5)
        #expect(field(0, "streamflow_obs_days") == .integer(4))
        // B: pairs (1, 2) and (3, 2): constant observations → NSE, KGE, r NULL; RMSE 1, bias 0.
        #expect(field(1, "name") == .string("Lower"))
        #expect(real(1, "streamflow_mean") == 2)
        #expect(real(1, "streamflow_last") == 3)
        #expect(field(1, "streamflow_last_date") == .string("2020-01-03"))
        #expect(field(1, "valid_days") == .integer(2))
        #expect(field(1, "missing_days") == .integer(3))
        for name in ["streamflow_nse", "streamflow_kge", "streamflow_r"] {
            #expect(field(1, name) == .null)
        }
        #expect(abs(real(1, "streamflow_rmse") - 1) < 1e-5)
        #expect(abs(real(1, "streamflow_bias")) < 1e-5)
        #expect(field(1, "streamflow_obs_days") == .integer(2))
        // C: not run, no name, no observations.
        #expect(field(2, "name") == .null)
        #expect(field(2, "status") == .string("all forcings missing"))
        #expect(field(2, "valid_days") == .integer(0))
        #expect(field(2, "missing_days") == .integer(5))
        for name in [
            "streamflow_mean", "streamflow_last", "streamflow_last_date", "storage_mean",
            "streamflow_nse", "streamflow_rmse", "streamflow_bias",
        ] {
            #expect(field(2, name) == .null, "\(name)")
        }
        #expect(field(2, "streamflow_obs_days") == .integer(0))
    }

    @Test("without observations there are no metric fields; the sample basins keep their name")
    func withoutObserved() throws {
        let directory = try makeTemporaryDirectory()
        let basins = try BasinReader.read(
            path: TestPaths.samples.appendingPathComponent("basins.shp").path)
        #expect(BasinSummaryGeoPackage.nameField(of: basins) == "name")
        let ids = basins.basins.map(\.id)
        let variable = [Self.variables[0]]
        let predictions = BasinPredictions(
            basinIDs: ids, dates: Self.dates, variables: variable,
            values: (0..<(ids.count * 5)).map { Float($0 % 5) },
            flags: .init(repeating: .ok, count: ids.count * 5))
        let path = directory.appendingPathComponent("s.gpkg").path
        try BasinSummaryGeoPackage.write(
            to: path, basins: basins, predictions: predictions, observed: nil, problems: [:])
        let info = try #require(try VectorSource.describe(path: path).layers.first)
        #expect(info.featureCount == ids.count)
        #expect(
            info.fields.map(\.name) == [
                "basin_id", "name", "streamflow_mean", "streamflow_last", "streamflow_last_date",
                "valid_days", "missing_days", "status",
            ])
        #expect(info.crs?.epsg == basins.crs.epsg)
        let back = try BasinReader.read(path: path, idField: "basin_id")
        for (original, written) in zip(basins.basins, back.basins) {
            #expect(back.value("name", of: written) == basins.value("name", of: original))
            #expect(back.value("streamflow_mean", of: written) == .real(2))
            #expect(back.value("streamflow_last", of: written) == .real(4))
        }
    }

    @Test("observed CF timeSeries netCDF uses the file's units attribute, no mapping needed")
    func observedNetCDF() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("obs.nc").path
        let units = try #require(CFTimeUnits("days since 2020-01-01", calendar: .standard))
        let square = [DSGPolygon(exterior: [SIMD2(0, 0), SIMD2(1, 0), SIMD2(1, 1)])]
        let writer = try BasinSeriesWriter(
            path: path,
            layout: BasinSeriesLayout(
                basins: [
                    DSGBasin(id: "B", name: "b", latitude: 0, longitude: 0, polygons: square)
                ],
                timeUnits: units, times: [1, 2],
                variables: [
                    DSGVariable(name: "streamflow", units: "kg m-2 s-1", longName: "runoff")
                ],
                title: "t", source: "s", history: "h", references: "r", geomapVersion: "test"))
        try writer.write("streamflow", basins: 0..<1, times: 0..<2, values: [1, 2])
        try writer.finish()
        let observed = try BasinObserved.read(
            [path], variables: Self.variables, basinIDs: ["A", "B"], dates: Self.dates,
            mapping: nil)
        let b = try #require(observed.series("streamflow", basin: "B"))
        #expect(b[0].isNaN && b[3].isNaN && b[4].isNaN)
        #expect(abs(b[1] - 86_400) < 1e-2 && abs(b[2] - 172_800) < 1e-2)
        #expect(try #require(observed.series("streamflow", basin: "A")).allSatisfy { $0.isNaN })
    }

    @Test("bad observed files are one-line errors naming the file")
    func observedErrors() throws {
        let directory = try makeTemporaryDirectory()
        let good = try Self.writeObserved(directory)
        func write(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let plain = try write("plain.csv", "basin_id,date,streamflow\nA,2020-01-01,1\n")
        let other = try write("other.csv", "basin_id,date,q_obs\nX,2020-01-01,1\nY,2020-01-01,2\n")
        let wrongVariable = try write("tmax.csv", "basin_id,date,tmax\nA,2020-01-01,1\n")
        let disagree = try write("again.csv", "basin_id,date,q_obs\nA,2020-01-02,0.005\n")
        func mapping(_ unit: String) -> VariableMapping {
            VariableMapping(
                forcings: [:], observed: ["q_obs": .init(to: "streamflow", units: unit)],
                path: "map.json")
        }
        let cases: [([String], VariableMapping?, String)] = [
            (
                [good], mapping("furlongs/day"),
                "map.json: unknown unit 'furlongs/day' for observed q_obs"
            ),
            ([good], mapping("K"), "\(good): cannot convert observed q_obs from K to mm/day"),
            ([plain], nil, "\(plain): no unit for observed streamflow"),
            (
                [other], Self.mapping,
                "\(other): none of the 3 predicted basins has observations here"
            ),
            ([wrongVariable], Self.mapping, "\(wrongVariable): none of the observed series q_obs"),
            ([good, disagree], Self.mapping, "\(disagree): q_obs of basin A on 2020-01-02 is 5.0"),
        ]
        for (paths, mapping, message) in cases {
            #expect {
                _ = try BasinObserved.read(
                    paths, variables: Self.variables, basinIDs: ["A", "B", "C"],
                    dates: Self.dates, mapping: mapping)
            } throws: { error in
                let line = "\(error)"
                return line.hasPrefix(message) && !line.contains("\n")
            }
        }
    }

    @Test("basins that are not the predictions' basins are refused before writing")
    func mismatchedBasins() throws {
        let directory = try makeTemporaryDirectory()
        let basins = try Self.basins(in: directory)
        var predictions = Self.predictions
        predictions.basinIDs = ["A", "C", "B"]
        let path = directory.appendingPathComponent("x.gpkg").path
        #expect(throws: BasinInputError.self) {
            try BasinSummaryGeoPackage.write(
                to: path, basins: basins, predictions: predictions, observed: nil, problems: [:])
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
