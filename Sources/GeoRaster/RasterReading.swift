internal import CGDAL
internal import GeoGDAL

extension Raster {
    /// Reads `bands` over `window` into Float32 with a validity mask, applying scale/offset.
    ///
    /// - Parameters:
    ///   - window: the pixels to read; must lie within the raster.
    ///   - bands: 1-based band numbers; `nil` reads every band.
    ///   - applyScale: apply each band's scale/offset (`false` keeps the stored values, e.g.
    ///     to copy them unchanged).
    /// - Returns: a ``RasterBlock`` of [bands][window.height][window.width].
    /// - Throws: ``RasterError/windowOutside(path:window:width:height:)``,
    ///   ``RasterError/bandOutOfRange(path:band:bandCount:)``, or the ``GDALError`` of a failed
    ///   read.
    package func read(window: PixelWindow, bands: [Int]? = nil, applyScale: Bool = true) throws
        -> RasterBlock
    {
        let numbers = bands ?? Array(1...self.bands.count)
        try check(window: window, bands: numbers)
        let plane = window.count
        var values = [Float](repeating: 0, count: plane * numbers.count)
        var valid = [Bool](repeating: true, count: plane * numbers.count)
        for (slot, number) in numbers.enumerated() {
            let range = slot * plane..<(slot + 1) * plane
            try values.withUnsafeMutableBufferPointer { buffer in
                try readBand(
                    number, window: window,
                    into: UnsafeMutableBufferPointer(
                        rebasing: buffer[range]))
            }
            try valid.withUnsafeMutableBufferPointer { mask in
                try fillMask(
                    band: number, window: window,
                    values: values[range], into: UnsafeMutableBufferPointer(rebasing: mask[range]))
            }
            if applyScale {
                scale(self.bands[number - 1], values: &values, valid: valid, range: range)
            }
        }
        return RasterBlock(window: window, bands: numbers, values: values, valid: valid)
    }

    func check(window: PixelWindow, bands numbers: [Int]) throws(RasterError) {
        guard window.fits(width: grid.width, height: grid.height) else {
            throw RasterError.windowOutside(
                path: path, window: window, width: grid.width, height: grid.height)
        }
        for number in numbers where !(1...bands.count).contains(number) {
            throw RasterError.bandOutOfRange(path: path, band: number, bandCount: bands.count)
        }
    }

    private func readBand(
        _ number: Int, window: PixelWindow, into buffer: UnsafeMutableBufferPointer<Float>
    ) throws(GDALError) {
        let band = GDALGetRasterBand(dataset.handle, Int32(number))
        try gdalCheck("GDALRasterIO", path: path) {
            GDALRasterIO(
                band, GF_Read, Int32(window.x), Int32(window.y), Int32(window.width),
                Int32(window.height), buffer.baseAddress, Int32(window.width),
                Int32(window.height), GDT_Float32, 0, 0)
        }
    }

    /// Marks pixels invalid from nodata, NaN, ±Inf, magnitudes beyond
    /// ``RasterBlock/magnitudeLimit`` and (when there is one) the GDAL mask band.
    private func fillMask(
        band number: Int, window: PixelWindow, values: ArraySlice<Float>,
        into mask: UnsafeMutableBufferPointer<Bool>
    ) throws(GDALError) {
        let info = bands[number - 1]
        let noData = info.noData.map { Float($0) }
        for (offset, value) in values.enumerated() {
            let physical =
                value >= -RasterBlock.magnitudeLimit && value <= RasterBlock.magnitudeLimit
            mask[offset] = physical && value != noData
        }
        guard info.hasMaskBand else { return }
        var bytes = [UInt8](repeating: 0, count: window.count)
        let maskBand = GDALGetMaskBand(GDALGetRasterBand(dataset.handle, Int32(number)))
        try gdalCheck("GDALRasterIO(mask)", path: path) {
            GDALRasterIO(
                maskBand, GF_Read, Int32(window.x), Int32(window.y), Int32(window.width),
                Int32(window.height), &bytes, Int32(window.width), Int32(window.height), GDT_Byte,
                0, 0)
        }
        for index in 0..<window.count where bytes[index] == 0 { mask[index] = false }
    }

    private func scale(
        _ info: BandInfo, values: inout [Float], valid: [Bool], range: Range<Int>
    ) {
        guard info.isScaled else { return }
        let scale = Float(info.scale)
        let offset = Float(info.offset)
        for index in range where valid[index] { values[index] = values[index] * scale + offset }
    }
}

extension Raster {
    /// Reads a pixel from the first and the last block of every band, so a file cut short
    /// fails here with GDAL's reason instead of later, mid-run.
    package func checkReadable() throws {
        let first = PixelWindow(x: 0, y: 0, width: 1, height: 1)
        let last = PixelWindow(x: grid.width - 1, y: grid.height - 1, width: 1, height: 1)
        _ = try read(window: first)
        _ = try read(window: last)
    }
}
