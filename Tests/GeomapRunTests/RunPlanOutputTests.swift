import Foundation
import TestSupport
import Testing

@testable import GeomapRun

/// The plan refuses configurations whose jobs would overwrite each other's outputs or their
/// own inputs, and never counts an output as an input.
@Suite("run plan: every output has one writer and is no input")
struct RunPlanOutputTests {
    let basins = TestPaths.samples.appendingPathComponent("basins.shp").path
    let forcings = TestPaths.samples.appendingPathComponent("forcings.nc").path
    let region = TestPaths.samples.appendingPathComponent("region.tif").path

    func zonal(_ name: String, out: String) -> String {
        """
          - name: \(name)
            kind: zonal
            basins: \(basins)
            forcings: \(forcings)
            var: pr
            stat: mean
            out: \(out)

        """
    }

    func basinJob(_ name: String, kind: String, out: String) -> String {
        """
          - name: \(name)
            kind: \(kind)
            basins: \(basins)
            forcings: \(forcings)
            out: \(out)

        """
    }

    func tileJob(_ name: String, kind: String, out: String) -> String {
        """
          - name: \(name)
            kind: \(kind)
            inputs: [\(region)]
            out: \(out)

        """
    }

    /// Plans `jobs` written to a configuration in a fresh folder; returns the folder too.
    func plan(_ jobs: String) throws -> (RunPlan, URL) {
        let root = try makeTemporaryDirectory("run-plan-outputs")
        let file = root.appendingPathComponent("nightly.yaml")
        try ("version: 1\njobs:\n" + jobs).write(to: file, atomically: true, encoding: .utf8)
        return (try RunPlan.make(try RunConfigLoader.load(file)), root)
    }

    /// The one-line error of planning `jobs`.
    func refusal(_ jobs: String) throws -> String {
        let root = try makeTemporaryDirectory("run-plan-outputs")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("nightly.yaml")
        try ("version: 1\njobs:\n" + jobs).write(to: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: RunConfigError.self) {
            try RunPlan.make(try RunConfigLoader.load(file))
        }
        return (error.map { "\($0)" } ?? "").replacingOccurrences(of: root.path, with: "ROOT")
    }

    @Test("two jobs writing one file are refused, naming the file and the other job")
    func sharedOutput() throws {
        let text = "the job would write ROOT/out/means.csv, which job 'a' (line 3) writes too; "
        #expect(
            try refusal(zonal("a", out: "out/means.csv") + zonal("b", out: "out/means.csv"))
                == "ROOT/nightly.yaml:10: jobs[1].out: " + text + "give each job its own out")
        // A basin job's joined file, by an embed job's --out of the same stem.
        #expect(
            try refusal(
                basinJob("flow", kind: "predict-basins", out: "out")
                    + basinJob("vectors", kind: "embed-basins", out: "out/basins.nc")
            ).contains("ROOT/out/basins.group-0000.nc, which job 'flow' (line 3) writes too"))
        // Two tile jobs of one kind over one scene into one folder.
        #expect(
            try refusal(
                tileJob("a", kind: "predict-tiles", out: "out")
                    + tileJob("b", kind: "predict-tiles", out: "out")
            ).contains("ROOT/out/region.classes.tif, which job 'a' (line 3) writes too"))
    }

    @Test("extra outputs count: predict's --embeddings, zonal's weights CSV")
    func extraOutputs() throws {
        let embeddings = tileJob("classes", kind: "predict-tiles", out: "out")
            .replacingOccurrences(of: "    out: out\n", with: "    out: out\n    embeddings: cls\n")
        #expect(
            try refusal(embeddings + tileJob("vectors", kind: "embed-tiles", out: "out"))
                .contains("ROOT/out/region.embeddings.tif, which job 'classes' (line 3) writes"))
        let weights = zonal("a", out: "out/means.csv")
            .replacingOccurrences(
                of: "    out: out/means.csv\n", with: "    out: out/means.csv\n    weights: w.csv\n"
            )
        #expect(
            try refusal(weights + zonal("b", out: "w.csv"))
                .contains("the job would write ROOT/w.csv, which job 'a' (line 3) writes too"))
    }

    @Test("a job writing one of its own inputs is refused")
    func outputIsInput() throws {
        let copy = try makeTemporaryDirectory("run-plan-input")
        defer { try? FileManager.default.removeItem(at: copy) }
        let target = copy.appendingPathComponent("forcings.nc")
        try FileManager.default.copyItem(atPath: forcings, toPath: target.path)
        let message = try refusal(
            """
              - name: a
                kind: zonal
                basins: \(basins)
                forcings: \(target.path)
                var: pr
                stat: mean
                out: \(target.path)

            """)
        #expect(
            message
                == "ROOT/nightly.yaml:3: jobs[0].out: the job would write \(target.path), one of "
                + "its own inputs")
    }

    @Test("jobs writing different files into one folder plan; an existing output is no input")
    func disjointOutputs() throws {
        let (first, root) = try plan(
            tileJob("classes", kind: "predict-tiles", out: "out")
                + tileJob("vectors", kind: "embed-tiles", out: "out")
                + basinJob("flow", kind: "predict-basins", out: "out")
                + zonal("means", out: "out/basins.forcings.csv"))
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(first.items.count == 4)
        // Last night's outputs exist: they must not enter the items' inputs (fingerprints).
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for name in ["basins.forcings.csv", "region.embeddings.tif"] {
            try Data("x".utf8).write(to: out.appendingPathComponent(name))
        }
        let again = try RunPlan.make(
            try RunConfigLoader.load(root.appendingPathComponent("nightly.yaml")))
        #expect(again.items.map(\.inputs) == first.items.map(\.inputs))
        #expect(!again.items.flatMap(\.inputs).contains { $0.hasPrefix(out.path) })
    }
}
