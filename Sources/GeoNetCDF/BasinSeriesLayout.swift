/// The content of a CF-1.8 per-basin time-series file (discrete sampling geometry
/// `timeSeries`, CF §9, with a polygon geometry container, CF §7.5).

/// One polygon: an exterior ring and holes, as (x, y) = (lon/easting, lat/northing) nodes.
/// Rings may be given open or closed and in any orientation; the writer closes them and
/// orients exteriors anticlockwise, holes clockwise, as CF §7.5 asks.
package struct DSGPolygon: Sendable {
    package var exterior: [SIMD2<Double>]
    package var holes: [[SIMD2<Double>]]

    package init(exterior: [SIMD2<Double>], holes: [[SIMD2<Double>]] = []) {
        self.exterior = exterior
        self.holes = holes
    }
}

/// One basin (station): its id, name, representative point and polygon parts.
package struct DSGBasin: Sendable {
    package var id: String
    package var name: String
    /// Representative latitude/longitude (outlet or centroid), degrees.
    package var latitude: Double
    package var longitude: Double
    /// One or more polygons (a multipolygon), in the CRS of ``BasinSeriesLayout/geometryCRS``.
    package var polygons: [DSGPolygon]

    package init(
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
package struct DSGDimension: Sendable, Equatable {
    package var name: String
    package var length: Int

    package init(name: String, length: Int) {
        self.name = name
        self.length = length
    }
}

/// A data variable `(station, extra…, time)`: float32 (NaN → `_FillValue`), or byte for flags
/// (no `_FillValue`; every value must fit a signed byte).
package struct DSGVariable: Sendable {
    /// The stored type of a data variable.
    package enum StorageType: Sendable, Equatable {
        case float
        /// Signed byte, e.g. a flag variable with `flag_values` / `flag_meanings`.
        case byte
    }

    package var name: String
    /// Units; empty writes no `units` attribute (flag variables).
    package var units: String
    package var longName: String
    package var standardName: String?
    /// e.g. `time: mean` (requires time bounds in the layout).
    package var cellMethods: String?
    /// Dimensions between `station` and `time` (empty for a plain time series).
    package var extraDimensions: [DSGDimension]
    /// More attributes (`comment`, `source`, …).
    package var attributes: [NetCDFAttribute]
    package var storage: StorageType

    package init(
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
package struct DSGBasinField: Sendable {
    package var name: String
    package var units: String?
    package var longName: String
    /// One value per basin (NaN → missing).
    package var values: [Double]

    package init(name: String, units: String?, longName: String, values: [Double]) {
        self.name = name
        self.units = units
        self.longName = longName
        self.values = values
    }
}

/// A text per time step (e.g. a digest of the day's sources): a char variable
/// `(time, <name>_strlen)`.
package struct DSGTimeText: Sendable {
    package var name: String
    package var longName: String
    /// One text per time step (ASCII).
    package var values: [String]

    package init(name: String, longName: String, values: [String]) {
        self.name = name
        self.longName = longName
        self.values = values
    }
}

/// The CRS of the polygon nodes: a CF grid-mapping variable's attributes.
package struct DSGGeometryCRS: Sendable {
    /// Attributes of the `crs` variable (`grid_mapping_name`, ellipsoid, `crs_wkt`).
    package var attributes: [NetCDFAttribute]
    /// Whether node coordinates are longitude/latitude degrees (else metres).
    package var isGeographic: Bool

    package init(attributes: [NetCDFAttribute], isGeographic: Bool) {
        self.attributes = attributes
        self.isGeographic = isGeographic
    }

    /// WGS 84 longitude/latitude (EPSG:4326), the encoding verified to open in QGIS and GDAL.
    package static let wgs84 = DSGGeometryCRS(
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
package struct BasinSeriesLayout: Sendable {
    package var basins: [DSGBasin]
    /// Time values in ``timeUnits`` (its calendar is written too).
    package var timeUnits: CFTimeUnits
    package var times: [Double]
    /// Optional `[start, end]` per step (written as `time_bnds`; needed with `cell_methods`).
    package var timeBounds: [(Double, Double)]?
    package var variables: [DSGVariable]
    package var basinFields: [DSGBasinField]
    package var geometryCRS: DSGGeometryCRS
    package var title: String
    package var source: String
    package var history: String
    package var references: String
    package var geomapVersion: String
    /// More global attributes (`institution`, `comment`, model name, run id…).
    package var extraAttributes: [NetCDFAttribute]
    /// Whether the time dimension is unlimited (a file that grows by days: the archives of
    /// `geomap predict --basins --archive`).
    package var unlimitedTime = false
    /// Texts per time step, written with the static parts.
    package var timeTexts: [DSGTimeText] = []

    package init(
        basins: [DSGBasin], timeUnits: CFTimeUnits, times: [Double],
        timeBounds: [(Double, Double)]? = nil, variables: [DSGVariable],
        basinFields: [DSGBasinField] = [], geometryCRS: DSGGeometryCRS = .wgs84,
        title: String, source: String, history: String, references: String,
        geomapVersion: String, extraAttributes: [NetCDFAttribute] = []
    ) {
        self.basins = basins
        self.timeUnits = timeUnits
        self.times = times
        self.timeBounds = timeBounds
        self.variables = variables
        self.basinFields = basinFields
        self.geometryCRS = geometryCRS
        self.title = title
        self.source = source
        self.history = history
        self.references = references
        self.geomapVersion = geomapVersion
        self.extraAttributes = extraAttributes
    }
}
