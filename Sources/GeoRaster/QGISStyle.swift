/// QGIS layer styles (`.qml`) so class and probability rasters look right on first open.
enum QGISStyle {
    /// The style for band 1 of a raster with `bands`, or `nil` for continuous rasters.
    static func document(for bands: [BandSpec]) -> String? {
        guard let first = bands.first else { return nil }
        switch first.kind {
        case .classes(let classes): return paletted(classes)
        case .probability(let maximum): return pseudocolor(maximum: maximum)
        case .continuous: return nil
        }
    }

    static func paletted(_ classes: [RasterClass]) -> String {
        let entries = classes.map { item in
            "        <paletteEntry value=\"\(item.value)\" color=\"\(item.color.hex)\" "
                + "alpha=\"\(item.color.alpha)\" label=\"\(escape(item.name))\"/>"
        }
        return wrap(
            """
                <rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1" \
            nodataColor="">
                  <colorPalette>
            \(entries.joined(separator: "\n"))
                  </colorPalette>
                </rasterrenderer>
            """)
    }

    /// Viridis-like ramp from 0 to `maximum`.
    static func pseudocolor(maximum: Double) -> String {
        let stops: [(Double, String)] = [
            (0, "#440154"), (0.25, "#3b528b"), (0.5, "#21918c"), (0.75, "#5ec962"),
            (1, "#fde725"),
        ]
        let items = stops.map { fraction, color in
            let value = fraction * maximum
            return "            <item value=\"\(value)\" color=\"\(color)\" alpha=\"255\" "
                + "label=\"\(value)\"/>"
        }
        return wrap(
            """
                <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" \
            alphaBand="-1" classificationMin="0" classificationMax="\(maximum)">
                  <rastershader>
                    <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" \
            clip="0" minimumValue="0" maximumValue="\(maximum)">
            \(items.joined(separator: "\n"))
                    </colorrampshader>
                  </rastershader>
                </rasterrenderer>
            """)
    }

    private static func wrap(_ renderer: String) -> String {
        """
        <!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
        <qgis version="3.28.0" styleCategories="AllStyleCategories">
          <pipe>
        \(renderer)
          </pipe>
        </qgis>

        """
    }

    /// `text` as XML character data or an attribute value: markup characters as entities,
    /// tab / newline / carriage return as character references, and the other control
    /// characters (which XML 1.0 forbids even as references) as the visible text `\u{1B}`, so
    /// a class name from a model file always gives a well-formed `.qml`.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\t", "\n", "\r": result += "&#\(scalar.value);"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF {
                    result += "\\u{\(String(v, radix: 16, uppercase: true))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
