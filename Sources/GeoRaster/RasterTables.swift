internal import CGDAL

/// A raster attribute table read back from GDAL: column names and rows of values as text.
package struct AttributeTable: Sendable, Equatable {
    package var columns: [String]
    /// [rows][columns], every value as GDAL formats it.
    package var rows: [[String]]

    /// The values of the column named `name`, or `nil` when there is none.
    package func column(_ name: String) -> [String]? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return rows.map { $0[index] }
    }
}

extension Raster {
    /// The colour table of band `number` (1-based), empty when it has none.
    package func colorTable(band number: Int) throws(RasterError) -> [RGBA] {
        try check(window: grid.fullWindow, bands: [number])
        guard let table = GDALGetRasterColorTable(GDALGetRasterBand(dataset.handle, Int32(number)))
        else { return [] }
        return (0..<GDALGetColorEntryCount(table)).map { index in
            let entry = GDALGetColorEntry(table, index)!.pointee
            return RGBA(UInt8(entry.c1), UInt8(entry.c2), UInt8(entry.c3), UInt8(entry.c4))
        }
    }

    /// The default raster attribute table of band `number`, `nil` when it has none.
    package func attributeTable(band number: Int) throws(RasterError) -> AttributeTable? {
        try check(window: grid.fullWindow, bands: [number])
        guard let table = GDALGetDefaultRAT(GDALGetRasterBand(dataset.handle, Int32(number)))
        else { return nil }
        let columnCount = GDALRATGetColumnCount(table)
        let columns = (0..<columnCount).map { String(cString: GDALRATGetNameOfCol(table, $0)) }
        let rows = (0..<GDALRATGetRowCount(table)).map { row in
            (0..<columnCount).map { String(cString: GDALRATGetValueAsString(table, row, $0)) }
        }
        return AttributeTable(columns: columns, rows: rows)
    }

    /// Number of overview levels of band `number`.
    package func overviewCount(band number: Int) throws(RasterError) -> Int {
        try check(window: grid.fullWindow, bands: [number])
        return Int(GDALGetOverviewCount(GDALGetRasterBand(dataset.handle, Int32(number))))
    }

    /// Values of overview `level` (0 = largest) of band `number`, row-major, as Float32.
    package func readOverview(band number: Int, level: Int) throws -> (
        width: Int, height: Int, values: [Float]
    ) {
        guard level >= 0, level < (try overviewCount(band: number)) else {
            throw RasterError.invalid(path: path, reason: "band \(number) has no overview \(level)")
        }
        let overview = GDALGetOverview(
            GDALGetRasterBand(dataset.handle, Int32(number)),
            Int32(level))
        let width = Int(GDALGetRasterBandXSize(overview))
        let height = Int(GDALGetRasterBandYSize(overview))
        var values = [Float](repeating: 0, count: width * height)
        let sourcePath = path
        try gdalCheckRead(sourcePath) {
            GDALRasterIO(
                overview, GF_Read, 0, 0, Int32(width), Int32(height), &values,
                Int32(width), Int32(height), GDT_Float32, 0, 0)
        }
        return (width, height, values)
    }
}
