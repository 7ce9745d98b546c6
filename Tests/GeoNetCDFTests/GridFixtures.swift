import Foundation
import GeoNetCDF
import TestSupport

/// Builds small CF grid files for the tests through GeoNetCDF's own define/write calls.
enum GridFixture {
    /// The order of the data variable's dimensions.
    enum Order { case timeLatLon, latLonTime, lonTimeLat }

    struct Axis {
        var name: String
        var values: [Double]
        var attributes: [NetCDFAttribute]
    }

    /// Writes a file with a time axis, two horizontal axes and variables given as functions of
    /// (t, y, x) indices. Returns the path.
    static func write(
        _ path: String, time: Axis?, x: Axis, y: Axis, order: Order = .timeLatLon,
        variables: [(
            name: String, type: NetCDFType, attributes: [NetCDFAttribute],
            value: (Int, Int, Int) -> Double
        )],
        extraVariables: [(name: String, attributes: [NetCDFAttribute])] = [],
        chunkTime: Int? = nil, deflate: Bool = true
    ) throws {
        let file = try NetCDFFile(creatingClassicModel: path)
        var dims: [String: Int32] = [:]
        var ids: [String: Int32] = [:]
        for axis in [time, y, x].compactMap({ $0 }) {
            let dim = try file.defineDimension(axis.name, length: axis.values.count)
            dims[axis.name] = dim
            let id = try file.defineVariable(axis.name, type: .double, dimensions: [dim])
            for attribute in axis.attributes { try file.putAttribute(attribute, on: id) }
            ids[axis.name] = id
        }
        let t = time.map { dims[$0.name]! }
        let yd = dims[y.name]!
        let xd = dims[x.name]!
        let orderIDs: [Int32]
        switch order {
        case .timeLatLon: orderIDs = (t.map { [$0] } ?? []) + [yd, xd]
        case .latLonTime: orderIDs = [yd, xd] + (t.map { [$0] } ?? [])
        case .lonTimeLat: orderIDs = [xd] + (t.map { [$0] } ?? []) + [yd]
        }
        for v in variables {
            let id = try file.defineVariable(v.name, type: v.type, dimensions: orderIDs)
            for attribute in v.attributes { try file.putAttribute(attribute, on: id) }
            ids[v.name] = id
            if let chunkTime, let t {
                let chunks = orderIDs.map { d -> Int in
                    if d == t { return chunkTime }
                    return d == yd ? y.values.count : x.values.count
                }
                if deflate {
                    try file.setChunkingAndDeflate(id, chunks: chunks)
                } else {
                    try file.setChunking(id, chunks: chunks)
                }
            }
        }
        for extra in extraVariables {
            let id = try file.defineVariable(extra.name, type: .int, dimensions: [])
            for attribute in extra.attributes { try file.putAttribute(attribute, on: id) }
        }
        try file.putAttribute(.text("Conventions", "CF-1.8"), on: nil)
        try file.endDefinitions()
        for axis in [time, y, x].compactMap({ $0 }) {
            try file.write(
                axis.values, to: ids[axis.name]!, start: [0],
                count: [axis.values.count])
        }
        let nt = time?.values.count ?? 1
        let ny = y.values.count
        let nx = x.values.count
        for v in variables {
            var values: [Double] = []
            var shape: [Int] = []
            switch order {
            case .timeLatLon:
                shape = (time == nil ? [] : [nt]) + [ny, nx]
                for ti in 0..<nt {
                    for yi in 0..<ny {
                        for xi in 0..<nx {
                            values.append(v.value(ti, yi, xi))
                        }
                    }
                }
            case .latLonTime:
                shape = [ny, nx] + (time == nil ? [] : [nt])
                for yi in 0..<ny {
                    for xi in 0..<nx {
                        for ti in 0..<nt {
                            values.append(v.value(ti, yi, xi))
                        }
                    }
                }
            case .lonTimeLat:
                shape = [nx] + (time == nil ? [] : [nt]) + [ny]
                for xi in 0..<nx {
                    for ti in 0..<nt {
                        for yi in 0..<ny {
                            values.append(v.value(ti, yi, xi))
                        }
                    }
                }
            }
            try file.write(values, to: ids[v.name]!, start: shape.map { _ in 0 }, count: shape)
        }
        try file.close()
    }

    static func time(
        _ values: [Double], units: String? = "days since 2000-01-01",
        calendar: String? = nil, standardName: Bool = true
    ) -> Axis {
        var attributes: [NetCDFAttribute] = []
        if standardName { attributes.append(.text("standard_name", "time")) }
        if let units { attributes.append(.text("units", units)) }
        if let calendar { attributes.append(.text("calendar", calendar)) }
        return Axis(name: "time", values: values, attributes: attributes)
    }

    /// Latitude/longitude axes named unhelpfully, recognised by their units only.
    static func latitude(_ values: [Double], name: String = "southnorth") -> Axis {
        Axis(name: name, values: values, attributes: [.text("units", "degrees_north")])
    }

    static func longitude(_ values: [Double], name: String = "westeast") -> Axis {
        Axis(name: name, values: values, attributes: [.text("units", "degrees_east")])
    }
}
