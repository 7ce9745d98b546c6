import Foundation

/// The units the basin pipeline knows and the only conversions it makes between them:
/// `model = source × factor + offset`, exact factors, declared by the user's mapping file.
package enum BasinUnit: String, Sendable, CaseIterable, CustomStringConvertible {
    case kelvin = "K"
    case celsius = "degC"
    case mmPerDay = "mm/day"
    case mPerDay = "m/day"
    /// kg m-2 day-1 (water: 1 kg m-2 = 1 mm).
    case kgPerM2PerDay = "kg m-2 day-1"
    case kgPerM2PerSecond = "kg m-2 s-1"
    case wattPerM2 = "W m-2"
    case joulePerM2PerDay = "J m-2 day-1"
    case megajoulePerM2PerDay = "MJ m-2 day-1"
    case percent = "%"
    case fraction = "1"
    /// Streamflow as a volume rate (USGS and CAMELS give cubic feet per second).
    case cubicMetrePerSecond = "m3 s-1"
    case cubicFootPerSecond = "ft3 s-1"
    case litrePerSecond = "l s-1"
    /// Slope as a gradient (CAMELS gives m/km).
    case metrePerKilometre = "m km-1"
    case metrePerMetre = "m m-1"
    /// Pressure (Daymet's vapour pressure is in Pa).
    case pascal = "Pa"
    case hectopascal = "hPa"
    case kilopascal = "kPa"
    /// Duration (Daymet's day length is in s).
    case second = "s"
    case hour = "h"

    package var description: String { rawValue }

    /// Parses a unit string, tolerant of spelling: case of day/d, `/` versus negative
    /// exponents, `^`, `**`, spaces, `.` and `*` separators (`kg m-2 d-1`, `kg/m2/day`,
    /// `mm d-1`, `mm/d`, `°C`, `degrees_Celsius`, `percent`, `fraction`, `-`).
    /// - Returns: nil for a unit outside the table.
    package init?(parsing text: String) {
        guard let unit = BasinUnit.spellings[BasinUnit.normalise(text)] else { return nil }
        self = unit
    }

    /// Canonical spelling key: lower case, exponent form, single spaces between factors.
    package static func normalise(_ text: String) -> String {
        var s = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (from, to) in [("**", ""), ("^", ""), ("·", " "), ("*", " "), (".", " ")] {
            s = s.replacingOccurrences(of: from, with: to)
        }
        // a/b/c → a b-1 c-1 (exponents of the denominators negated)
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        var factors: [String] = []
        for (i, part) in parts.enumerated() {
            for factor in part.split(separator: " ") {
                var f = String(factor)
                if i > 0 {
                    if let last = f.last, last.isNumber {
                        let digits = f.reversed().prefix { $0.isNumber || $0 == "-" }
                        let base = String(f.dropLast(digits.count))
                        let exponent = String(digits.reversed())
                        f =
                            exponent.hasPrefix("-")
                            ? base + String(exponent.dropFirst()) : base + "-" + exponent
                    } else {
                        f += "-1"
                    }
                }
                factors.append(f)
            }
        }
        return factors.map { f in
            // day spellings
            for day in ["days", "day", "d"] where f.hasPrefix(day) {
                let rest = f.dropFirst(day.count)
                if rest.isEmpty || rest.allSatisfy({ $0.isNumber || $0 == "-" }) {
                    return "day" + rest
                }
            }
            return f
        }.joined(separator: " ")
    }

    static let spellings: [String: BasinUnit] = {
        var table: [String: BasinUnit] = [:]
        let names: [BasinUnit: [String]] = [
            .kelvin: ["K", "kelvin", "degK", "degrees_K"],
            .celsius: ["degC", "°C", "C", "celsius", "degrees_Celsius", "deg_C", "degree_Celsius"],
            .mmPerDay: ["mm/day", "mm day-1"],
            .mPerDay: ["m/day", "m day-1"],
            .kgPerM2PerDay: ["kg m-2 day-1", "kg/m2/day", "kg/m^2/day"],
            .kgPerM2PerSecond: ["kg m-2 s-1", "kg/m2/s"],
            .wattPerM2: ["W m-2", "W/m2", "W/m^2"],
            .joulePerM2PerDay: ["J m-2 day-1", "J/m2/day"],
            .megajoulePerM2PerDay: ["MJ m-2 day-1", "MJ/m2/day"],
            .percent: ["%", "percent"],
            .fraction: ["1", "fraction", "-", "0-1"],
            .cubicMetrePerSecond: ["m3/s", "m3 s-1", "m^3/s", "cumecs", "cms"],
            .cubicFootPerSecond: ["ft3/s", "ft3 s-1", "ft^3/s", "cfs", "cusecs"],
            .litrePerSecond: ["l/s", "L/s", "l s-1"],
            .metrePerKilometre: ["m/km", "m km-1"],
            .metrePerMetre: ["m/m", "m m-1"],
            .pascal: ["Pa", "pascal"],
            .hectopascal: ["hPa", "mbar", "millibar"],
            .kilopascal: ["kPa"],
            .second: ["s", "sec", "seconds", "second"],
            .hour: ["h", "hr", "hours", "hour"],
        ]
        for (unit, spellings) in names {
            for s in spellings { table[normalise(s)] = unit }
        }
        return table
    }()

    /// What a unit measures; conversions stay within one kind.
    package enum Kind {
        case temperature, waterFlux, energyFlux, ratio, discharge, gradient, pressure, duration
    }

    package var kind: Kind {
        switch self {
        case .kelvin, .celsius: .temperature
        case .mmPerDay, .mPerDay, .kgPerM2PerDay, .kgPerM2PerSecond: .waterFlux
        case .wattPerM2, .joulePerM2PerDay, .megajoulePerM2PerDay: .energyFlux
        case .percent, .fraction: .ratio
        case .cubicMetrePerSecond, .cubicFootPerSecond, .litrePerSecond: .discharge
        case .metrePerKilometre, .metrePerMetre: .gradient
        case .pascal, .hectopascal, .kilopascal: .pressure
        case .second, .hour: .duration
        }
    }

    /// `base = value × scale + shift` into the kind's base unit (°C, mm/day, W m-2, fraction,
    /// m3 s-1, m m-1, Pa, s). A cubic foot is exactly 0.3048³ m³.
    package var toBase: (scale: Double, shift: Double) {
        switch self {
        case .kelvin: (1, -273.15)
        case .celsius: (1, 0)
        case .mmPerDay, .kgPerM2PerDay: (1, 0)
        case .mPerDay: (1000, 0)
        case .kgPerM2PerSecond: (86_400, 0)
        case .wattPerM2: (1, 0)
        case .joulePerM2PerDay: (1.0 / 86_400, 0)
        case .megajoulePerM2PerDay: (1e6 / 86_400, 0)
        case .percent: (0.01, 0)
        case .fraction: (1, 0)
        case .cubicMetrePerSecond: (1, 0)
        case .cubicFootPerSecond: (0.3048 * 0.3048 * 0.3048, 0)
        case .litrePerSecond: (0.001, 0)
        case .metrePerKilometre: (0.001, 0)
        case .metrePerMetre: (1, 0)
        case .pascal: (1, 0)
        case .hectopascal: (100, 0)
        case .kilopascal: (1000, 0)
        case .second: (1, 0)
        case .hour: (3600, 0)
        }
    }
}

/// `target = source × factor + offset`.
package struct UnitConversion: Sendable, Equatable, CustomStringConvertible {
    package var from: BasinUnit
    package var to: BasinUnit
    package var factor: Double
    package var offset: Double

    package var isIdentity: Bool { factor == 1 && offset == 0 }

    /// The conversion between two units of the same kind, or nil (unconvertible pair).
    package init?(from: BasinUnit, to: BasinUnit) {
        guard from.kind == to.kind else { return nil }
        let a = from.toBase
        let b = to.toBase
        // base = x·a.scale + a.shift; target = (base − b.shift) / b.scale
        self.from = from
        self.to = to
        factor = a.scale / b.scale
        offset = (a.shift - b.shift) / b.scale
    }

    @inline(__always)
    package func apply(_ x: Float) -> Float {
        isIdentity ? x : Float(Double(x) * factor + offset)
    }

    package var description: String { "\(from) → \(to) (×\(factor) + \(offset))" }
}
