import CSVFiles
package import Foundation
package import OutputFiles

/// Writes zonal results as long CSV rows `basin_id,time,variable,stat,value` (time empty for
/// static rasters), streamed slab by slab.
///
/// The file is written under a short temporary name in the same directory
/// (``OutputFiles/TemporaryName``) and renamed over the final name by ``finish()`` (never
/// unlinking the old file first); a writer dropped without `finish` removes it, so no partial
/// output ever sits under the final name. `geomap zonal` writes it into its output set's
/// staging folder.
package final class ZonalCSVWriter {
    package let url: URL
    let partial: URL
    private var handle: FileHandle?
    private var buffer = ""

    package init(url: URL) throws {
        self.url = url
        partial = URL(fileURLWithPath: TemporaryName.beside(url.path, suffix: "partial"))
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
            throw EnvironmentError(operation: "create", path: partial.path)
        }
        TemporaryRegistry.shared.register(partial.path)
        handle = try FileHandle(forWritingTo: partial)
        buffer = "basin_id,time,variable,stat,value\n"
    }

    deinit {
        if handle != nil {
            try? handle?.close()
            try? FileManager.default.removeItem(at: partial)
        }
        TemporaryRegistry.shared.unregister(partial.path)
    }

    /// Appends the rows of `stats`: for each step, basin and column.
    /// - Parameters:
    ///   - times: `[stats.steps]` ISO dates (or `[""]` for a static field).
    ///   - skipping: basin indices to leave out (basins outside the grid).
    package func write(
        _ stats: ZonalValues, basinIDs: [String], times: [String], variable: String,
        skipping: Set<Int> = []
    ) throws {
        let ids = basinIDs.map(CSVField.escape)
        let name = CSVField.escape(variable)
        for step in 0..<stats.steps {
            let time = times[step]
            for b in 0..<stats.basins where !skipping.contains(b) {
                for column in stats.columns {
                    let value = column.values[step * stats.basins + b]
                    buffer += "\(ids[b]),\(time),\(name),\(column.name),\(Self.format(value))\n"
                }
            }
            if buffer.utf8.count > 1 << 20 { try flush() }
        }
    }

    /// Flushes and renames the file to its final name.
    package func finish() throws {
        try flush()
        try handle?.synchronize()
        try handle?.close()
        handle = nil
        do {
            try POSIXFileSystem().rename(partial.path, to: url.path)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    /// Checks a written CSV before it is committed: the header, then `rows` rows.
    /// - Throws: ``ZonalError/badInput(_:_:)`` naming what is wrong.
    package static func verify(path: String, rows: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = Data("basin_id,time,variable,stat,value\n".utf8)
        guard data.starts(with: header) else {
            throw ZonalError.badInput(path, "the header row is missing")
        }
        let lines = data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        guard lines == rows + 1, data.last == UInt8(ascii: "\n") else {
            throw ZonalError.badInput(path, "\(max(0, lines - 1)) rows, expected \(rows)")
        }
    }

    private func flush() throws {
        guard let handle, !buffer.isEmpty else { return }
        try handle.write(contentsOf: Data(buffer.utf8))
        buffer = ""
    }

    static func format(_ value: Double) -> String {
        value.isNaN ? "NaN" : "\(value)"
    }

    /// Writes `basin_id,row,col,coverage` for inspection (`--weights W.csv`), atomically.
    package static func writeWeights(_ weights: ZonalWeights, to url: URL) throws {
        var text = "basin_id,row,col,coverage\n"
        let cols = weights.grid.cols
        for b in 0..<weights.basinCount {
            let id = CSVField.escape(weights.basinIDs[b])
            for k in weights.offsets[b]..<weights.offsets[b + 1] {
                let cell = Int(weights.cells[k])
                text += "\(id),\(cell / cols),\(cell % cols),\(weights.coverage[k])\n"
            }
        }
        let name = url.lastPathComponent
        let outputs = try OutputSet(
            directory: url.deletingLastPathComponent().path, key: name, names: [name],
            inputs: [])
        try outputs.produce {
            try POSIXFileSystem().write(Array(text.utf8), to: outputs.stagedPath(name))
        }
        try outputs.commit()
    }
}

/// Errors of the zonal pipeline, each one line naming the file or argument.
package enum ZonalError: Error, CustomStringConvertible, ExitStatusProviding {
    case cannotWrite(String, String)
    case badInput(String, String)
    case noBasinOnGrid(String)

    package var description: String {
        switch self {
        case .cannotWrite(let path, let why): "cannot write \(path): \(why)"
        case .badInput(let path, let why): "\(path): \(why)"
        case .noBasinOnGrid(let path): "\(path): no basin overlaps the grid"
        }
    }

    package var exitStatus: ExitStatus { .badInput }
}
