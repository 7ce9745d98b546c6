import Foundation
import Testing

@testable import GeoRaster

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("QGIS styles from hostile class names")
struct QGISStyleEscapeTests {
    @Test(
        "class names with control characters and markup give a well-formed .qml",
        arguments: [
            "bell\u{7}", "esc\u{1B}[31mred", "nul\u{0}x", "tab\tnew\nline\r", "a&b<c>\"d\"",
        ]
    )
    func controlCharacters(name: String) throws {
        let classes = [
            RasterClass(value: 0, name: name, color: RGBA(1, 2, 3)),
            RasterClass(value: 1, name: "plain", color: RGBA(4, 5, 6)),
        ]
        let qml = QGISStyle.paletted(classes)
        #expect(!qml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let parser = XMLParser(data: Data(qml.utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError)): \(qml)")
        // What XML can hold comes back as written; the rest is visible as \u{…}.
        if name.hasPrefix("esc") { #expect(qml.contains("esc\\u{1B}[31mred")) }
        if name.hasPrefix("tab") { #expect(qml.contains("tab&#9;new&#10;line&#13;")) }
    }
}
