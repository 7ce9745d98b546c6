package import Foundation

/// Compression of COG tiles.
package enum COGCompression: String, Sendable, CaseIterable {
    case deflate = "DEFLATE"
    case zstd = "ZSTD"
}

/// Options of ``COGWriter``.
package struct COGOptions: Sendable {
    /// Tile compression; the predictor follows the data type (2 for integers, 3 for floats).
    package var compression: COGCompression
    /// Tile size in pixels (COG `BLOCKSIZE`).
    package var blockSize: Int
    /// The program that wrote the file, e.g. `geomap 0.1.0` (`TIFFTAG_SOFTWARE`).
    package var producer: String
    /// The model that produced the values, when there is one (`GEOMAP_MODEL`).
    package var model: String?
    /// Creation time (`GEOMAP_CREATED`, ISO 8601 UTC). Never written as `TIFFTAG_DATETIME`:
    /// readers take that tag for the acquisition date, which a written file does not change.
    package var createdAt: Date
    /// Further dataset metadata items.
    package var metadata: [String: String]
    /// Write a QGIS `.qml` style beside class and probability rasters.
    package var writeStyle: Bool

    package init(
        compression: COGCompression = .deflate, blockSize: Int = 512, producer: String,
        model: String? = nil, createdAt: Date = COGOptions.creationTime(),
        metadata: [String: String] = [:],
        writeStyle: Bool = true
    ) {
        self.compression = compression
        self.blockSize = blockSize
        self.producer = producer
        self.model = model
        self.createdAt = createdAt
        self.metadata = metadata
        self.writeStyle = writeStyle
    }

    /// The time written as `GEOMAP_CREATED`: now, or `SOURCE_DATE_EPOCH` (whole seconds since
    /// 1970, the reproducible-builds convention) when the environment sets it, so that two runs
    /// over the same inputs write byte-identical files.
    package static func creationTime(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Date {
        if let text = environment["SOURCE_DATE_EPOCH"], let seconds = Int64(text), seconds >= 0 {
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        return Date()
    }

    /// Dataset metadata items the writer sets on a file it writes row by row.
    var metadataItems: [String: String] {
        var items = stampItems
        items["TIFFTAG_SOFTWARE"] = producer
        return items
    }

    /// The `GEOMAP_*` items (and ``metadata``), also added to a copied raster's own metadata.
    var stampItems: [String: String] {
        var items = metadata
        items["GEOMAP_PRODUCER"] = producer
        items["GEOMAP_CREATED"] = COGOptions.format(createdAt, "yyyy-MM-dd'T'HH:mm:ss'Z'")
        if let model { items["GEOMAP_MODEL"] = model }
        return items
    }

    static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
