package import Models

/// Features of the samples, row-major.
package struct FeatureMatrix: Sendable, Equatable {
    /// Number of samples.
    package let rows: Int
    /// Number of features per sample (the embedding width).
    package let columns: Int
    /// [rows, columns], row-major.
    package var values: [Double]

    /// - Parameter values: [rows, columns], row-major.
    package init(rows: Int, columns: Int, values: [Double]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw ProbeError.shape(
                "feature matrix of \(rows)×\(columns) needs \(rows * columns) values, "
                    + "got \(values.count)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// - Parameter values: [rows, columns] single-precision embeddings, row-major.
    package init(rows: Int, columns: Int, values: [Float]) throws {
        try self.init(rows: rows, columns: columns, values: values.map(Double.init))
    }

    /// One row per sample; every row must have the same length.
    package init(_ samples: [[Double]]) throws {
        let columns = samples.first?.count ?? 0
        guard samples.allSatisfy({ $0.count == columns }) else {
            throw ProbeError.shape("feature rows have different lengths")
        }
        try self.init(rows: samples.count, columns: columns, values: samples.flatMap { $0 })
    }

    /// The rows at `indices`, in that order.
    package func selecting(rows indices: [Int]) -> FeatureMatrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns)
        for row in indices { out.append(contentsOf: values[row * columns..<(row + 1) * columns]) }
        return FeatureMatrix(unchecked: indices.count, columns, out)
    }

    init(unchecked rows: Int, _ columns: Int, _ values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }
}

/// Class targets of the samples as a multi-hot indicator matrix.
///
/// For ``ClassificationTask/multiClass`` every row has exactly one positive; for
/// ``ClassificationTask/multiLabel`` any number (an all-zero row is a sample with none of the classes,
/// as BigEarthNet tiles whose labels are all dropped by the 19-class mapping).
package struct ProbeTargets: Sendable, Equatable {
    package let task: ClassificationTask
    /// Number of samples.
    package let rows: Int
    /// Number of classes.
    package let classCount: Int
    /// [rows, classCount], row-major.
    package let indicators: [Bool]

    /// - Parameter indicators: [rows, classCount], row-major.
    package init(task: ClassificationTask, rows: Int, classCount: Int, indicators: [Bool]) throws {
        guard classCount > 0, indicators.count == rows * classCount else {
            throw ProbeError.shape(
                "targets of \(rows) samples × \(classCount) classes need \(rows * classCount) "
                    + "indicators, got \(indicators.count)")
        }
        if task == .multiClass {
            for row in 0..<rows {
                let positives = indicators[row * classCount..<(row + 1) * classCount]
                    .lazy.filter { $0 }.count
                guard positives == 1 else {
                    throw ProbeError.shape(
                        "multi-class sample \(row) has \(positives) classes; it needs exactly one")
                }
            }
        }
        self.task = task
        self.rows = rows
        self.classCount = classCount
        self.indicators = indicators
    }

    /// Multi-class targets from class indices in 0..<classCount.
    package init(classes: [Int], classCount: Int) throws {
        var indicators = [Bool](repeating: false, count: classes.count * classCount)
        for (row, index) in classes.enumerated() {
            guard (0..<classCount).contains(index) else {
                throw ProbeError.shape(
                    "class index \(index) of sample \(row) is outside 0..<\(classCount)")
            }
            indicators[row * classCount + index] = true
        }
        try self.init(
            task: .multiClass, rows: classes.count, classCount: classCount,
            indicators: indicators)
    }

    /// Multi-label targets from one list of class indices per sample.
    package init(labelSets: [[Int]], classCount: Int) throws {
        var indicators = [Bool](repeating: false, count: labelSets.count * classCount)
        for (row, set) in labelSets.enumerated() {
            for index in set {
                guard (0..<classCount).contains(index) else {
                    throw ProbeError.shape(
                        "class index \(index) of sample \(row) is outside 0..<\(classCount)")
                }
                indicators[row * classCount + index] = true
            }
        }
        try self.init(
            task: .multiLabel, rows: labelSets.count, classCount: classCount,
            indicators: indicators)
    }

    /// Whether sample `row` has class `column`.
    package subscript(row: Int, column: Int) -> Bool { indicators[row * classCount + column] }

    /// The class of sample `row` (multi-class targets: its only positive).
    package func classIndex(row: Int) -> Int {
        (0..<classCount).first { self[row, $0] } ?? 0
    }

    /// Column `column` as one Boolean per sample.
    package func column(_ column: Int) -> [Bool] {
        (0..<rows).map { self[$0, column] }
    }

    /// Number of samples having each class.
    package var positiveCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for row in 0..<rows {
            for column in 0..<classCount where self[row, column] { counts[column] += 1 }
        }
        return counts
    }

    /// The rows at `indices`, in that order.
    package func selecting(rows indices: [Int]) -> ProbeTargets {
        var out = [Bool]()
        out.reserveCapacity(indices.count * classCount)
        for row in indices {
            out.append(contentsOf: indicators[row * classCount..<(row + 1) * classCount])
        }
        return ProbeTargets(unchecked: task, indices.count, classCount, out)
    }

    init(unchecked task: ClassificationTask, _ rows: Int, _ classCount: Int, _ indicators: [Bool]) {
        self.task = task
        self.rows = rows
        self.classCount = classCount
        self.indicators = indicators
    }
}
