/// An RGBA colour, 0–255 per channel.
package struct RGBA: Sendable, Hashable, Codable {
    package var red: UInt8
    package var green: UInt8
    package var blue: UInt8
    package var alpha: UInt8

    package init(_ red: UInt8, _ green: UInt8, _ blue: UInt8, _ alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// `#rrggbb`, as QGIS styles write colours.
    package var hex: String {
        "#"
            + [red, green, blue].map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
    }
}

/// One class of a class (categorical) band: its pixel value, name and display colour.
package struct RasterClass: Sendable, Hashable, Codable {
    package var value: Int
    package var name: String
    package var color: RGBA

    package init(value: Int, name: String, color: RGBA) {
        self.value = value
        self.name = name
        self.color = color
    }
}

/// What a band of an output raster holds; decides overviews, colour table and style.
package enum BandKind: Sendable, Hashable {
    /// Continuous values (reflectance, elevation…): AVERAGE overviews.
    case continuous
    /// Class labels: NEAREST overviews, colour table, category names, attribute table, a
    /// paletted QGIS style.
    case classes([RasterClass])
    /// Probabilities in [0, `maximum`] (1, or e.g. 100 or 255 for scaled integers):
    /// AVERAGE overviews and a pseudocolour QGIS style.
    case probability(maximum: Double)
}

/// Description of one output band.
package struct BandSpec: Sendable, Hashable {
    /// The band description GIS tools show (e.g. `land_cover`, `p_water`).
    package var description: String
    package var kind: BandKind
    /// The value written for invalid pixels (NaN inputs are replaced by it).
    package var noData: Double?
    /// Band scale and offset (GDAL `GetScale`/`GetOffset`): readers show
    /// `stored · scale + offset`, e.g. scale 1/254 for probabilities stored as 0–254 bytes.
    /// `nil` writes none (1 and 0).
    package var scale: Double?
    package var offset: Double?

    package init(
        description: String, kind: BandKind = .continuous, noData: Double? = nil,
        scale: Double? = nil, offset: Double? = nil
    ) {
        self.description = description
        self.kind = kind
        self.noData = noData
        self.scale = scale
        self.offset = offset
    }

    /// The classes of a class band, empty otherwise.
    package var classes: [RasterClass] {
        if case .classes(let classes) = kind { return classes }
        return []
    }
}
