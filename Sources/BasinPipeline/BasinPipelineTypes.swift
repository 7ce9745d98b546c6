package import BasinInputs
package import Foundation
package import GeoNetCDF
package import GeoVector

// The values passed between the stages of the basin pipeline (`geomap predict --basins`,
// `geomap embed --basins`):
//
//   BasinInputRequest ──BasinInputAssembler──▶ BasinModelInputs ──BasinRunner──▶ BasinPredictions
//                                                                        │
//                                   BasinSeriesWriter (.nc) ◀────────────┴────▶ BasinSummaryGeoPackage (.gpkg)

/// What the basin pipeline is asked to read (the command line's input options).
package struct BasinInputRequest: Sendable {
    /// Basin polygons (any OGR vector format).
    package var basinsPath: String
    package var layer: String?
    /// The field holding basin ids (default: the reader's choice, see `BasinReader`).
    package var idField: String?
    /// `--forcings`, one or more: gridded CF NetCDF (aggregated per basin with exact coverage
    /// weights) or per-basin files (CSV long/wide, CF timeSeries NetCDF). Several files may
    /// give different variables or consecutive periods.
    package var forcingPaths: [String]
    /// `--attributes`: a CSV of static attributes keyed by basin id.
    package var attributesPath: String?
    /// `--static-raster`: static attributes computed from rasters.
    package var staticRasters: [StaticRasterSource]
    /// `--mapping`: user names and units → model variables (default: names are the model's).
    package var mappingPath: String?
    /// First and last day to predict (inclusive). `nil`: the first day that has the model's
    /// warm-up before it in the forcings / the last forcing day.
    package var start: CFDate?
    package var end: CFDate?
    /// Area-weight latitude/longitude cells (as `geomap zonal --area-weighted`).
    package var areaWeighted: Bool
    /// Weights cache directory (`nil`: compute without caching).
    package var cacheDirectory: URL?
    /// `--strict-ranges`: refuse (instead of warning about) inputs far outside the model's
    /// normalisation statistics (``BasinPlausibility``).
    package var strictRanges = false

    /// `--group I --group-size N`: only this group of the basins (``BasinGroup``); `nil`: all.
    package var group: BasinGroup?

    package init(
        basinsPath: String, layer: String? = nil, idField: String? = nil,
        forcingPaths: [String], attributesPath: String? = nil,
        staticRasters: [StaticRasterSource] = [], mappingPath: String? = nil,
        start: CFDate? = nil, end: CFDate? = nil, areaWeighted: Bool = false,
        cacheDirectory: URL? = nil
    ) {
        self.basinsPath = basinsPath
        self.layer = layer
        self.idField = idField
        self.forcingPaths = forcingPaths
        self.attributesPath = attributesPath
        self.staticRasters = staticRasters
        self.mappingPath = mappingPath
        self.start = start
        self.end = end
        self.areaWeighted = areaWeighted
        self.cacheDirectory = cacheDirectory
    }
}

/// One `--static-raster NAME=PATH` (coverage-weighted basin mean of band 1) or
/// `--static-raster NAME=PATH:class=V` (share 0–1 of the basin's covered area in class V).
package struct StaticRasterSource: Sendable, Equatable {
    package enum Statistic: Sendable, Equatable {
        /// Coverage-weighted mean of the valid cells.
        case mean
        /// Share (0–1) of the valid covered area whose value is `classValue`.
        case fraction(classValue: Double)
    }

    /// The attribute's name (a model variable, or a user name mapped by `--mapping`).
    package var name: String
    package var path: String
    package var band: Int
    package var statistic: Statistic

    package init(name: String, path: String, band: Int = 1, statistic: Statistic = .mean) {
        self.name = name
        self.path = path
        self.band = band
        self.statistic = statistic
    }
}

/// Model-ready inputs for every basin of the basin file, over the prediction period plus the
/// model's warm-up. Values are in the model's variables, order and units, NOT normalised;
/// NaN marks a missing value.
package struct BasinModelInputs: Sendable {
    /// The basins as read (in their own CRS), in file order; the writers draw these.
    package var basins: BasinSet
    /// Forcings `[model dynamic variables × basins × days]`; `basinIDs` are `basins`' ids in
    /// order; the days run from `firstOutputDay` days before the prediction start to its end.
    package var forcings: BasinTable
    /// Static attributes `[model static variables × basins]`, same basin order.
    package var attributes: BasinAttributes
    /// Index into `forcings.dates` of the first day to predict (the warm-up days come before).
    package var firstOutputDay: Int
    /// Basins that cannot be predicted and why (basin index → one-line reason, e.g.
    /// "outside the forcing grid", "all forcings missing"); the others are still run.
    package var problems: [Int: String]
    /// Notes for the log (cache use, basins partly outside the grid, …).
    package var messages: [String]

    package init(
        basins: BasinSet, forcings: BasinTable, attributes: BasinAttributes,
        firstOutputDay: Int, problems: [Int: String] = [:], messages: [String] = []
    ) {
        precondition(forcings.basinIDs == basins.basins.map(\.id))
        precondition(attributes.basinIDs == forcings.basinIDs)
        precondition(firstOutputDay >= 0 && firstOutputDay < forcings.dayCount)
        self.basins = basins
        self.forcings = forcings
        self.attributes = attributes
        self.firstOutputDay = firstOutputDay
        self.problems = problems
        self.messages = messages
    }

    /// The prediction period's days.
    package var outputDates: ArraySlice<CFDate> { forcings.dates[firstOutputDay...] }
}

/// A predicted quantity (the model manifest's output variables).
package struct BasinOutputVariable: Sendable, Equatable {
    package var name: String
    package var units: String
    package var longName: String
    package var standardName: String?

    package init(name: String, units: String, longName: String, standardName: String? = nil) {
        self.name = name
        self.units = units
        self.longName = longName
        self.standardName = standardName
    }
}

/// Why a predicted basin-day is missing (the `prediction_flag` variable's values).
package enum BasinDayFlag: UInt8, Sendable, CaseIterable {
    case ok = 0
    /// An input of that day was missing.
    case missingForcing = 1
    /// The basin could not be run at all (see `BasinModelInputs.problems`).
    case basinNotRun = 2
    /// The model ran but its output for that day was NaN or ±Inf (never written as a value).
    case nonFiniteOutput = 3

    /// The basin's status when `count` of its `days` days are flagged ``nonFiniteOutput``
    /// (its GeoPackage `status` and the run's message; the run exits 1).
    package static func nonFiniteStatus(count: Int, days: Int) -> String {
        "model output not finite (NaN or ±Inf) on \(count) of \(days) days, "
            + "flagged non_finite_output"
    }
}

/// Predictions of every basin over the prediction period.
package struct BasinPredictions: Sendable {
    package var basinIDs: [String]
    package var dates: [CFDate]
    package var variables: [BasinOutputVariable]
    /// `[basins × days × variables]`, variable fastest, in the variables' units; NaN where
    /// the flag is not `.ok`.
    package var values: [Float]
    /// `[basins × days]`.
    package var flags: [BasinDayFlag]

    package init(
        basinIDs: [String], dates: [CFDate], variables: [BasinOutputVariable], values: [Float],
        flags: [BasinDayFlag]
    ) {
        precondition(values.count == basinIDs.count * dates.count * variables.count)
        precondition(flags.count == basinIDs.count * dates.count)
        self.basinIDs = basinIDs
        self.dates = dates
        self.variables = variables
        self.values = values
        self.flags = flags
    }

    /// One basin's series of one variable: `[days]`.
    package func series(variable v: Int, basin b: Int) -> [Float] {
        let (days, n) = (dates.count, variables.count)
        return (0..<days).map { values[(b * days + $0) * n + v] }
    }
}
