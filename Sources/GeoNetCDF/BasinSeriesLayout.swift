/// The content of a CF-1.8 per-basin time-series file (discrete sampling geometry
/// `timeSeries`, CF §9, with a polygon geometry container, CF §7.5).

/// One polygon: an exterior ring and holes, as (x, y) = (lon/easting, lat/northing) nodes.
/// Rings may be given open or closed and in any orientation; the writer closes them and
/// orients exteriors anticlockwise, holes clockwise, as CF §7.5 asks.
public struct DSGPolygon: Sendable {
    public var exterior: [SIMD2<Double>]
    public var holes: [[SIMD2<Double>]]

    public init(exterior: [SIMD2<Double>], holes: [[SIMD2<Double>]] = []) {
        self.exterior = exterior
        self.holes = holes
    }
}

/// One basin (station): its id, name, representative point and polygon parts.
public struct DSGStation: Sendable {
    public var id: String
    public var name: String
    /// Representative latitude/longitude (outlet or centroid), degrees.
    public var latitude: Double
    public var longitude: Double
    /// One or more polygons (a multipolygon), in the CRS of ``BasinSeriesLayout/geometryCRS``.
    public var polygons: [DSGPolygon]

    public init(
        id: String, name: String, latitude: Double, longitude: Double,
        polygons: [DSGPolygon]
    ) {
        self.id = id
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.polygons = polygons
    }
}

/// A named extra dimension of a data variable (e.g. `embedding` of length 64).
public struct DSGDimension: Sendable, Equatable {
    public var name: String
    public var length: Int

    public init(name: String, length: Int) {
        self.name = name
        self.length = length
    }
}

/// A data variable `(station, extra…, time)`: float32 (NaN → `_FillValue`), or byte for flags
/// (no `_FillValue`; every value must fit a signed byte).
public struct DSGVariable: Sendable {
    /// The stored type of a data variable.
    public enum StorageType: Sendable, Equatable {
        case float
        /// Signed byte, e.g. a flag variable with `flag_values` / `flag_meanings`.
        case byte
    }

    public var name: String
    /// Units; empty writes no `units` attribute (flag variables).
    public var units: String
    public var longName: String
    public var standardName: String?
    /// e.g. `time: mean` (requires time bounds in the layout).
    public var cellMethods: String?
    /// Dimensions between `station` and `time` (empty for a plain time series).
    public var extraDimensions: [DSGDimension]
    /// More attributes (`comment`, `source`, …).
    public var attributes: [NetCDFAttribute]
    public var storage: StorageType

    public init(
        name: String, units: String, longName: String, standardName: String? = nil,
        cellMethods: String? = nil, extraDimensions: [DSGDimension] = [],
        attributes: [NetCDFAttribute] = [], storage: StorageType = .float
    ) {
        self.storage = storage
        self.name = name
        self.units = units
        self.longName = longName
        self.standardName = standardName
        self.cellMethods = cellMethods
        self.extraDimensions = extraDimensions
        self.attributes = attributes
    }
}

/// A per-basin number (area, a summary statistic): written with `geometry=` so GIS readers
/// (GDAL's netCDF vector driver, QGIS) show it as a field of the basin polygons.
public struct DSGStationField: Sendable {
    public var name: String
    public var units: String?
    public var longName: String
    /// One value per station (NaN → missing).
    public var values: [Double]

    public init(name: String, units: String?, longName: String, values: [Double]) {
        self.name = name
        self.units = units
        self.longName = longName
        self.values = values
    }
}

/// A text per time step (e.g. a digest of the day's sources): a char variable
/// `(time, <name>_strlen)`.
public struct DSGTimeText: Sendable {
    public var name: String
    public var longName: String
    /// One text per time step (ASCII).
    public var values: [String]

    public init(name: String, longName: String, values: [String]) {
        self.name = name
        self.longName = longName
        self.values = values
    }
}

/// The CRS of the polygon nodes: a CF grid-mapping variable's attributes.
public struct DSGGeometryCRS: Sendable {
    /// Attributes of the `crs` variable (`grid_mapping_name`, ellipsoid, `crs_wkt`).
    public var attributes: [NetCDFAttribute]
    /// Whether node coordinates are longitude/latitude degrees (else metres).
    public var isGeographic: Bool

    public init(attributes: [NetCDFAttribute], isGeographic: Bool) {
        self.attributes = attributes
        self.isGeographic = isGeographic
    }

    /// WGS 84 longitude/latitude (EPSG:4326), the encoding verified to open in QGIS and GDAL.
    public static let wgs84 = DSGGeometryCRS(
        attributes: [
            .text("grid_mapping_name", "latitude_longitude"),
            .double("semi_major_axis", 6_378_137.0),
            .double("inverse_flattening", 298.257223563),
            .double("longitude_of_prime_meridian", 0),
            .text("crs_wkt", wgs84WKT),
        ], isGeographic: true)

    static let wgs84WKT =
        "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,"
        + "AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,"
        + "AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,"
        + "AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],"
        + "AUTHORITY[\"EPSG\",\"4326\"]]"
}

/// Everything a per-basin file holds except the data values, which are streamed.
public struct BasinSeriesLayout: Sendable {
    public var stations: [DSGStation]
    /// Time values in ``timeUnits`` (its calendar is written too).
    public var timeUnits: CFTimeUnits
    public var times: [Double]
    /// Optional `[start, end]` per step (written as `time_bnds`; needed with `cell_methods`).
    public var timeBounds: [(Double, Double)]?
    public var variables: [DSGVariable]
    public var stationFields: [DSGStationField]
    public var geometryCRS: DSGGeometryCRS
    public var title: String
    public var source: String
    public var history: String
    public var references: String
    public var geomapVersion: String
    /// More global attributes (`institution`, `comment`, model name, run id…).
    public var extraAttributes: [NetCDFAttribute]
    /// Whether the time dimension is unlimited (a file that grows by days: the archives of
    /// `geomap predict --basins --archive`).
    public var unlimitedTime = false
    /// Texts per time step, written with the static parts.
    public var timeTexts: [DSGTimeText] = []

    public init(
        stations: [DSGStation], timeUnits: CFTimeUnits, times: [Double],
        timeBounds: [(Double, Double)]? = nil, variables: [DSGVariable],
        stationFields: [DSGStationField] = [], geometryCRS: DSGGeometryCRS = .wgs84,
        title: String, source: String, history: String, references: String,
        geomapVersion: String, extraAttributes: [NetCDFAttribute] = []
    ) {
        self.stations = stations
        self.timeUnits = timeUnits
        self.times = times
        self.timeBounds = timeBounds
        self.variables = variables
        self.stationFields = stationFields
        self.geometryCRS = geometryCRS
        self.title = title
        self.source = source
        self.history = history
        self.references = references
        self.geomapVersion = geomapVersion
        self.extraAttributes = extraAttributes
    }
}
