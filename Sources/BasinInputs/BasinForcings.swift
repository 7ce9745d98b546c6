package import Foundation
package import Models

/// Entry points the basin pipeline calls.
package enum BasinForcings {
    /// Reads per-basin series by file kind: `.csv` (long, wide, or one basin's as Caravan's),
    /// `.nc`/`.nc4`/`.cdf` (CF timeSeries, or one basin's as Caravan's), `.txt` in a CAMELS
    /// layout (USGS streamflow, Daymet forcings).
    /// - Throws: ``BasinInputError``: an unsupported kind, or the reader's errors.
    package static func read(_ url: URL) throws(BasinInputError) -> BasinTable {
        switch url.pathExtension.lowercased() {
        case "csv": return try BasinCSV.readForcings(url)
        case "nc", "nc4", "cdf", "netcdf":
            if BasinSingleNetCDF.recognises(url) { return try BasinSingleNetCDF.read(url) }
            return try BasinNetCDF.readForcings(url)
        case "txt" where BasinCamelsStreamflow.recognises(url):
            return try BasinCamelsStreamflow.read(url)
        case "txt" where BasinDaymet.recognises(url):
            return try BasinDaymet.read(url)
        default:
            throw BasinInputError(
                url.path,
                "unknown per-basin format '.\(url.pathExtension)' (expected .csv, .nc, or a "
                    + "CAMELS .txt: USGS streamflow or Daymet forcings)")
        }
    }

    /// The units the model expects, from its statistics (variables without `units` omitted).
    package static func modelUnits(_ statistics: StefaLandStatistics) -> [String: String] {
        statistics.entries.compactMapValues(\.units)
    }
}
