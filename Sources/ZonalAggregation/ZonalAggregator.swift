package import GeoNetCDF

/// Applies ``ZonalWeights`` to gridded values: every time step of a slab of forcings, or a static
/// raster read in bands of rows.
///
/// Values are `Float` cells in the grid's row-major order. A value is missing when it is NaN,
/// ±Inf, beyond ±``GeoNetCDF/CFFloatMissing/magnitudeLimit`` or equal to `missingValue` (the
/// fill value / nodata); missing cells are left out and the
/// weights of the others renormalised (`mean` = Σ w·x / Σ w over valid cells only).
package struct ZonalAggregator: Sendable {
    package let weights: ZonalWeights
    package let statistics: [ZonalStatistic]
    package let missingValue: Float?
    /// `[basins]` Σ w over all of each basin's cells (the denominator of `valid_share`).
    let totalWeight: [Double]

    package init(weights: ZonalWeights, statistics: [ZonalStatistic], missingValue: Float?) {
        self.weights = weights
        self.statistics = statistics
        self.missingValue = missingValue
        totalWeight = (0..<weights.basinCount).map { b in
            weights.weights[weights.offsets[b]..<weights.offsets[b + 1]].reduce(0, +)
        }
    }

    /// Aggregates whole time steps.
    /// - Parameters:
    ///   - values: `[steps × cells]`, each step one full grid in row-major order.
    ///   - missing: which values are missing besides `missingValue` (NaN only by default; a
    ///     forcing read as stored passes its fill values and valid range, tested here during
    ///     the gather instead of in a separate pass).
    package func aggregate(
        steps values: UnsafeBufferPointer<Float>, stepCount: Int,
        missing: CFFloatMissing = .nanOnly
    ) -> ZonalValues {
        let cellCount = weights.grid.cellCount
        precondition(values.count >= stepCount * cellCount, "values smaller than steps × cells")
        var test = missing
        if let fill = missingValue, !fill.isNaN { test.values.append(fill) }
        if statistics.allSatisfy(\.isLinear) {
            return aggregateLinear(values, stepCount: stepCount, missing: test)
        }
        var partials: [ZonalValues] = []
        var marked = [Float](repeating: .nan, count: test.isNaNOnly ? 0 : cellCount)
        for step in 0..<stepCount {
            var field = FieldAccumulator(aggregator: self)
            let slice = UnsafeBufferPointer(
                rebasing: values[(step * cellCount)..<((step + 1) * cellCount)])
            if test.isNaNOnly {
                field.add(rows: 0..<weights.grid.rows, values: slice)
            } else {
                // The field accumulator tests NaN (and missingValue) only: mark the others.
                for i in 0..<cellCount { marked[i] = test.isMissing(slice[i]) ? .nan : slice[i] }
                marked.withUnsafeBufferPointer {
                    field.add(rows: 0..<weights.grid.rows, values: $0)
                }
            }
            partials.append(field.finish())
        }
        return Self.concatenate(partials, basins: weights.basinCount)
    }

    /// The fast path: one pass of Σ w·x and Σ w per basin and step (a sparse × dense product).
    private func aggregateLinear(
        _ values: UnsafeBufferPointer<Float>, stepCount: Int, missing test: CFFloatMissing
    ) -> ZonalValues {
        let basins = weights.basinCount
        let cellCount = weights.grid.cellCount
        var sumW = [Double](repeating: 0, count: stepCount * basins)
        var sumWX = [Double](repeating: 0, count: stepCount * basins)
        let nanOnly = test.isNaNOnly
        // One fill value or none (the usual case) is tested inline.
        let simple = test.values.count <= 1
        let fill = test.values.first ?? .nan
        let (low, high) = (test.low, test.high)
        let blockSteps = 4
        weights.offsets.withUnsafeBufferPointer { offsets in
            weights.cells.withUnsafeBufferPointer { cells in
                weights.weights.withUnsafeBufferPointer { w in
                    sumW.withUnsafeMutableBufferPointer { sw in
                        sumWX.withUnsafeMutableBufferPointer { swx in
                            /// Σ w and Σ w·x over the valid cells of `range` in one step.
                            func careful(_ base: UnsafePointer<Float>, _ range: Range<Int>)
                                -> (Double, Double)
                            {
                                var s = 0.0
                                var sx = 0.0
                                for k in range {
                                    let x = base[Int(cells[k])]
                                    let valid =
                                        simple
                                        ? x >= low && x <= high && x != fill
                                        : !test.isMissing(x)
                                    if valid {
                                        s += w[k]
                                        sx += w[k] * Double(x)
                                    }
                                }
                                return (s, sx)
                            }
                            // Steps go in blocks of four sharing each weight and cell index
                            // (four independent sums: the gather is latency-bound); each
                            // step's sum keeps the cell order, so results do not depend on
                            // the blocking. A branch-free gather first; a NaN sum, or (for
                            // values read as stored) a value range that may hold a missing
                            // value, sends the block's steps to the careful loop.
                            var step = 0
                            while step < stepCount {
                                let count = Swift.min(blockSteps, stepCount - step)
                                let p0 = values.baseAddress! + step * cellCount
                                if count == blockSteps {
                                    let p1 = p0 + cellCount
                                    let p2 = p1 + cellCount
                                    let p3 = p2 + cellCount
                                    for b in 0..<basins {
                                        let range = offsets[b]..<offsets[b + 1]
                                        var s0 = 0.0
                                        var s1 = 0.0
                                        var s2 = 0.0
                                        var s3 = 0.0
                                        var lo = Float.infinity
                                        var hi = -Float.infinity
                                        if nanOnly {
                                            for k in range {
                                                let c = Int(cells[k])
                                                let wk = w[k]
                                                s0 += wk * Double(p0[c])
                                                s1 += wk * Double(p1[c])
                                                s2 += wk * Double(p2[c])
                                                s3 += wk * Double(p3[c])
                                            }
                                        } else {
                                            for k in range {
                                                let c = Int(cells[k])
                                                let wk = w[k]
                                                let x0 = p0[c]
                                                let x1 = p1[c]
                                                let x2 = p2[c]
                                                let x3 = p3[c]
                                                s0 += wk * Double(x0)
                                                s1 += wk * Double(x1)
                                                s2 += wk * Double(x2)
                                                s3 += wk * Double(x3)
                                                // minss/maxss (a NaN is caught by its sum)
                                                let l01 = x1 < x0 ? x1 : x0
                                                let l23 = x3 < x2 ? x3 : x2
                                                let h01 = x1 > x0 ? x1 : x0
                                                let h23 = x3 > x2 ? x3 : x2
                                                let l = l23 < l01 ? l23 : l01
                                                let h = h23 > h01 ? h23 : h01
                                                lo = l < lo ? l : lo
                                                hi = h > hi ? h : hi
                                            }
                                        }
                                        let clean =
                                            s0.isFinite && s1.isFinite && s2.isFinite && s3.isFinite
                                            && (nanOnly || test.excludes(lowest: lo, highest: hi))
                                        let i = step * basins + b
                                        if clean {
                                            let total = totalWeight[b]
                                            sw[i] = total
                                            sw[i + basins] = total
                                            sw[i + 2 * basins] = total
                                            sw[i + 3 * basins] = total
                                            swx[i] = s0
                                            swx[i + basins] = s1
                                            swx[i + 2 * basins] = s2
                                            swx[i + 3 * basins] = s3
                                        } else {
                                            for j in 0..<blockSteps {
                                                let base = UnsafePointer(p0 + j * cellCount)
                                                (sw[i + j * basins], swx[i + j * basins]) =
                                                    careful(base, range)
                                            }
                                        }
                                    }
                                } else {
                                    for j in 0..<count {
                                        let base = UnsafePointer(p0 + j * cellCount)
                                        for b in 0..<basins {
                                            let range = offsets[b]..<offsets[b + 1]
                                            var sx = 0.0
                                            var lo = Float.infinity
                                            var hi = -Float.infinity
                                            for k in range {
                                                let x = base[Int(cells[k])]
                                                sx += w[k] * Double(x)
                                                lo = Swift.min(lo, x)
                                                hi = Swift.max(hi, x)
                                            }
                                            let i = (step + j) * basins + b
                                            if sx.isFinite
                                                && (nanOnly
                                                    || test.excludes(lowest: lo, highest: hi))
                                            {
                                                sw[i] = totalWeight[b]
                                                swx[i] = sx
                                            } else {
                                                (sw[i], swx[i]) = careful(base, range)
                                            }
                                        }
                                    }
                                }
                                step += count
                            }
                        }
                    }
                }
            }
        }
        var allMissing = [Int](repeating: 0, count: basins)
        for i in sumW.indices where sumW[i] == 0 && totalWeight[i % basins] > 0 {
            allMissing[i % basins] += 1
        }
        var columns: [ZonalValues.Column] = []
        for statistic in statistics {
            var out = [Double](repeating: .nan, count: stepCount * basins)
            for i in out.indices {
                let b = i % basins
                switch statistic {
                case .mean: out[i] = sumW[i] > 0 ? sumWX[i] / sumW[i] : .nan
                case .sum: out[i] = sumWX[i]
                case .count: out[i] = sumW[i]
                case .validShare: out[i] = totalWeight[b] > 0 ? sumW[i] / totalWeight[b] : .nan
                default: break
                }
            }
            columns.append(.init(name: statistic.rawValue, values: out))
        }
        return ZonalValues(
            steps: stepCount, basins: basins, columns: columns, allMissingSteps: allMissing)
    }

    /// Joins parts of the same basins along steps (columns matched by name, 0 for a `frac_k`
    /// class absent from a part).
    static func concatenate(_ parts: [ZonalValues], basins: Int) -> ZonalValues {
        var names: [String] = []
        for stats in parts {
            for column in stats.columns where !names.contains(column.name) {
                names.append(column.name)
            }
        }
        let steps = parts.reduce(0) { $0 + $1.steps }
        var columns: [ZonalValues.Column] = []
        for name in names {
            var values: [Double] = []
            values.reserveCapacity(steps * basins)
            for stats in parts {
                if let column = stats.columns.first(where: { $0.name == name }) {
                    values += column.values
                } else {
                    values += [Double](repeating: 0, count: stats.steps * basins)
                }
            }
            columns.append(.init(name: name, values: values))
        }
        var allMissing = [Int](repeating: 0, count: basins)
        for stats in parts {
            for b in 0..<basins { allMissing[b] += stats.allMissingSteps[b] }
        }
        return ZonalValues(
            steps: steps, basins: basins, columns: columns, allMissingSteps: allMissing)
    }
}

/// Streams one field (one time step or a static raster) through the weights band by band, so a
/// large raster never has to be held whole. Bands must come in increasing row order.
package struct FieldAccumulator: Sendable {
    let aggregator: ZonalAggregator
    var cursor: [Int]
    var sumW: [Double]
    var sumWX: [Double]
    var welfordMean: [Double]
    var welfordM2: [Double]
    var minimum: [Double]
    var maximum: [Double]
    var classWeights: [[Double: Double]]
    let needsSpread: Bool
    let needsClasses: Bool

    package init(aggregator: ZonalAggregator) {
        self.aggregator = aggregator
        let n = aggregator.weights.basinCount
        cursor = Array(aggregator.weights.offsets.dropLast())
        sumW = .init(repeating: 0, count: n)
        sumWX = .init(repeating: 0, count: n)
        welfordMean = .init(repeating: 0, count: n)
        welfordM2 = .init(repeating: 0, count: n)
        minimum = .init(repeating: .infinity, count: n)
        maximum = .init(repeating: -.infinity, count: n)
        needsSpread = aggregator.statistics.contains(.stdev)
        needsClasses = aggregator.statistics.contains { $0 == .majority || $0 == .frac }
        classWeights = .init(repeating: [:], count: needsClasses ? n : 0)
    }

    /// Adds the cells of `rows`.
    /// - Parameter values: `[rows.count × cols]` cells of those rows, row-major.
    package mutating func add(rows: Range<Int>, values: UnsafeBufferPointer<Float>) {
        let weights = aggregator.weights
        let cols = weights.grid.cols
        precondition(values.count >= rows.count * cols, "band smaller than rows × cols")
        let first = rows.lowerBound * cols
        let end = rows.upperBound * cols
        let fill = aggregator.missingValue ?? .nan
        for b in 0..<weights.basinCount {
            var k = cursor[b]
            let stop = weights.offsets[b + 1]
            while k < stop, Int(weights.cells[k]) < first { k += 1 }  // rows skipped by caller
            while k < stop {
                let cell = Int(weights.cells[k])
                if cell >= end { break }
                let x = values[cell - first]
                k += 1
                guard CFFloatMissing.isPhysical(x), x != fill else { continue }
                let w = weights.weights[k - 1]
                let v = Double(x)
                sumW[b] += w
                sumWX[b] += w * v
                minimum[b] = Swift.min(minimum[b], v)
                maximum[b] = Swift.max(maximum[b], v)
                if needsSpread {
                    // West's weighted incremental mean and sum of squared deviations.
                    let delta = v - welfordMean[b]
                    welfordMean[b] += w / sumW[b] * delta
                    welfordM2[b] += w * delta * (v - welfordMean[b])
                }
                if needsClasses { classWeights[b][v, default: 0] += w }
            }
            cursor[b] = k
        }
    }

    /// The statistics of the field, as values of one step.
    package func finish() -> ZonalValues {
        let n = aggregator.weights.basinCount
        var columns: [ZonalValues.Column] = []
        for statistic in aggregator.statistics {
            switch statistic {
            case .frac:
                var classes = Set<Double>()
                for map in classWeights { classes.formUnion(map.keys) }
                for value in classes.sorted() {
                    let values = (0..<n).map { b in
                        sumW[b] > 0 ? (classWeights[b][value] ?? 0) / sumW[b] : .nan
                    }
                    columns.append(.init(name: ZonalStatistic.fracName(value), values: values))
                }
            default:
                let values = (0..<n).map { b in value(statistic, basin: b) }
                columns.append(.init(name: statistic.rawValue, values: values))
            }
        }
        let allMissing = (0..<n).map { sumW[$0] == 0 && aggregator.totalWeight[$0] > 0 ? 1 : 0 }
        return ZonalValues(steps: 1, basins: n, columns: columns, allMissingSteps: allMissing)
    }

    private func value(_ statistic: ZonalStatistic, basin b: Int) -> Double {
        let valid = sumW[b] > 0
        switch statistic {
        case .mean: return valid ? sumWX[b] / sumW[b] : .nan
        case .sum: return sumWX[b]
        case .count: return sumW[b]
        case .min: return valid ? minimum[b] : .nan
        case .max: return valid ? maximum[b] : .nan
        case .stdev: return valid ? (Swift.max(0, welfordM2[b] / sumW[b])).squareRoot() : .nan
        case .validShare:
            let total = aggregator.totalWeight[b]
            return total > 0 ? sumW[b] / total : .nan
        case .majority:
            guard valid else { return .nan }
            var best = Double.nan
            var bestWeight = -Double.infinity
            for (value, w) in classWeights[b]
            where w > bestWeight
                || (w == bestWeight
                    && value < best)
            {
                best = value
                bestWeight = w
            }
            return best
        case .frac: return .nan
        }
    }
}
