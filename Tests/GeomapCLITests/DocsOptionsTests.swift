import Foundation
import TestSupport
import Testing

/// The docs page(s) of each command; an option must appear in one of its command's pages.
private let pages: [String: [String]] = [
    "info": ["rasters.md"], "convert": ["rasters.md"], "zonal": ["zonal.md"],
    "predict": ["predict.md", "basin-prediction.md"],
    "embed": ["predict.md", "basin-prediction.md"], "probe fit": ["probe.md"],
    "probe samples": ["probe.md"], "models list": ["model-format.md"],
    "models inspect": ["model-format.md"], "models import": ["model-format.md"],
    "run": ["nightly.md", "scale-out.md"], "status": ["nightly.md", "scale-out.md"],
    "merge": ["scale-out.md"],
]

/// Whether `text` holds `option` as a whole word (`--in` is not found in `--input`).
private func mentions(_ text: String, _ option: String) -> Bool {
    var searchRange = text.startIndex..<text.endIndex
    while let found = text.range(of: option, range: searchRange) {
        let next = found.upperBound < text.endIndex ? text[found.upperBound] : " "
        if !(next.isLetter || next.isNumber || next == "-") { return true }
        searchRange = found.upperBound..<text.endIndex
    }
    return false
}

@Suite("docs cannot drift from the commands")
struct DocsOptionsTests {
    @Test("every option of every command is in its --help and on its docs page")
    func optionsAreDocumented() throws {
        let docs = TestPaths.repository.appendingPathComponent("docs")
        let commands = try CommandTree.load().runnableCommands()
        #expect(commands.count >= 10, "\(commands.map(\.path))")
        for (path, options) in commands {
            let name = path.joined(separator: " ")
            guard let names = pages[name] else {
                Issue.record("geomap \(name) has no docs page in DocsOptionsTests.pages")
                continue
            }
            let text = try names.map {
                try String(contentsOf: docs.appendingPathComponent($0), encoding: .utf8)
            }.joined(separator: "\n")
            let help = try runGeomap(path + ["--help"])
            #expect(help.status == 0, "geomap \(name) --help: \(help.stderr)")
            for option in options {
                guard let spelling = option.spelling else { continue }
                #expect(
                    mentions(help.stdout, spelling), "geomap \(name) --help lacks \(spelling)")
                #expect(
                    mentions(text, spelling),
                    "geomap \(name) \(spelling) is not in docs/\(names.joined(separator: " or docs/"))"
                )
            }
        }
    }

    @Test("Package.swift's docs/architecture.md exists and names every module")
    func architecturePage() throws {
        let repository = TestPaths.repository
        let package = try String(
            contentsOf: repository.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(package.contains("docs/architecture.md"))
        let page = try String(
            contentsOf: repository.appendingPathComponent("docs/architecture.md"),
            encoding: .utf8)
        let modules = try FileManager.default.contentsOfDirectory(
            atPath: repository.appendingPathComponent("Sources").path)
        for module in modules where !module.hasPrefix(".") {
            #expect(page.contains(module), "docs/architecture.md does not mention \(module)")
        }
    }
}
