import Foundation
import Models
import Tensor
import TestSupport
import Testing

/// Cosine similarity of two equally long vectors.
func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    var (dot, na, nb) = (0.0, 0.0, 0.0)
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / max((na * nb).squareRoot(), 1e-30)
}

/// The bf16 encoder against the fp32 goldens of the PyTorch mirror. Bounds (docs/moe-mae.md):
/// pooled embeddings cosine ≥ 0.9998, head probabilities within 0.02 (the goldens' random
/// heads; 0.017 at most on the demo model over real tiles), the same top class.
@Suite("MoE-MAE bf16 precision against the fp32 goldens")
struct MoEMAEBF16Tests {
    @Test(
        "bf16 S encoder: pooled cosine ≥ 0.9998, probabilities within 0.02, same top class",
        .enabled(
            if: MatmulPrecision.bf16Available,
            "skipped: this CPU lacks AVX512_BF16 (or GEOMAP_KERNELS caps the level)"))
    func agreement() throws {
        let encoder = try MoEMAEEncoder(
            config: .s, tensors: MoEMAEFixtures.named("s.weights.safetensors"),
            path: "s.weights.safetensors", precision: .bf16)
        #expect(encoder.precision == .bf16 && encoder.precisionNotice == nil)
        let g = try MoEMAEFixtures.tensors("s.goldens.safetensors")
        let input = try #require(g["input"])
        let multiLabel = try LinearHead(
            weight: try #require(g["head.multilabel.weight"]),
            bias: try #require(g["head.multilabel.bias"]), kind: .multiLabel)
        let multiClass = try LinearHead(
            weight: try #require(g["head.multiclass.weight"]),
            bias: try #require(g["head.multiclass.bias"]), kind: .multiClass)
        for (suffix, meta) in [("meta", g["meta"]), ("nometa", nil)] {
            let tokens = try encoder.tokens(images: input, metadata: meta)
            // Tokens: bf16 has an 8-bit mantissa; after 15 layers at least 90 % of the token
            // rows are within 2 % (max |Δ| / max |x| of the row); the rest follow tokens whose
            // top-2 routing flipped on a near-tie of gate logits (the random weights have ties
            // down to 2.8e-4), which attention spreads to their tile.
            let expected = try #require(g["tokens.\(suffix)"])
            let width = expected.columns
            let far = (0..<expected.rows).filter { r in
                let a = tokens.scalars[(r * width)..<((r + 1) * width)]
                let e = expected.scalars[(r * width)..<((r + 1) * width)]
                let diff = zip(a, e).map { abs($0 - $1) }.max() ?? 0
                return diff > 0.02 * (e.map(abs).max() ?? 0)
            }
            #expect(
                far.count * 10 <= expected.rows,
                "\(suffix): \(far.count) of \(expected.rows) token rows off by more than 2 %")
            let pooled = [
                ("cls", Pooling.cls.pool(tokens)), ("mean", Pooling.mean.pool(tokens)),
            ]
            for (name, value) in pooled {
                let expected = try #require(g["\(name).\(suffix)"])
                let m = expected.columns
                for t in 0..<expected.rows {
                    let c = cosine(
                        value.scalars[(t * m)..<((t + 1) * m)],
                        expected.scalars[(t * m)..<((t + 1) * m)])
                    #expect(c >= 0.9998, "\(name) \(suffix) tile \(t): cosine \(c)")
                }
            }
            let cases = [
                (multiLabel.probabilities(pooled[1].1), "multilabel.probs.\(suffix)"),
                (multiClass.probabilities(pooled[0].1), "multiclass.probs.\(suffix)"),
            ]
            for (probabilities, key) in cases {
                let expected = try #require(g[key])
                let classes = expected.columns
                for t in 0..<expected.rows {
                    let got = Array(probabilities.scalars[(t * classes)..<((t + 1) * classes)])
                    let want = Array(expected.scalars[(t * classes)..<((t + 1) * classes)])
                    let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst <= 0.02, "\(key) tile \(t): max |Δp| \(worst)")
                    #expect(
                        got.indices.max { got[$0] < got[$1] }
                            == want.indices.max { want[$0] < want[$1] }, "\(key) tile \(t)")
                }
            }
        }
    }

    @Test("fp32 precision is the default and runs without a notice")
    func fp32Default() throws {
        let encoder = try MoEMAEFixtures.smallEncoder()
        #expect(encoder.precision == .fp32 && encoder.precisionNotice == nil)
    }

    @Test("bf16 requested where unavailable: fp32 with a one-line notice, equal to fp32")
    func fallback() throws {
        let requested = try MoEMAEEncoder(
            config: .s, tensors: MoEMAEFixtures.named("s.weights.safetensors"),
            path: "s.weights.safetensors", precision: .bf16)
        guard !MatmulPrecision.bf16Available else {
            #expect(requested.precision == .bf16)
            return
        }
        #expect(requested.precision == .fp32)
        #expect(requested.precisionNotice?.contains("fp32") == true)
        let g = try MoEMAEFixtures.tensors("s.goldens.safetensors")
        let input = try #require(g["input"])
        let a = try requested.tokens(images: input, metadata: g["meta"])
        let b = try MoEMAEFixtures.smallEncoder().tokens(images: input, metadata: g["meta"])
        #expect(a == b)
    }
}

@Suite("MoE-MAE model-file default precision (output.settings.precision)")
struct MoEMAEPrecisionSettingTests {
    func importXXS(_ directory: URL, settings: [String: String]) throws -> URL {
        let output = directory.appendingPathComponent("xxs.safetensors")
        try ArchitectureRegistry.importModel(
            checkpoint: MoEMAEFixtures.directory.appendingPathComponent("xxs.upstream.pth"),
            architecture: "moe-mae-xxs", options: ImportOptions(settings: settings),
            output: output)
        return output
    }

    @Test("--set precision=bf16 is recorded and is the default at load; an argument overrides it")
    func recordedDefault() throws {
        let url = try importXXS(try makeTemporaryDirectory(), settings: ["precision": "bf16"])
        let file = try ModelFile(contentsOf: url)
        #expect(file.manifest.output.settings?["precision"] == .string("bf16"))
        #expect(try MoEMAEModel.defaultPrecision(of: file) == .bf16)
        let model = try MoEMAEModel(file: file)
        #expect(model.encoder.precision == MatmulPrecision.bf16.effective.precision)
        #expect(try MoEMAEModel(file: file, precision: .fp32).encoder.precision == .fp32)
    }

    @Test("without the setting the default is fp32")
    func fp32WhenAbsent() throws {
        let url = try importXXS(try makeTemporaryDirectory(), settings: [:])
        let file = try ModelFile(contentsOf: url)
        #expect(file.manifest.output.settings?["precision"] == nil)
        #expect(try MoEMAEModel(file: file).encoder.precision == .fp32)
    }

    @Test("an unknown precision is refused at import, naming the value; nothing is written")
    func unknownAtImport() throws {
        let directory = try makeTemporaryDirectory()
        #expect {
            _ = try importXXS(directory, settings: ["precision": "fp16"])
        } throws: { error in
            "\(error)".contains("precision=fp16 is not fp32 or bf16")
        }
        #expect(
            !FileManager.default.fileExists(
                atPath: directory.appendingPathComponent("xxs.safetensors").path))
    }

    @Test("a model file whose precision setting is not fp32 or bf16 is refused, naming the file")
    func unknownInFile() throws {
        let directory = try makeTemporaryDirectory()
        let good = try ModelFile(contentsOf: importXXS(directory, settings: [:]))
        var manifest = good.manifest
        for value in [JSONValue.string("fp16"), .number(16)] {
            guard case .object(var settings)? = manifest.output.settings else {
                Issue.record("no output settings")
                return
            }
            settings["precision"] = value
            manifest.output.settings = .object(settings)
            let bad = directory.appendingPathComponent("bad.safetensors")
            try ModelFile.write(manifest: manifest, tensors: good.safetensors.allTensors(), to: bad)
            let error = #expect(throws: ModelError.self) { try MoEMAEModel(contentsOf: bad) }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("bad.safetensors") && text.contains("precision"), "\(text)")
        }
    }
}
