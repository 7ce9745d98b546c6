import Foundation
import TestSupport
import Testing

@Suite("geomap --version and exit codes")
struct VersionTests {
    @Test("--version names geomap and the four C libraries with their versions")
    func versionListsLibraries() throws {
        let result = try runGeomap(["--version"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("geomap 0.") == true)
        for library in ["GDAL 3.", "PROJ 9.", "netCDF-C 4.", "OpenBLAS 0."] {
            #expect(lines.contains { $0.hasPrefix(library) }, "missing \(library) in \(lines)")
        }
        // The run-time choice of the softmax/SiLU/attention kernels (GEOMAP_KERNELS caps it).
        let kernels = lines.first { $0.hasPrefix("vector kernels ") }
        #expect(
            ["baseline", "avx2", "avx512", "avx512bf16"].contains {
                kernels?.hasPrefix("vector kernels \($0) ") == true
            }, "missing the vector kernel level in \(lines)")
    }

    @Test("an unknown option exits 2 with a usage message on stderr")
    func unknownOptionExitsTwo() throws {
        let result = try runGeomap(["--no-such-option"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--no-such-option"))
    }
}
