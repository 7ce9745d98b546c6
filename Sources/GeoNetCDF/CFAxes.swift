/// Finding CF coordinate axes from attributes (axis, standard_name, units, positive,
/// `_CoordinateAxisType`), never from variable names.

/// The role of a coordinate variable.
package enum CFAxisRole: String, Sendable {
    case time, latitude, longitude
    case projectionX = "projection_x"
    case projectionY = "projection_y"
    case vertical
}

private let latitudeUnits: Set<String> = [
    "degrees_north", "degree_north", "degree_n", "degrees_n", "degreen", "degreesn",
]
private let longitudeUnits: Set<String> = [
    "degrees_east", "degree_east", "degree_e", "degrees_e", "degreee", "degreese",
]

/// The role CF attributes give a variable, or `nil` when it is not a recognisable axis.
///
/// - Throws: nothing; a time variable without valid units is still recognised (as `.time`) so
///   the caller can report it clearly.
package func cfAxisRole(of variable: NetCDFVariable) -> CFAxisRole? {
    let standardName = variable.text("standard_name")?.lowercased()
    let axis = variable.text("axis")?.uppercased()
    let units = variable.text("units")?.lowercased() ?? ""
    let coordinateType = variable.text("_CoordinateAxisType")?.lowercased()
    switch standardName {
    case "time": return .time
    case "latitude": return .latitude
    case "longitude": return .longitude
    case "projection_x_coordinate", "grid_longitude": return .projectionX
    case "projection_y_coordinate", "grid_latitude": return .projectionY
    default: break
    }
    if latitudeUnits.contains(units) { return .latitude }
    if longitudeUnits.contains(units) { return .longitude }
    switch coordinateType {
    case "time": return .time
    case "lat": return .latitude
    case "lon": return .longitude
    case "geox", "rotlon": return .projectionX
    case "geoy", "rotlat": return .projectionY
    case "height", "pressure", "geoz": return .vertical
    default: break
    }
    switch axis {
    case "T": return .time
    case "X": return units.hasPrefix("degree") ? .longitude : .projectionX
    case "Y": return units.hasPrefix("degree") ? .latitude : .projectionY
    case "Z": return .vertical
    default: break
    }
    if units.contains(" since ") { return .time }
    if variable.text("positive") != nil { return .vertical }
    return nil
}

/// A decoded CF time axis.
package struct CFTimeAxis: Sendable {
    /// The time coordinate variable's name.
    package var variableName: String
    package var units: CFTimeUnits
    /// Values in ``units``, one per time step.
    package var values: [Double]

    package init(variableName: String, units: CFTimeUnits, values: [Double]) {
        self.variableName = variableName
        self.units = units
        self.values = values
    }

    package var calendar: CFCalendar { units.calendar }
    package var count: Int { values.count }

    /// The date of step `index`.
    package func date(at index: Int) -> CFDate { units.date(values[index]) }

    /// All dates (one per step).
    package var dates: [CFDate] { values.map(units.date) }

    /// ISO 8601 texts of the steps `range`, all in one form (as tools downstream need): dates
    /// `YYYY-MM-DD` when every step is at midnight, else date-times `YYYY-MM-DDTHH:MM:SS`.
    package func isoTexts(_ range: Range<Int>) -> [String] {
        let dates = range.map(date(at:))
        return dates.allSatisfy(\.isMidnight)
            ? dates.map(\.dateDescription) : dates.map(\.dateTimeDescription)
    }

    /// The constant step in seconds, or `nil` for fewer than two steps or irregular steps.
    package var stepSeconds: Double? {
        guard values.count >= 2 else { return nil }
        let step = values[1] - values[0]
        for i in 1..<values.count where abs(values[i] - values[i - 1] - step) > 1e-6 * abs(step) {
            return nil
        }
        return step * units.secondsPerUnit
    }

    /// The step as words: `1 day`, `6 hours`, `30 minutes`, `irregular`, `single step`.
    package var stepDescription: String {
        guard values.count >= 2 else { return values.isEmpty ? "empty" : "single step" }
        guard let seconds = stepSeconds else { return "irregular" }
        for (size, word) in [(86400.0, "day"), (3600, "hour"), (60, "minute"), (1, "second")] {
            let n = seconds / size
            if n >= 1, abs(n - n.rounded()) < 1e-9 {
                let count = Int(n.rounded())
                return "\(count) \(word)\(count == 1 ? "" : "s")"
            }
        }
        return "\(seconds) seconds"
    }

    /// The index range of steps whose dates lie in `[from, to]` (inclusive).
    package func indices(from: CFDate, through to: CFDate) -> Range<Int> {
        let dates = self.dates
        let lower = dates.firstIndex { $0 >= from } ?? dates.count
        let upper = dates.lastIndex { $0 <= to }.map { $0 + 1 } ?? 0
        return lower..<max(lower, upper)
    }
}

/// A horizontal grid: 1-D x/y coordinate axes and the CRS.
package struct CFGrid: Sendable {
    package enum Kind: String, Sendable { case geographic, projected }
    package var kind: Kind
    /// Names of the x and y dimensions (and coordinate variables).
    package var xName: String
    package var yName: String
    /// Cell-centre coordinates in CRS units (metres for projected grids, degrees otherwise),
    /// in file order.
    package var x: [Double]
    package var y: [Double]
    package var crs: CFGridCRS?
    /// Machine epsilon of the coarser of the two axis variables' types: `Float.ulpOfOne` when
    /// either is float32 (its values carry float32 rounding), `Double.ulpOfOne` otherwise.
    package var axisEpsilon: Double = Double.ulpOfOne

    package var width: Int { x.count }
    package var height: Int { y.count }

    /// The constant spacing of an axis, or `nil` when irregular (or fewer than two values).
    package static func spacing(_ values: [Double]) -> Double? {
        guard values.count >= 2 else { return nil }
        let step = values[1] - values[0]
        for i in 1..<values.count
        where abs(values[i] - values[i - 1] - step) > 1e-6 * max(abs(step), 1e-12) {
            return nil
        }
        return step
    }

    /// Whether both grids have the same axes (within 1e-9 of a cell) and CRS.
    package func matches(_ other: CFGrid) -> Bool {
        guard kind == other.kind, width == other.width, height == other.height,
            crs?.definition == other.crs?.definition
        else { return false }
        let tolerance = 1e-9 * max(abs(CFGrid.spacing(x) ?? 1), abs(CFGrid.spacing(y) ?? 1))
        return zip(x, other.x).allSatisfy { abs($0 - $1) <= tolerance }
            && zip(y, other.y).allSatisfy { abs($0 - $1) <= tolerance }
    }
}
