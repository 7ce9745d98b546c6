package import Foundation

/// Normalisation statistics of a StefaLand model's input variables, read from the
/// `--stats STATS.json` file of `geomap models import`:
///
/// ```json
/// {"P": {"mean": 2.9, "std": 6.1, "units": "mm/day"}, "elevation": {"mean": 510, "std": 380}}
/// ```
///
/// The model sees `(x − mean) / std` (the δMG fine-tuning convention, spec §1.3; for statistics
/// from the pretraining scaler, add its 1e-5 to `std` yourself). `units` is optional and
/// recorded in the model file for the basin pipeline's unit checks.
package struct StefaLandStatistics: Sendable, Equatable {
    /// One variable's statistics.
    package struct Entry: Codable, Sendable, Equatable {
        package var mean: Double
        package var std: Double
        package var units: String?

        package init(mean: Double, std: Double, units: String? = nil) {
            self.mean = mean
            self.std = std
            self.units = units
        }
    }

    /// Statistics by variable name.
    package var entries: [String: Entry]

    package init(entries: [String: Entry]) { self.entries = entries }

    /// Reads and checks a statistics file.
    /// - Throws: ``ModelError`` naming the file: unreadable, not JSON of that form, or a
    ///   non-finite mean or non-positive standard deviation (naming the variable).
    package init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelError(url.path, "cannot read the statistics file")
        }
        do {
            entries = try JSONDecoder().decode([String: Entry].self, from: data)
        } catch {
            throw ModelError(
                url.path,
                "not a statistics file of the form {\"VAR\": {\"mean\": m, \"std\": s}, …}")
        }
        // A misspelt key ("unit", "stdev") would be dropped with its value.
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for name in object.keys.sorted() {
                let keys = (object[name] as? [String: Any])?.keys.sorted() ?? []
                if let key = keys.first(where: { !["mean", "std", "units"].contains($0) }) {
                    throw ModelError(
                        url.path,
                        "variable \(name): unknown key '\(key)' (an entry has mean, std and units)")
                }
            }
        }
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            guard entry.mean.isFinite, entry.std.isFinite, entry.std > 0 else {
                throw ModelError(
                    url.path,
                    "variable \(name) has mean \(entry.mean) and std \(entry.std); "
                        + "need a finite mean and a positive std")
            }
        }
    }

    /// The entries for `names`, in that order.
    /// - Throws: ``ModelError`` about `path` listing every variable without statistics.
    package func entries(for names: [String], path: String) throws -> [Entry] {
        let missing = names.filter { entries[$0] == nil }
        guard missing.isEmpty else {
            throw ModelError(
                path, "no normalisation statistics for \(missing.joined(separator: ", "))")
        }
        return names.map { entries[$0]! }
    }
}
