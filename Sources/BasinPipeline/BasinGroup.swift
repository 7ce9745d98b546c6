import BasinInputs
import GeoVector

/// A group of basins (`geomap predict --basins … --group I --group-size N`): the features at
/// positions `[I·N, (I+1)·N)` of the basin layer, in the layer's own order (OGR's reading
/// order: a shapefile's record order, a GeoPackage's fid order), which is the order a run over
/// the whole file writes its basins in. So the groups' outputs, joined in group order
/// (``BasinOutputJoin``), are the whole file's outputs basin for basin.
///
/// A group's outputs are named `<stem>.group-IIII.*` (four digits, more past 9999).
package struct BasinGroup: Sendable, Equatable {
    /// `I`, 0-based.
    package var index: Int
    /// `N`, basins (features) per group.
    package var size: Int

    /// `group-size` when not given: 256 basins (a few seconds to minutes of model work each
    /// on a 2-core machine, see docs/nightly.md).
    package static let defaultSize = 256

    package init(index: Int, size: Int = BasinGroup.defaultSize) {
        precondition(index >= 0 && size >= 1, "BasinGroup: index \(index), size \(size)")
        self.index = index
        self.size = size
    }

    /// The positions of the layer's features the group holds.
    package var features: Range<Int> {
        let (start, overflow) = index.multipliedReportingOverflow(by: size)
        guard !overflow else { return Int.max..<Int.max }
        return start..<(start.addingReportingOverflow(size).overflow ? Int.max : start + size)
    }

    /// `group-IIII`: the name part of the group's outputs and of its work item's key.
    package var label: String { Self.label(index) }

    /// `group-IIII` of group `index` (zero-padded to four digits).
    package static func label(_ index: Int) -> String {
        let digits = String(index)
        return "group-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `<stem>.group-IIII`: the stem of the group's output files.
    package func stem(_ stem: String) -> String { "\(stem).\(label)" }

    /// The number of features of the basin layer (the format's declared count: a million
    /// polygons count in milliseconds, no feature is read).
    /// - Throws: `VectorError` for an unreadable file or an unknown layer.
    package static func featureCount(path: String, layer: String? = nil) throws -> Int {
        try BasinReader.featureCount(path: path, layer: layer)
    }

    /// The number of groups of `size` that `features` features make (at least 1; no overflow
    /// for any size, `features + size − 1` would trap for a size near `Int.max`).
    package static func count(features: Int, size: Int) -> Int {
        features <= 0 ? 1 : (features - 1) / size + 1
    }

    /// Every group of `size` basins of the layer, in order: the items of a basin job planned
    /// with a group size, and the `job/group-IIII` work items of `geomap run`.
    /// - Throws: `VectorError` for an unreadable file or an unknown layer.
    package static func all(path: String, layer: String? = nil, size: Int) throws -> [BasinGroup] {
        let features = try featureCount(path: path, layer: layer)
        return (0..<count(features: features, size: size)).map { BasinGroup(index: $0, size: size) }
    }

    /// Checks that the group holds features of the layer.
    /// - Throws: ``BasinInputError`` for a group past the last one, naming the file and the
    ///   number of groups; `VectorError` for an unreadable file or an unknown layer.
    package func check(path: String, layer: String? = nil) throws {
        let features = try Self.featureCount(path: path, layer: layer)
        let groups = Self.count(features: features, size: size)
        guard index < groups, self.features.lowerBound < max(features, 1) else {
            throw BasinInputError(
                path,
                "--group \(index) is out of range: \(features) features in groups of "
                    + "\(size) make \(groups) group\(groups == 1 ? "" : "s") "
                    + "(--group 0…\(groups - 1))")
        }
    }
}
