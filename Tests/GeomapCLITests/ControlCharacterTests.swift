import Foundation
import Models
import Tensor
import TestSupport
import Testing

@Suite("Control bytes from files are escaped on the terminal")
struct ControlCharacterTests {
    @Test("models inspect and list escape a tensor name carrying terminal escapes")
    func inspect() throws {
        let dir = try makeTemporaryDirectory("control-bytes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("evil.safetensors")
        let name = "w\u{1B}]0;pwned\u{7}\u{1B}[2J"
        try SafetensorsWriter.write(
            [(name: name, tensor: Tensor(zeros: [2]))], metadata: [:], to: url)
        for arguments in [["models", "inspect", url.path], ["models", "list"]] {
            let result = try runGeomap(arguments, environment: ["GEOMAP_MODELS": dir.path])
            let output = result.stdout + result.stderr
            #expect(
                !output.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{7}" }, "\(arguments)")
            if arguments[1] == "inspect" {
                #expect(output.contains("w\\u{1B}]0;pwned\\u{7}\\u{1B}[2J"), "\(output)")
            }
        }
    }
}
