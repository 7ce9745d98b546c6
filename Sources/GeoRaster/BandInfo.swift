/// Facts about one raster band, as GDAL reports them.
public struct BandInfo: Sendable, Equatable {
    /// 1-based band number.
    public var index: Int
    public var dataType: RasterDataType
    /// The nodata value, when the band has one.
    public var noData: Double?
    /// Physical value = raw · scale + offset (1 and 0 when unset).
    public var scale: Double
    public var offset: Double
    /// The band description (e.g. `SR_B4`), empty when unset.
    public var description: String
    /// GDAL's colour interpretation name (`Gray`, `Red`, `Palette`, `Undefined`, …).
    public var colorInterpretation: String
    /// The natural block size in pixels.
    public var blockWidth: Int
    public var blockHeight: Int
    /// Whether validity comes from a mask band (not nodata, not all-valid).
    public var hasMaskBand: Bool
    /// Category (class) names by value, when the band has any.
    public var categoryNames: [String]
    /// Number of colour-table entries (0 without a colour table).
    public var colorTableCount: Int
    /// Unit type (e.g. `m`), empty when unset.
    public var unit: String
    /// Band metadata in the default domain.
    public var metadata: [String: String]

    /// Whether scale/offset change raw values.
    public var isScaled: Bool { scale != 1 || offset != 0 }
}
