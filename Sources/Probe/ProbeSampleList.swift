import CSVFiles
package import Foundation
package import Models
import OutputFiles

/// One labelled image of a sample list.
package struct ProbeSample: Sendable, Equatable {
    /// The image file (absolute).
    package let image: URL
    /// Indices into ``ProbeSampleList/classNames``, increasing (one for multi-class; any
    /// number, possibly none, for multi-label).
    package let classes: [Int]
    /// 1-based line of the sample in the CSV file.
    package let line: Int

    package init(image: URL, classes: [Int], line: Int) {
        self.image = image
        self.classes = classes
        self.line = line
    }
}

/// The samples of `geomap probe fit --samples S.csv`.
///
/// Format: a header line, then one line per image with two columns: the image path (relative
/// paths are resolved against the CSV file's folder) and its class names, separated by `;`
/// (exactly one for multi-class; any number, possibly none, for multi-label). Fields holding a
/// comma are double-quoted, as RFC 4180 (several BigEarthNet class names contain commas):
///
///     image,classes
///     images/S2A_MSIL2A_20170613T101031_11_66.tif,Mixed forest;Marine waters
///     tiles/b.tif,"Transitional woodland, shrub;Inland waters"
package struct ProbeSampleList: Sendable, Equatable {
    /// The CSV file read.
    package let source: URL
    package let task: ClassificationTask
    /// The head's classes, in output order.
    package let classNames: [String]
    package let samples: [ProbeSample]

    /// A list from parts (e.g. a subset of a list read with
    /// ``read(_:task:classNames:checkImages:)``).
    package init(
        source: URL, task: ClassificationTask, classNames: [String], samples: [ProbeSample]
    ) {
        self.source = source
        self.task = task
        self.classNames = classNames
        self.samples = samples
    }

    /// Reads and checks a sample list.
    /// - Parameters:
    ///   - classNames: the classes of the head (e.g. ``BigEarthNet/classNames19``); a name in
    ///     the file outside them is an error. Nil takes the names found in the file, sorted.
    ///   - checkImages: whether every image file must exist.
    /// - Throws: ``ProbeError/file(path:problem:)`` with a one-line description naming the
    ///   file and line: missing or unreadable file, no samples, wrong column count, unknown
    ///   class name, not exactly one class for multi-class, missing image.
    package static func read(
        _ url: URL, task: ClassificationTask, classNames: [String]? = nil, checkImages: Bool = true
    ) throws -> ProbeSampleList {
        let path = url.path
        func fail(_ line: Int?, _ problem: String) -> ProbeError {
            .file(path: line.map { "\(path) line \($0)" } ?? path, problem: problem)
        }
        let records: [CSVRecord]
        do {
            records = try CSVReader.records(of: url)
        } catch {
            throw fail(error.line, error.problem)
        }
        guard records.count > 1 else {
            throw fail(
                nil,
                "the sample list has no samples (expected a header line, then one line per "
                    + "image: path,classes)")
        }
        let header = records[0]
        guard header.fields.count == 2 else {
            throw fail(
                header.line,
                "the header must have 2 columns (image path, class names), found "
                    + "\(header.fields.count)")
        }
        let folder = url.deletingLastPathComponent()
        var rows: [(line: Int, image: URL, names: [String])] = []
        for record in records.dropFirst() {
            guard record.fields.count == 2 else {
                throw fail(
                    record.line,
                    "expected 2 columns (image path, class names), found \(record.fields.count)")
            }
            let imagePath = record.fields[0].trimmingCharacters(in: .whitespaces)
            guard !imagePath.isEmpty else { throw fail(record.line, "the image path is empty") }
            let image =
                imagePath.hasPrefix("/")
                ? URL(fileURLWithPath: imagePath)
                : folder.appendingPathComponent(imagePath)
            let names = record.fields[1].split(separator: ";")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if task == .multiClass, names.count != 1 {
                throw fail(
                    record.line,
                    "a multi-class sample needs exactly one class name, found \(names.count)")
            }
            if checkImages, !FileManager.default.fileExists(atPath: image.path) {
                throw fail(record.line, "image not found: \(image.path)")
            }
            rows.append((record.line, image.standardizedFileURL, names))
        }
        let classes = classNames ?? Array(Set(rows.flatMap(\.names))).sorted()
        guard !classes.isEmpty else { throw fail(nil, "no sample has a class name") }
        let index = Dictionary(
            classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var samples: [ProbeSample] = []
        for row in rows {
            var indices = Set<Int>()
            for name in row.names {
                guard let i = index[name] else {
                    throw fail(
                        row.line,
                        "unknown class name '\(name)' (the classes are: "
                            + classes.joined(separator: "; ") + ")")
                }
                indices.insert(i)
            }
            samples.append(ProbeSample(image: row.image, classes: indices.sorted(), line: row.line))
        }
        return ProbeSampleList(source: url, task: task, classNames: classes, samples: samples)
    }

    /// The targets of the samples, in list order.
    package func targets() throws -> ProbeTargets {
        switch task {
        case .multiClass:
            try ProbeTargets(classes: samples.map { $0.classes[0] }, classCount: classNames.count)
        case .multiLabel:
            try ProbeTargets(labelSets: samples.map(\.classes), classCount: classNames.count)
        }
    }

    /// Writes a sample list (header `image,classes`), atomically (temporary name, then
    /// rename). Image paths inside the CSV's folder tree, or beside it, are written relative
    /// to that folder, others absolute.
    package static func write(_ rows: [(image: URL, classNames: [String])], to url: URL) throws {
        let folder = url.deletingLastPathComponent().standardizedFileURL
        var text = "image,classes\n"
        for row in rows {
            let path = relativePath(of: row.image.standardizedFileURL, from: folder)
            text +=
                CSVField.escape(path) + ","
                + CSVField.escape(row.classNames.joined(separator: ";")) + "\n"
        }
        // A short temporary name with this process's id (swept if the process dies).
        let temporary = folder.appendingPathComponent(TemporaryName.make(suffix: "partial.csv"))
        do {
            try POSIXFileSystem().write(Array(text.utf8), to: temporary.path)
            try POSIXFileSystem().rename(temporary.path, to: url.path)
        } catch let error as EnvironmentError {
            try? FileManager.default.removeItem(at: temporary)
            guard ErrorClassification.environmentCodes.contains(error.code) else {
                throw ProbeError.file(
                    path: url.path,
                    problem:
                        "cannot write the sample list: \(String(cString: strerror(error.code)))")
            }
            throw EnvironmentError(operation: "write", path: url.path, code: error.code)
        }
    }

    /// `file` relative to `folder` when they share more than the root, else absolute.
    static func relativePath(of file: URL, from folder: URL) -> String {
        let a = file.pathComponents
        let b = folder.pathComponents
        var common = 0
        while common < min(a.count, b.count), a[common] == b[common] { common += 1 }
        guard common > 1 else { return file.path }
        let ups = Array(repeating: "..", count: b.count - common)
        return (ups + a[common...]).joined(separator: "/")
    }
}
