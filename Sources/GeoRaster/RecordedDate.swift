/// Where a raster's metadata records when the scene was acquired.
package enum RecordedDate {
    /// Metadata keys searched in a raster's default domain, in order of preference.
    package static let keys = [
        "ACQUISITIONDATE", "ACQUISITION_DATE", "DATE_ACQUIRED", "TIFFTAG_DATETIME",
    ]

    /// The first of ``keys`` present in `metadata`, with its value as written.
    ///
    /// `TIFFTAG_DATETIME` is skipped in a file whose tags geomap stamped itself
    /// (`TIFFTAG_SOFTWARE` equal to `GEOMAP_PRODUCER`): there it held the time the file was
    /// written, never an acquisition date.
    package static func find(in metadata: [String: String]) -> (key: String, value: String)? {
        let stampedByGeomap =
            metadata["GEOMAP_PRODUCER"] != nil
            && metadata["TIFFTAG_SOFTWARE"] == metadata["GEOMAP_PRODUCER"]
        for key in keys {
            if key == "TIFFTAG_DATETIME", stampedByGeomap { continue }
            if let value = metadata[key] { return (key, value) }
        }
        return nil
    }
}
