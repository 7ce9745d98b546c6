import GeoProjection

extension RasterInfoReport {
    /// The compact text form of the report.
    var text: String {
        var lines = [
            "File: \(path)",
            "Kind: raster (\(driver))",
            "Size: \(width) × \(height) pixels, \(bandCount) band\(bandCount == 1 ? "" : "s")",
        ]
        if let crs {
            let code = crs.epsg.map { "EPSG:\($0)" } ?? "no EPSG code"
            lines.append("CRS: \(code) (\(crs.name)), unit \(crs.unit)")
        } else {
            lines.append("CRS: none")
        }
        if let geoTransform {
            let values = geoTransform.map { format($0) }.joined(separator: ", ")
            lines.append("Geotransform: [\(values)]")
        } else {
            lines.append("Geotransform: none")
        }
        if boundsKind == "cell_edges" {
            lines.append("Bounds (cell edges): \(describe(bounds))")
        } else {
            let gcps = gcpCount > 0 ? "; \(gcpCount) GCPs place it" : ""
            lines.append("Bounds (pixel space, no geotransform\(gcps)): \(describe(bounds))")
        }
        if let lonLatBounds {
            lines.append("Bounds (lon/lat): \(describe(lonLatBounds))")
        } else if let lonLatProblem, crs != nil, boundsKind == "cell_edges" {
            lines.append("Bounds (lon/lat): unknown, \(lonLatProblem)")
        }
        if let date { lines.append("Date: \(date)") }
        lines.append("Bands:")
        lines += bands.map(describe)
        return lines.joined(separator: "\n")
    }

    private func describe(_ band: BandReport) -> String {
        var parts = ["  \(band.index): \(band.dataType)"]
        parts.append("nodata=\(band.noData.map(format) ?? "none")")
        parts.append("scale=\(format(band.scale)) offset=\(format(band.offset))")
        parts.append("block=\(band.blockWidth)×\(band.blockHeight)")
        parts.append("colour=\(band.colorInterpretation)")
        if band.maskBand { parts.append("mask band") }
        if !band.description.isEmpty { parts.append("\"\(band.description)\"") }
        if !band.categories.isEmpty {
            let named = band.categories.enumerated().filter { !$0.element.isEmpty }
            parts.append(
                "classes: "
                    + named.map { "\($0.offset)=\($0.element)" }
                    .joined(separator: ", "))
        }
        return parts.joined(separator: " ")
    }

    private func describe(_ bounds: Bounds) -> String {
        "x \(format(bounds.minX)) … \(format(bounds.maxX)), "
            + "y \(format(bounds.minY)) … \(format(bounds.maxY))"
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
