/// GDAL's affine geotransform: world = origin + column·(a, d) + row·(b, e).
///
/// Coefficients in GDAL order `[originX, pixelWidth, rowRotation, originY, columnRotation,
/// pixelHeight]`; `pixelHeight` is negative for north-up rasters. Pixel coordinates are
/// continuous: (0, 0) is the top-left corner of the top-left pixel, (0.5, 0.5) its centre.
package struct GeoTransform: Sendable, Hashable, Codable {
    /// The six coefficients in GDAL order.
    package var coefficients: [Double]

    package init(_ coefficients: [Double]) {
        precondition(coefficients.count == 6, "a geotransform has 6 coefficients")
        self.coefficients = coefficients
    }

    /// A north-up transform with square or rectangular pixels.
    package init(originX: Double, originY: Double, pixelWidth: Double, pixelHeight: Double) {
        self.init([originX, pixelWidth, 0, originY, 0, -abs(pixelHeight)])
    }

    package var originX: Double { coefficients[0] }
    package var originY: Double { coefficients[3] }
    /// Pixel size along x in CRS units (positive).
    package var pixelWidth: Double { coefficients[1] }
    /// Pixel size along y in CRS units (negative for north-up).
    package var pixelHeight: Double { coefficients[5] }
    /// Whether rows run along x and columns along y (no rotation terms).
    package var isNorthUp: Bool { coefficients[2] == 0 && coefficients[4] == 0 }

    /// World coordinates of continuous pixel position (`column`, `row`).
    package func world(column: Double, row: Double) -> (x: Double, y: Double) {
        let c = coefficients
        return (c[0] + column * c[1] + row * c[2], c[3] + column * c[4] + row * c[5])
    }

    /// Continuous pixel position of world point (`x`, `y`); `nil` for a singular transform.
    package func pixel(x: Double, y: Double) -> (column: Double, row: Double)? {
        let c = coefficients
        let det = c[1] * c[5] - c[2] * c[4]
        guard det != 0 else { return nil }
        let dx = x - c[0]
        let dy = y - c[3]
        return ((dx * c[5] - dy * c[2]) / det, (dy * c[1] - dx * c[4]) / det)
    }
}
