package import BasinInputs
package import Foundation
import GeoProjection
import GeoRaster
package import GeoVector
import ZonalAggregation

/// Static basin attributes computed from rasters (`--static-raster`): the coverage-weighted
/// mean of a band, or the share of a class, over each basin (see `docs/basin-prediction.md`).
///
/// The basins are reprojected to each raster's CRS and weighted with the exact coverage
/// fractions of `geomap zonal` (``ZonalJob``, ``ZonalWeights``), so a value equals what
/// `geomap zonal --raster R --stat mean` writes. Rasters on one grid share their weights
/// (computed once per call, and kept in the weights cache when a directory is given).
package enum StaticRasterAttributes {
    package struct Result: Sendable {
        /// `[attributes × basins]`: the sources' names in order, the basins of the basin set
        /// in file order; NaN for a basin without any valid cell.
        package var attributes: BasinAttributes
        /// Per attribute: the band's GDAL unit type (`nil` when the band has none); `"1"` for
        /// a class share.
        package var units: [String?]
    }

    /// Computes every source's attribute for every basin.
    ///
    /// - Parameters:
    ///   - sources: the `--static-raster` specifications; names must be distinct.
    ///   - basins: the basins as read, in their own CRS.
    ///   - cacheDirectory: the weights cache (`nil`: computed without caching).
    ///   - log: one line per note (basin outside a raster or without a valid cell, cache).
    /// - Throws: ``BasinInputError`` for two sources of one name, ``ZonalError`` for a band
    ///   that does not exist, a rotated raster or one no basin overlaps, ``RasterError`` for a
    ///   raster without CRS, ``GeoGDAL/GDALError`` for a file GDAL cannot read; each message
    ///   names the file.
    package static func read(
        _ sources: [StaticRasterSource], basins: BasinSet, cacheDirectory: URL?,
        log: (String) -> Void
    ) throws -> Result {
        var seen = Set<String>()
        for source in sources where !seen.insert(source.name).inserted {
            let paths = sources.filter { $0.name == source.name }.map(\.path)
            throw BasinInputError(
                "--static-raster",
                "attribute '\(source.name)' is given twice (\(paths.joined(separator: ", ")))")
        }
        let ids = basins.basins.map(\.id)
        var values = [Float](repeating: .nan, count: sources.count * ids.count)
        var units = [String?](repeating: nil, count: sources.count)
        var memo = CoverageWeightsMemo()
        // One pass over each (file, band) computes all the statistics asked of it.
        var groups: [(path: String, band: Int, members: [Int])] = []
        for (i, source) in sources.enumerated() {
            if let g = groups.firstIndex(where: { $0.path == source.path && $0.band == source.band }
            ) {
                groups[g].members.append(i)
            } else {
                groups.append((source.path, source.band, [i]))
            }
        }
        for group in groups {
            let raster = try Raster(opening: group.path)
            let (crs, grid) = try CoverageWeights.rasterGrid(
                raster, band: group.band, bandOption: "band")
            let weights: ZonalWeights
            if let known = memo.weights(grid: grid, crs: crs) {
                weights = known
            } else {
                let outcome = try CoverageWeights(cacheDirectory: cacheDirectory).weights(
                    basins, grid: grid, crs: crs, gridSource: group.path, log: log)
                if let cache = outcome.cache {
                    log("weights for \(group.path): cache \(cache.rawValue)")
                }
                weights = outcome.weights
                memo.remember(weights, grid: grid, crs: crs)
            }
            let members = group.members.map { sources[$0] }
            let statistics: [ZonalStatistic] =
                (members.contains { $0.statistic == .mean } ? [.mean] : [])
                + (members.contains { $0.statistic != .mean } ? [.frac] : [])
            let unit = raster.bands[group.band - 1].unit
            let stats = try ZonalJob.aggregateRaster(
                raster, band: group.band, name: members.map(\.name).joined(separator: ", "),
                weights: weights, statistics: statistics, log: log, progress: nil)
            for (i, source) in zip(group.members, members) {
                let column: [Double]
                switch source.statistic {
                case .mean:
                    column = stats.columns.first { $0.name == "mean" }!.values
                    units[i] = unit.isEmpty ? nil : unit
                case .fraction(let classValue):
                    column = classShares(stats, classValue: classValue)
                    units[i] = "1"
                }
                for b in ids.indices { values[i * ids.count + b] = Float(column[b]) }
            }
        }
        return Result(
            attributes: BasinAttributes(
                basinIDs: ids, attributes: sources.map(\.name), values: values),
            units: units)
    }

    /// The share of class `classValue` per basin: the `frac_k` column, or 0 where the class
    /// never occurs (NaN stays NaN for a basin without a valid cell).
    private static func classShares(_ stats: ZonalValues, classValue: Double) -> [Double] {
        // Raster cells reach the accumulator as Float: compare in that precision.
        let name = ZonalStatistic.fracName(Double(Float(classValue)))
        if let column = stats.columns.first(where: { $0.name == name }) { return column.values }
        let valid = stats.columns.first { $0.name.hasPrefix("frac_") }
        return (0..<stats.basins).map { b in
            guard let valid else { return .nan }
            return valid.values[b].isNaN ? .nan : 0
        }
    }
}

extension StaticRasterSource {
    /// Parses a `--static-raster` argument:
    ///
    /// - `NAME=PATH`: the coverage-weighted mean of band 1, as attribute NAME;
    /// - `NAME=PATH:class=V`: the share (0–1) of the basin's valid covered area in class V;
    /// - `PATH`: NAME is the file name without its extension (`samples/static/slope.tif` →
    ///   `slope`), so a shell glob gives one attribute per file;
    /// - `:band=N` may be added (before or after `class=`) to read band N instead of band 1.
    ///
    /// The text before the first `=` is a name only when it holds no `/`, so a bare path may
    /// contain `=` in a directory name.
    /// - Throws: ``BasinInputError`` naming the argument: empty name or path, a name with
    ///   spaces, a class value or band that is not a number.
    package init(parsing text: String) throws {
        let label = "--static-raster '\(text)'"
        var rest = Substring(text)
        var band = 1
        var statistic = Statistic.mean
        var seenOptions = Set<String>()
        // Options are `:key=value` suffixes, peeled off from the right.
        while let colon = rest.lastIndex(of: ":") {
            let option = rest[rest.index(after: colon)...]
            guard let equals = option.firstIndex(of: "=") else { break }
            let key = option[..<equals]
            let value = String(option[option.index(after: equals)...])
            guard key == "class" || key == "band" else { break }
            guard seenOptions.insert(String(key)).inserted else {
                throw BasinInputError(label, "'\(key)=' is given twice")
            }
            if key == "class" {
                guard let number = Double(value), number.isFinite else {
                    throw BasinInputError(label, "class value '\(value)' is not a number")
                }
                statistic = .fraction(classValue: number)
            } else {
                guard let number = Int(value), number >= 1 else {
                    throw BasinInputError(label, "band '\(value)' is not a band number (1, 2, …)")
                }
                band = number
            }
            rest = rest[..<colon]
        }
        let name: String
        let path: String
        if let equals = rest.firstIndex(of: "="), !rest[..<equals].contains("/") {
            name = String(rest[..<equals])
            path = String(rest[rest.index(after: equals)...])
            guard !name.isEmpty else {
                throw BasinInputError(label, "the attribute name before '=' is empty")
            }
        } else {
            path = String(rest)
            name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        }
        guard !path.isEmpty else {
            throw BasinInputError(label, "no raster path (expected NAME=PATH[:class=V] or PATH)")
        }
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
            throw BasinInputError(label, "'\(name)' is not a usable attribute name")
        }
        self.init(name: name, path: path, band: band, statistic: statistic)
    }
}
