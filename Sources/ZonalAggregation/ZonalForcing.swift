package import GeoNetCDF

/// Zonal statistics of CF forcings: every time step of a variable, streamed in the time slabs
/// of the file's chunking (bounded memory), each slab one sparse × dense product.
package enum ZonalForcing {
    /// The regular grid of a CF forcing (cell centres must be evenly spaced, within the
    /// rounding of the axes' type: float32 axes are accepted within float32 precision).
    /// - Throws: ``ZonalError/badInput(_:_:)`` for irregular axes.
    package static func grid(of forcing: CFForcing) throws -> RegularGrid {
        let cf = forcing.grid
        guard
            let grid = RegularGrid(
                xCentres: cf.x, yCentres: cf.y, isGeographic: cf.kind == .geographic,
                axisEpsilon: cf.axisEpsilon)
        else {
            throw ZonalError.badInput(
                forcing.paths[0],
                "the \(cf.xName)/\(cf.yName) axes are not evenly spaced (or have fewer than "
                    + "two values); exact aggregation needs a regular grid")
        }
        return grid
    }

    /// Values per slab read at once: 1 Mi values (4 MiB; 56 days of a 103 × 179 grid) keep a
    /// slab in cache between reading and aggregating it (measured best among 0.25–4 Mi).
    package static let defaultSlabValues = 1 << 20

    /// What aggregating one variable found.
    package struct Report: Sendable {
        package var steps = 0
        /// `[basins]` steps at which a basin had no valid cell (its values are NaN).
        package var allMissingSteps: [Int]
    }

    /// Aggregates `variable` over the steps `times` and hands each slab's result to `sink`.
    ///
    /// Each slab is read straight into a reused buffer and aggregated from it while it is
    /// still in cache (with `overlap`, the next slab is read on a second core meanwhile); the
    /// fill and missing values of an unpacked float variable are tested during the gather
    /// (``CFForcing/read(_:times:into:)``), not in a pass of their own.
    /// - Parameters:
    ///   - maxValues: values per slab (at least one storage chunk of the file along time).
    ///   - overlap: read the next slab on a second thread while aggregating this one. Off by
    ///     default: on the shared 2-core benchmark machine it cost 5–50 % more CPU for no
    ///     measurable wall-clock gain (docs/benchmarks.md); it may pay on idle cores.
    ///   - sink: receives each slab's values with the global time-step range it covers.
    ///   - progress: called after each slab with the number of steps done so far.
    package static func aggregate(
        _ forcing: CFForcing, variable: CFGridVariable, times: Range<Int>,
        aggregator: ZonalAggregator, maxValues: Int = defaultSlabValues,
        overlap: Bool = false,
        progress: ((Int) -> Void)? = nil,
        sink: (ZonalValues, Range<Int>) throws -> Void
    ) throws -> Report {
        let basins = aggregator.weights.basinCount
        var report = Report(allMissingSteps: .init(repeating: 0, count: basins))
        let slabs = forcing.timeSlabs(for: variable, in: times, maxValues: maxValues)
        let perStep = forcing.grid.width * forcing.grid.height
        let capacity = (slabs.map(\.count).max() ?? 0) * perStep
        func use(
            _ slab: Range<Int>, _ buffer: UnsafeMutableBufferPointer<Float>,
            _ missing: CFFloatMissing
        ) throws {
            let stats = aggregator.aggregate(
                steps: UnsafeBufferPointer(rebasing: buffer[0..<(slab.count * perStep)]),
                stepCount: slab.count, missing: missing)
            for b in 0..<basins { report.allMissingSteps[b] += stats.allMissingSteps[b] }
            try sink(stats, slab)
            report.steps += slab.count
            progress?(report.steps)
        }
        if slabs.count > 1 && overlap {
            // The next slab is read (decompressed) on the second core meanwhile.
            try SlabPipeline.run(
                count: slabs.count, capacity: capacity,
                read: { i, buffer in try forcing.read(variable, times: slabs[i], into: buffer) },
                consume: { i, buffer, missing in try use(slabs[i], buffer, missing) })
        } else {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, capacity))
            defer { buffer.deallocate() }
            for slab in slabs {
                try use(slab, buffer, try forcing.read(variable, times: slab, into: buffer))
            }
        }
        return report
    }
}
