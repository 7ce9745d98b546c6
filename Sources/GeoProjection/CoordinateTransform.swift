internal import CPROJ

/// Points after a transform: x/y arrays plus the indices of the points PROJ could not transform.
package struct TransformedPoints: Sendable, Equatable {
    /// Eastings/longitudes; `nan` where the transform failed.
    package var x: [Double]
    /// Northings/latitudes; `nan` where the transform failed.
    package var y: [Double]
    /// Indices of points that failed (outside the projection's domain, or not finite).
    package var failed: [Int]
}

/// A coordinate operation from one CRS to another, normalised for visualisation: inputs and
/// outputs are always x = easting/longitude, y = northing/latitude, whatever the axis order the
/// CRS defines (EPSG:4326 is latitude first; this type still takes longitude first).
///
/// Owns its own ``ProjContext`` unless given one, so build one per task; it is not Sendable.
package final class CoordinateTransform {
    /// The CRS coordinates come from.
    package let source: CRS
    /// The CRS coordinates go to.
    package let target: CRS
    private let operation: PJObject
    private var context: ProjContext { operation.context }

    /// Builds the best operation PROJ knows from `source` to `target`.
    ///
    /// - Throws: ``PROJError`` naming `proj_create_crs_to_crs_from_pj` when there is none.
    package init(from source: CRS, to target: CRS, context: ProjContext = ProjContext())
        throws(PROJError)
    {
        self.source = source
        self.target = target
        let src = try source.makeObject(in: context)
        let dst = try target.makeObject(in: context)
        let subject = "\(source.identifier) → \(target.identifier)"
        let raw = try context.call("proj_create_crs_to_crs_from_pj", subject: subject) { ctx in
            proj_create_crs_to_crs_from_pj(ctx, src.handle, dst.handle, nil, nil)
        }
        let rawObject = PJObject(taking: raw, context: context)
        let normalised = try context.call("proj_normalize_for_visualization", subject: subject) {
            ctx in proj_normalize_for_visualization(ctx, rawObject.handle)
        }
        operation = PJObject(taking: normalised, context: context)
    }

    /// Transforms one point.
    ///
    /// - Throws: ``PROJError`` naming `proj_trans` when the point cannot be transformed.
    package func transform(x: Double, y: Double, inverse: Bool = false) throws(PROJError)
        -> (x: Double, y: Double)
    {
        let result = transform(x: [x], y: [y], inverse: inverse)
        guard result.failed.isEmpty else {
            throw PROJError(
                function: "proj_trans",
                message: context.takeMessage() ?? "point (\(x), \(y)) cannot be transformed",
                subject: "\(source.identifier) → \(target.identifier)")
        }
        return (result.x[0], result.y[0])
    }

    /// Transforms arrays of points in place through `proj_trans_generic`.
    ///
    /// - Parameters:
    ///   - x: eastings/longitudes, [n].
    ///   - y: northings/latitudes, [n] (same count as `x`).
    ///   - inverse: transform from `target` to `source`.
    /// - Returns: the transformed points; failed ones are `nan` and listed in `failed`.
    package func transform(x: [Double], y: [Double], inverse: Bool = false) -> TransformedPoints {
        precondition(x.count == y.count, "x and y must have the same count")
        var xs = x
        var ys = y
        let stride = MemoryLayout<Double>.stride
        let direction = inverse ? PJ_INV : PJ_FWD
        proj_errno_reset(operation.handle)
        xs.withUnsafeMutableBufferPointer { xb in
            ys.withUnsafeMutableBufferPointer { yb in
                _ = proj_trans_generic(
                    operation.handle, direction, xb.baseAddress, stride, xb.count,
                    yb.baseAddress, stride, yb.count, nil, 0, 0, nil, 0, 0)
            }
        }
        proj_errno_reset(operation.handle)
        var failed: [Int] = []
        for index in xs.indices where !(xs[index].isFinite && ys[index].isFinite) {
            failed.append(index)
            xs[index] = .nan
            ys[index] = .nan
        }
        return TransformedPoints(x: xs, y: ys, failed: failed)
    }

    /// Transforms a rectangle, densifying each edge with `densifyPoints` points so curved edges
    /// are covered (`proj_trans_bounds`). A result crossing the antimeridian has `minX > maxX`.
    ///
    /// - Throws: ``PROJError`` naming `proj_trans_bounds` when the rectangle cannot be
    ///   transformed.
    package func transformBounds(_ bounds: Bounds, densifyPoints: Int = 21, inverse: Bool = false)
        throws(PROJError) -> Bounds
    {
        var out = Bounds(minX: 0, minY: 0, maxX: 0, maxY: 0)
        let op = operation.handle
        let direction = inverse ? PJ_INV : PJ_FWD
        _ = try context.call("proj_trans_bounds", subject: "\(bounds)") { ctx -> Bool? in
            proj_trans_bounds(
                ctx, op, direction, bounds.minX, bounds.minY, bounds.maxX, bounds.maxY,
                &out.minX, &out.minY, &out.maxX, &out.maxY, Int32(densifyPoints)) != 0
                ? true : nil
        }
        return out
    }
}
