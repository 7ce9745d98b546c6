public import Foundation
public import Models

/// Entry points the basin pipeline calls.
public enum BasinForcings {
    /// Reads per-basin forcings by file kind: `.csv` (long or wide) or `.nc`/`.nc4`/`.cdf`
    /// (CF timeSeries).
    /// - Throws: ``BasinInputError``: an unsupported extension, or the reader's errors.
    public static func read(_ url: URL) throws(BasinInputError) -> BasinTable {
        switch url.pathExtension.lowercased() {
        case "csv": return try BasinCSV.readForcings(url)
        case "nc", "nc4", "cdf", "netcdf": return try BasinNetCDF.readForcings(url)
        default:
            throw BasinInputError(
                url.path,
                "unknown per-basin forcings format '.\(url.pathExtension)' (expected .csv or .nc)")
        }
    }

    /// The units the model expects, from its statistics (variables without `units` omitted).
    public static func modelUnits(_ statistics: StefaLandStatistics) -> [String: String] {
        statistics.entries.compactMapValues(\.units)
    }
}
