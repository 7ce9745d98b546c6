internal import CGDAL
internal import GeoGDAL

/// Colour table with one entry per value up to the largest class (unlisted values transparent).
func setColorTable(_ band: GDALRasterBandH?, classes: [RasterClass], path: String) throws {
    let table = GDALCreateColorTable(GPI_RGB)
    defer { GDALDestroyColorTable(table) }
    let largest = classes.map(\.value).max() ?? 0
    for value in 0...largest {
        let color = classes.first { $0.value == value }?.color ?? RGBA(0, 0, 0, 0)
        var entry = GDALColorEntry(
            c1: Int16(color.red), c2: Int16(color.green), c3: Int16(color.blue),
            c4: Int16(color.alpha))
        GDALSetColorEntry(table, Int32(value), &entry)
    }
    try gdalCheck("GDALSetRasterColorTable", path: path) {
        GDALSetRasterColorTable(band, table)
    }
    try gdalCheck("GDALSetRasterColorInterpretation", path: path) {
        GDALSetRasterColorInterpretation(band, GCI_PaletteIndex)
    }
}

/// Category names indexed by value (unlisted values get an empty name).
func setCategoryNames(_ band: GDALRasterBandH?, classes: [RasterClass], path: String) throws {
    let largest = classes.map(\.value).max() ?? 0
    let names = (0...largest).map { value in classes.first { $0.value == value }?.name ?? "" }
    try withCStringList(names) { list in
        try gdalCheck("GDALSetRasterCategoryNames", path: path) {
            GDALSetRasterCategoryNames(band, list)
        }
    }
}

/// A thematic attribute table with `Value`, `Class_Name`, `Red`, `Green`, `Blue`, `Alpha`
/// columns, one row per class: the form QGIS and ArcGIS read from `.aux.xml`.
func setAttributeTable(_ band: GDALRasterBandH?, classes: [RasterClass], path: String) throws {
    guard let table = GDALCreateRasterAttributeTable() else {
        throw RasterError.invalid(path: path, reason: "GDALCreateRasterAttributeTable failed")
    }
    defer { GDALDestroyRasterAttributeTable(table) }
    let columns: [(String, GDALRATFieldType, GDALRATFieldUsage)] = [
        ("Value", GFT_Integer, GFU_MinMax), ("Class_Name", GFT_String, GFU_Name),
        ("Red", GFT_Integer, GFU_Red), ("Green", GFT_Integer, GFU_Green),
        ("Blue", GFT_Integer, GFU_Blue), ("Alpha", GFT_Integer, GFU_Alpha),
    ]
    for (name, type, usage) in columns {
        try gdalCheck("GDALRATCreateColumn", path: path) {
            GDALRATCreateColumn(table, name, type, usage)
        }
    }
    GDALRATSetTableType(table, GRTT_THEMATIC)
    for (row, item) in classes.enumerated() {
        let r = Int32(row)
        GDALRATSetValueAsInt(table, r, 0, Int32(item.value))
        GDALRATSetValueAsString(table, r, 1, item.name)
        GDALRATSetValueAsInt(table, r, 2, Int32(item.color.red))
        GDALRATSetValueAsInt(table, r, 3, Int32(item.color.green))
        GDALRATSetValueAsInt(table, r, 4, Int32(item.color.blue))
        GDALRATSetValueAsInt(table, r, 5, Int32(item.color.alpha))
    }
    try gdalCheck("GDALSetDefaultRAT", path: path) { GDALSetDefaultRAT(band, table) }
}
