package import GeoProjection

/// A raster's georeferencing: size in pixels, geotransform and CRS.
package struct RasterGrid: Sendable {
    /// Columns.
    package var width: Int
    /// Rows.
    package var height: Int
    /// Pixel → world mapping.
    package var geoTransform: GeoTransform
    /// The CRS of world coordinates; `nil` when the raster has none.
    package var crs: CRS?

    package init(width: Int, height: Int, geoTransform: GeoTransform, crs: CRS?) {
        self.width = width
        self.height = height
        self.geoTransform = geoTransform
        self.crs = crs
    }

    /// A north-up grid covering `bounds` with square pixels of `resolution` CRS units; the size
    /// is rounded up so the whole of `bounds` is covered, anchored at the top-left corner
    /// (`minX`, `maxY`), so the grid may reach past `minY` and `maxX` by less than a pixel.
    package init(bounds: Bounds, resolution: Double, crs: CRS?) {
        let width = max(1, Int((bounds.width / resolution - 1e-9).rounded(.up)))
        let height = max(1, Int((bounds.height / resolution - 1e-9).rounded(.up)))
        self.init(
            width: width, height: height,
            geoTransform: GeoTransform(
                originX: bounds.minX, originY: bounds.maxY, pixelWidth: resolution,
                pixelHeight: resolution),
            crs: crs)
    }

    /// World coordinates of continuous pixel position (`column`, `row`).
    package func world(column: Double, row: Double) -> (x: Double, y: Double) {
        geoTransform.world(column: column, row: row)
    }

    /// World coordinates of the centre of pixel (`column`, `row`).
    package func pixelCentre(column: Int, row: Int) -> (x: Double, y: Double) {
        world(column: Double(column) + 0.5, row: Double(row) + 0.5)
    }

    /// Continuous pixel position of a world point; `nil` for a singular geotransform.
    package func pixel(x: Double, y: Double) -> (column: Double, row: Double)? {
        geoTransform.pixel(x: x, y: y)
    }

    /// The whole raster as a window.
    package var fullWindow: PixelWindow { PixelWindow(x: 0, y: 0, width: width, height: height) }

    /// Bounds of the four corners in the grid's CRS.
    package var bounds: Bounds { bounds(of: fullWindow) }

    /// Bounds of `window`'s corners in the grid's CRS.
    package func bounds(of window: PixelWindow) -> Bounds {
        let corners = [
            world(column: Double(window.x), row: Double(window.y)),
            world(column: Double(window.x + window.width), row: Double(window.y)),
            world(column: Double(window.x), row: Double(window.y + window.height)),
            world(column: Double(window.x + window.width), row: Double(window.y + window.height)),
        ]
        return Bounds(
            minX: corners.map(\.x).min()!, minY: corners.map(\.y).min()!,
            maxX: corners.map(\.x).max()!, maxY: corners.map(\.y).max()!)
    }

    /// The sub-grid of `window` (same CRS and pixel size, shifted origin).
    package func subgrid(_ window: PixelWindow) -> RasterGrid {
        var c = geoTransform.coefficients
        let origin = world(column: Double(window.x), row: Double(window.y))
        c[0] = origin.x
        c[3] = origin.y
        return RasterGrid(
            width: window.width, height: window.height, geoTransform: GeoTransform(c), crs: crs)
    }

    /// Bounds in longitude/latitude (EPSG:4326, x = longitude), edges densified.
    ///
    /// - Throws: ``RasterError/missingCRS(path:operation:)`` without a CRS, ``PROJError`` when
    ///   PROJ cannot transform the bounds.
    package func lonLatBounds(path: String = "raster", densifyPoints: Int = 21) throws -> Bounds {
        guard let crs else {
            throw RasterError.missingCRS(path: path, operation: "longitude/latitude bounds")
        }
        let transform = try CoordinateTransform(from: crs, to: CRS.wgs84)
        return try transform.transformBounds(bounds, densifyPoints: densifyPoints)
    }
}
