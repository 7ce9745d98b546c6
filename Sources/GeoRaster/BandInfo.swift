/// Facts about one raster band, as GDAL reports them.
package struct BandInfo: Sendable, Equatable {
    /// 1-based band number.
    package var index: Int
    package var dataType: RasterDataType
    /// The nodata value, when the band has one.
    package var noData: Double?
    /// Physical value = raw · scale + offset (1 and 0 when unset).
    package var scale: Double
    package var offset: Double
    /// The band description (e.g. `SR_B4`), empty when unset.
    package var description: String
    /// GDAL's colour interpretation name (`Gray`, `Red`, `Palette`, `Undefined`, …).
    package var colorInterpretation: String
    /// The natural block size in pixels.
    package var blockWidth: Int
    package var blockHeight: Int
    /// Whether validity comes from a mask band (not nodata, not all-valid).
    package var hasMaskBand: Bool
    /// Category (class) names by value, when the band has any.
    package var categoryNames: [String]
    /// Number of colour-table entries (0 without a colour table).
    package var colorTableCount: Int
    /// Unit type (e.g. `m`), empty when unset.
    package var unit: String
    /// Band metadata in the default domain.
    package var metadata: [String: String]

    /// Whether scale/offset change raw values.
    package var isScaled: Bool { scale != 1 || offset != 0 }
}
