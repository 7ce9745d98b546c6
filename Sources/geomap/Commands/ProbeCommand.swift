import ArgumentParser
import Foundation
import GeomapCore
import Models

/// `geomap probe`: linear heads on frozen embeddings.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Fit linear heads on frozen MoE-MAE embeddings; make sample lists.",
        subcommands: [ProbeFitCommand.self, ProbeSamplesCommand.self])
}

/// `geomap probe fit --model M --samples S.csv --out M2`.
struct ProbeFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a linear head (logistic regression) on embeddings of labelled tiles.",
        discussion: """
            S.csv: a header line, then one line per image: its path (relative to the CSV's \
            folder) and its class names, ';'-separated (quote fields holding commas). Each \
            image's centred 40×40 window is encoded and pooled; a share of the samples \
            (--holdout, stratified, seeded) is held out. The head is L2-regularised logistic \
            regression (scikit-learn's objective C·Σ loss + ½‖w‖², intercept not penalised) \
            solved by L-BFGS: one binary problem per class (multi-label, one-vs-rest) or one \
            softmax (multi-class). It is fitted on the training share; the metrics (accuracy, \
            micro/macro precision, recall, F1 and average precision) of both shares are \
            printed and stored in M2 under metrics.probe. M2 is M with the head added.
            Instead of S.csv: --in R.tif --labels-raster L.tif, a class raster on R's grid; \
            the 40×40 windows of R at --stride are labelled by their majority class \
            (multi-class) or the classes covering --min-share of them (multi-label); class names \
            come from L's categories (or --classes FILE, line n naming id n).
            """)

    @Option(help: "The MoE-MAE encoder model file (moe-mae-s, -xs or -xxs).")
    var model: String

    @Option(help: "The sample list (CSV: image path, class names).")
    var samples: String?

    @Option(
        name: .customLong("in"),
        help: """
            With --labels-raster: the image raster whose 40×40 windows are embedded.
            """)
    var input: String?

    @Option(
        help: """
            A class raster on the --in raster's grid (one band of class ids, 0/nodata ignored); \
            replaces --samples.
            """)
    var labelsRaster: String?

    @Option(help: "With --labels-raster: tile step in pixels (1…40).")
    var stride = 40

    @Option(
        help: """
            With --labels-raster and multi-label: least share of a tile's labelled pixels a class \
            must cover.
            """)
    var minShare = 0.1

    @Option(help: "The model file to write (the encoder plus the fitted head).")
    var out: String

    @Option(help: "multi-label (one sigmoid per class) or multi-class (softmax).")
    var task = ClassificationTask.multiLabel

    @Option(
        help: """
            Classes of the head: bigearthnet-19, or a text file with one name per line \
            (default: the names in the sample list, sorted).
            """)
    var classes: String?

    @Option(help: "Share of the samples held out for the metrics, in [0, 1).")
    var holdout = 0.2

    @Option(help: "Seed of the holdout split.")
    var seed: UInt64 = 0

    @Option(name: .customLong("c"), help: "Inverse L2 strength C (scikit-learn's C).")
    var c = 1.0

    @Option(help: "Embedding pooling the head reads (default: the model's).")
    var pool: Pooling?

    @Option(help: "Solver stops when the largest gradient component is below this.")
    var tolerance = 1e-6

    @Option(help: "Most L-BFGS iterations per problem.")
    var maxIterations = 1000

    @Flag(help: "Standardise features before fitting (folded back into the head).")
    var standardize = false

    @Flag(help: "Embed without the date and location tokens.")
    var noMetadata = false

    func validate() throws {
        guard holdout >= 0, holdout < 1 else {
            throw ValidationError("--holdout must be in [0, 1), got \(holdout)")
        }
        guard c > 0 else { throw ValidationError("--c must be positive, got \(c)") }
        guard minShare > 0, minShare <= 1 else {
            throw ValidationError("--min-share must be in (0, 1], got \(minShare)")
        }
        guard tolerance > 0, maxIterations > 0 else {
            throw ValidationError("--tolerance and --max-iterations must be positive")
        }
    }

    func run() throws {
        let source: ProbeFitJob.Samples
        switch (samples, labelsRaster, input) {
        case (nil, nil, _), (_?, _?, _):
            throw ProbeError.argument(
                "give exactly one of --samples S.csv and --labels-raster "
                    + "L.tif (with --in R.tif)")
        case (nil, _?, nil):
            throw ProbeError.argument("--labels-raster needs --in R.tif, the image raster")
        case (_?, nil, _?):
            throw ProbeError.argument("--in is only used with --labels-raster")
        case (let samples?, nil, nil):
            source = .list(samples)
        case (nil, let labels?, let input?):
            source = .labelsRaster(
                input: input, labels: labels, stride: stride, minShare: minShare)
        }
        var request = ProbeFitJob.Request(model: model, samples: source, output: out)
        request.task = task
        request.classes = classes
        request.pooling = pool
        request.useMetadata = !noMetadata
        request.settings = ProbeFitSettings(
            holdoutFraction: holdout, seed: seed,
            regression: LogisticRegressionOptions(
                c: c, tolerance: tolerance, maxIterations: maxIterations,
                standardize: standardize))
        let items = try ProbeFitJob.plan(request)
        try RunOptions.reserveModelMemory(model: model)
        let stderr: @Sendable (String) -> Void = { text in
            try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
        }
        let events = JobEvents(note: stderr, warn: stderr)
        for item in items {
            let summary = try ProbeFitJob.run(item, events: events).summary
            print(
                report(summary.outcome, count: summary.samples, classNames: summary.classNames))
        }
    }

    func report(_ outcome: ProbeFitOutcome, count: Int, classNames: [String]) -> String {
        let r = outcome.report
        var lines = [
            "samples: \(count) (training \(outcome.split.training.count), "
                + "holdout \(outcome.split.holdout.count), seed \(seed))",
            "classes: \(classNames.count), task \(task.rawValue)",
            "solver: L-BFGS, C \(c), \(r.iterations.max() ?? 0) iterations at most, "
                + (r.converged.allSatisfy { $0 }
                    ? "converged"
                    : "NOT converged (raise "
                        + "--max-iterations)"),
        ]
        if !r.constantClasses.isEmpty {
            lines.append(
                "constant (no positive training sample): "
                    + r.constantClasses.map { classNames[$0] }.joined(separator: "; "))
        }
        lines.append("training: \(outcome.trainingMetrics.summary)")
        if let holdout = outcome.holdoutMetrics { lines.append("holdout:  \(holdout.summary)") }
        lines.append("wrote \(out)")
        return lines.joined(separator: "\n")
    }
}

/// `geomap probe samples --bigearthnet DIR --out S.csv`.
struct ProbeSamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Write the sample list of a BigEarthNet folder with its 19-class labels.",
        discussion: """
            DIR holds images/<patch>.tif and labels/<patch>_labels_metadata.json (BigEarthNet \
            v1 label files, CORINE names). Their 43 names are mapped to the 19 BigEarthNet \
            classes (Sumbul et al. 2020); tiles without a label file are left out and named. \
            Use the list with `geomap probe fit --classes bigearthnet-19`.
            """)

    @Option(name: .customLong("bigearthnet"), help: "The BigEarthNet folder (images/, labels/).")
    var folder: String

    @Option(help: "The sample list to write (CSV).")
    var out: String

    func run() throws {
        let (rows, unlabelled) = try BigEarthNet.sampleRows(
            dataFolder: URL(fileURLWithPath: folder))
        try ProbeSampleList.write(rows, to: URL(fileURLWithPath: out))
        print("wrote \(rows.count) samples to \(out)")
        if !unlabelled.isEmpty {
            print(
                "left out \(unlabelled.count) images without a label file: "
                    + unlabelled.map(\.lastPathComponent).joined(separator: ", "))
        }
    }
}
