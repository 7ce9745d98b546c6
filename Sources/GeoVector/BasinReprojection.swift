package import GeoProjection

extension VectorCRS {
    /// The CRS as GeoProjection's ``CRS`` (from its WKT).
    ///
    /// - Throws: ``VectorError`` when PROJ cannot read the WKT OGR produced.
    package func projection(path: String) throws(VectorError) -> CRS {
        do {
            return try CRS(wkt)
        } catch {
            throw VectorError(path: path, message: "CRS '\(name)' is not usable by PROJ: \(error)")
        }
    }

    /// A description of a GeoProjection ``CRS``.
    package init(_ crs: CRS) {
        self.init(wkt: crs.wkt, epsg: crs.epsgCode, name: crs.name)
    }
}

extension MultiPolygon {
    /// The polygons in the target CRS of `transform` (x = easting/longitude), after densifying
    /// edges so none is longer than `maxSegmentLength` source units (no densifying when `nil`).
    ///
    /// - Returns: `nil` when PROJ cannot transform some node (outside the projection's domain).
    package func transformed(by transform: CoordinateTransform, maxSegmentLength: Double? = nil)
        -> MultiPolygon?
    {
        let source = maxSegmentLength.map { densified(maxSegmentLength: $0) } ?? self
        var xs: [Double] = []
        var ys: [Double] = []
        for polygon in source.polygons {
            for ring in [polygon.exterior] + polygon.holes {
                for point in ring.points {
                    xs.append(point.x)
                    ys.append(point.y)
                }
            }
        }
        let result = transform.transform(x: xs, y: ys)
        guard result.failed.isEmpty else { return nil }
        var index = 0
        func next(_ ring: LinearRing) -> LinearRing {
            let points = ring.points.indices.map { k in
                Point2D(x: result.x[index + k], y: result.y[index + k])
            }
            index += ring.points.count
            return LinearRing(points: points)
        }
        return MultiPolygon(
            polygons: source.polygons.map { polygon in
                let exterior = next(polygon.exterior)
                return Polygon(exterior: exterior, holes: polygon.holes.map(next))
            })
    }
}

extension MultiPolygon {
    /// Most points inserted into one edge by target-unit densifying.
    package static let maxPiecesPerEdge = 4096

    /// The polygons in the target CRS of `transform`, every edge cut into pieces so that none
    /// of their images is longer than `maxTargetSegmentLength` **target** units (e.g. a quarter
    /// of the target grid's cell, in the grid's own units: metres, degrees or rotated degrees).
    ///
    /// Edges are measured after transforming their end points, then cut evenly in the source
    /// CRS into `⌈image length / maxTargetSegmentLength⌉` pieces (at most
    /// ``maxPiecesPerEdge``), so the step follows the target grid whatever the two CRS' units.
    /// - Returns: `nil` when PROJ cannot transform some node (outside the projection's domain).
    package func transformed(by transform: CoordinateTransform, maxTargetSegmentLength: Double)
        -> MultiPolygon?
    {
        precondition(maxTargetSegmentLength > 0, "maxTargetSegmentLength must be positive")
        guard let corners = transformed(by: transform) else { return nil }
        func densify(_ ring: LinearRing, image: LinearRing) -> LinearRing {
            let source = ring.points
            let target = image.points
            guard source.count >= 2 else { return ring }
            var points: [Point2D] = []
            points.reserveCapacity(source.count)
            for i in source.indices {
                let j = (i + 1) % source.count
                let (a, b) = (source[i], source[j])
                let dx = target[j].x - target[i].x
                let dy = target[j].y - target[i].y
                let length = (dx * dx + dy * dy).squareRoot()
                let wanted = (length / maxTargetSegmentLength).rounded(.up)
                let pieces = wanted.isFinite ? Int(min(wanted, Double(Self.maxPiecesPerEdge))) : 1
                points.append(a)
                if pieces > 1 {
                    for k in 1..<pieces {
                        let t = Double(k) / Double(pieces)
                        points.append(Point2D(x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t))
                    }
                }
            }
            return LinearRing(points: points)
        }
        let dense = MultiPolygon(
            polygons: zip(polygons, corners.polygons).map { polygon, image in
                Polygon(
                    exterior: densify(polygon.exterior, image: image.exterior),
                    holes: zip(polygon.holes, image.holes).map(densify))
            })
        return dense.transformed(by: transform)
    }
}

extension BasinSet {
    /// The set reprojected to `target` with PROJ (axis order normalised: x = easting/longitude).
    ///
    /// - Parameters:
    ///   - target: the CRS wanted (e.g. the forcing grid's).
    ///   - maxSegmentLength: densify edges first so none is longer than this, in the units of
    ///     the basins' current CRS (e.g. a fraction of the target grid cell, converted); `nil`
    ///     leaves edges as they are.
    /// - Throws: ``VectorError`` when the CRS is unusable or a basin has nodes PROJ cannot
    ///   transform (the error names the basin).
    ///   - maxTargetSegmentLength: instead, cut edges so that none of their images is longer
    ///     than this in the **target** CRS's units (see
    ///     ``MultiPolygon/transformed(by:maxTargetSegmentLength:)``).
    package func reprojected(
        to target: CRS, maxSegmentLength: Double? = nil, maxTargetSegmentLength: Double? = nil
    )
        throws(VectorError) -> BasinSet
    {
        let source = try crs.projection(path: path)
        let transform: CoordinateTransform
        do {
            transform = try CoordinateTransform(from: source, to: target)
        } catch {
            throw VectorError(path: path, message: "no transformation to \(target): \(error)")
        }
        var result = self
        for index in result.basins.indices {
            let geometry = basins[index].geometry
            guard
                let moved = maxTargetSegmentLength.map({
                    geometry.transformed(by: transform, maxTargetSegmentLength: $0)
                }) ?? geometry.transformed(by: transform, maxSegmentLength: maxSegmentLength)
            else {
                throw VectorError(
                    path: path,
                    message: "basin \(basins[index].id) cannot be transformed to "
                        + "\(target.identifier) (nodes outside the projection's domain)")
            }
            result.basins[index].geometry = moved
        }
        result.crs = VectorCRS(target)
        return result
    }
}
