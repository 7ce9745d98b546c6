internal import CGDAL
internal import GeoGDAL
package import GeoProjection

/// A raster opened through GDAL: its grid, band facts, and windowed reads.
///
/// Owns one ``GeoGDAL/GDALDataset``; like it, not Sendable: open one `Raster` per task.
package struct Raster: ~Copyable {
    let dataset: GDALDataset
    /// The path the raster was opened from.
    package var path: String { dataset.path }
    /// Size, geotransform and CRS.
    package let grid: RasterGrid
    /// Facts about every band, in band order (index 0 is band 1).
    package let bands: [BandInfo]
    /// Whether the file carries a geotransform (else the identity was assumed).
    package let hasGeoTransform: Bool
    let datasetMetadata: [String: String]

    /// Opens `path` as a raster.
    ///
    /// - Throws: ``GeoGDAL/GDALError`` when GDAL cannot open it, ``RasterError`` when it opens
    ///   but has no raster bands, or ``GeoProjection/PROJError`` for a CRS PROJ rejects.
    package init(opening path: String) throws {
        let dataset = try GDALDataset(opening: path, kind: .raster)
        let facts = try Raster.checkedFacts(dataset.handle, path: path)
        self.init(dataset: dataset, facts: facts)
    }

    /// Wraps a dataset GDAL just created or opened (warp outputs, in-memory rasters).
    init(dataset: consuming GDALDataset) throws {
        let facts = try Raster.checkedFacts(dataset.handle, path: dataset.path)
        self.init(dataset: dataset, facts: facts)
    }

    private init(dataset: consuming GDALDataset, facts: Facts) {
        self.dataset = dataset
        grid = facts.grid
        bands = facts.bands
        hasGeoTransform = facts.hasGT
        datasetMetadata = facts.metadata
    }

    typealias Facts = (
        grid: RasterGrid, bands: [BandInfo], hasGT: Bool, metadata: [String: String]
    )

    /// Gathers the facts under GDAL's error handler: a file whose header cannot be read in
    /// full (libtiff "IO error during reading") is reported as damaged, not half-described.
    static func checkedFacts(_ handle: GDALDatasetH, path: String) throws -> Facts {
        let (result, warnings) = try withGDALErrorsAndWarnings("GDALGetMetadata", path: path) {
            () -> Result<Facts, Error>? in
            Result { try facts(handle, path: path) }
        }
        if let damage = warnings.first(where: { $0.contains("IO error") }) {
            throw RasterError.invalid(
                path: path, reason: "the file is truncated or damaged: \(damage)")
        }
        return try result.get()
    }

    static func facts(_ handle: GDALDatasetH, path: String) throws -> Facts {
        let count = Int(GDALGetRasterCount(handle))
        guard count > 0 else {
            throw RasterError.invalid(path: path, reason: "the file has no raster bands")
        }
        var coefficients = [Double](repeating: 0, count: 6)
        let hasGT = GDALGetGeoTransform(handle, &coefficients) == CE_None
        if !hasGT { coefficients = [0, 1, 0, 0, 0, 1] }
        let grid = RasterGrid(
            width: Int(GDALGetRasterXSize(handle)), height: Int(GDALGetRasterYSize(handle)),
            geoTransform: GeoTransform(coefficients), crs: try Raster.readCRS(handle, path: path))
        let bands = (1...count).map { Raster.bandInfo(handle, index: $0) }
        return (grid, bands, hasGT, keyValues(GDALGetMetadata(handle, nil)))
    }

    /// The grid's CRS, or a clear error naming `operation` when the raster has none.
    package func requireCRS(for operation: String) throws(RasterError) -> CRS {
        guard let crs = grid.crs else {
            throw RasterError.missingCRS(path: path, operation: operation)
        }
        return crs
    }

    /// Dataset metadata in `domain` (`""` is the default domain, `IMAGE_STRUCTURE`, …).
    package func metadata(domain: String = "") -> [String: String] {
        keyValues(GDALGetMetadata(dataset.handle, domain))
    }

    /// The acquisition date the file records (`ACQUISITIONDATE`, `TIFFTAG_DATETIME`, …; see
    /// ``RecordedDate``), as written, when there is one.
    package var recordedDate: String? { RecordedDate.find(in: datasetMetadata)?.value }

    /// The number of ground control points (GCPs) the file carries.
    package var groundControlPointCount: Int { Int(GDALGetGCPCount(dataset.handle)) }

    /// Whether the raster is placed only by GCPs that have a CRS: no geotransform, at least
    /// three GCPs (GDAL's warper fits a polynomial to them). Such a raster must be warped;
    /// its ``grid`` is pixel space.
    package var isGCPGeoreferenced: Bool {
        !hasGeoTransform && groundControlPointCount >= 3
            && GDALGetGCPSpatialRef(dataset.handle) != nil
    }

    /// The GDAL driver's short name, e.g. `GTiff`.
    package var driverName: String {
        GDALGetDriverShortName(GDALGetDatasetDriver(dataset.handle)).map { String(cString: $0) }
            ?? "unknown"
    }
}

extension Raster {
    static func readCRS(_ handle: GDALDatasetH, path: String) throws -> CRS? {
        guard let srs = GDALGetSpatialRef(handle) else { return nil }
        var wkt: UnsafeMutablePointer<CChar>?
        let status = withCStringList(["FORMAT=WKT2_2019"]) {
            OSRExportToWktEx(srs, &wkt, constList($0))
        }
        defer { VSIFree(wkt) }
        guard status == OGRERR_NONE, let wkt else {
            throw RasterError.invalid(path: path, reason: "cannot export the CRS as WKT")
        }
        do {
            return try CRS(String(cString: wkt))
        } catch {
            throw RasterError.invalid(path: path, reason: "the CRS is not usable: \(error)")
        }
    }

    static func bandInfo(_ dataset: GDALDatasetH, index: Int) -> BandInfo {
        let band = GDALGetRasterBand(dataset, Int32(index))
        var hasNoData: Int32 = 0
        let noData = GDALGetRasterNoDataValue(band, &hasNoData)
        var hasScale: Int32 = 0
        var hasOffset: Int32 = 0
        let scale = GDALGetRasterScale(band, &hasScale)
        let offset = GDALGetRasterOffset(band, &hasOffset)
        var blockX: Int32 = 0
        var blockY: Int32 = 0
        GDALGetBlockSize(band, &blockX, &blockY)
        let maskFlags = GDALGetMaskFlags(band)
        let colorTable = GDALGetRasterColorTable(band)
        return BandInfo(
            index: index, dataType: RasterDataType(gdal: GDALGetRasterDataType(band)),
            noData: hasNoData != 0 ? noData : nil,
            scale: hasScale != 0 ? scale : 1, offset: hasOffset != 0 ? offset : 0,
            description: GDALGetDescription(band).map { String(cString: $0) } ?? "",
            colorInterpretation: GDALGetColorInterpretationName(
                GDALGetRasterColorInterpretation(band)
            ).map { String(cString: $0) } ?? "Undefined",
            blockWidth: Int(blockX), blockHeight: Int(blockY),
            hasMaskBand: maskFlags & (GMF_ALL_VALID | GMF_NODATA) == 0,
            categoryNames: stringList(GDALGetRasterCategoryNames(band)),
            colorTableCount: colorTable.map { Int(GDALGetColorEntryCount($0)) } ?? 0,
            unit: GDALGetRasterUnitType(band).map { String(cString: $0) } ?? "",
            metadata: keyValues(GDALGetMetadata(band, nil)))
    }
}
