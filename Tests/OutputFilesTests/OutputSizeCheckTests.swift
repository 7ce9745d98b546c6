import Foundation
import OutputFiles
import TestSupport
import Testing

@Suite("output size: the limit, the free space of the folder")
struct OutputSizeCheckTests {
    static func raster(_ bytes: Int, staged: Int) -> PlannedOutput {
        PlannedOutput(path: "/o/x.tif", bytes: bytes, shape: "test", stagedBytes: staged)
    }

    @Test(
        "GEOMAP_MAX_OUTPUT_GIB: default 1 TiB, GiB values, none, bad values",
        arguments: [
            (nil, 1 << 40, true), (nil, (1 << 40) + 1, false), ("2", 2 << 30, true),
            ("2", (2 << 30) + 1, false), ("0.5", 1 << 29, true), ("none", Int.max, true),
            ("NONE", Int.max, true), ("1e30", Int.max, true),
        ] as [(String?, Int, Bool)])
    func limit(_ value: String?, _ bytes: Int, _ allowed: Bool) throws {
        let environment = value.map { ["GEOMAP_MAX_OUTPUT_GIB": $0] } ?? [:]
        let check = {
            try OutputSizeCheck.check(
                [Self.raster(bytes, staged: 0)], directory: "/", environment: environment)
        }
        if allowed {
            try check()
        } else {
            #expect {
                try check()
            } throws: { error in
                guard case .tooLarge(let path, let size, _, _) = error as? OutputError else {
                    return false
                }
                return path == "/o/x.tif" && size == bytes
                    && (error as? OutputError)?.exitStatus == .badInput
            }
        }
    }

    @Test(
        "a value that is no positive number is exit 2 naming the variable",
        arguments: [
            "abc", "-1", "0", "nan", "inf", "1 GiB",
        ])
    func badValue(_ value: String) throws {
        #expect {
            try OutputSizeCheck.check(
                [Self.raster(1, staged: 0)], directory: "/",
                environment: ["GEOMAP_MAX_OUTPUT_GIB": value])
        } throws: { error in
            (error as? OutputError)?.exitStatus == .badInput
                && "\(error)" == "GEOMAP_MAX_OUTPUT_GIB=\(value): a positive number of GiB (or "
                    + "none) is expected"
        }
    }

    @Test("more staged bytes than the folder's free space: exit 74 naming the folder")
    func freeSpace() throws {
        let directory = try makeTemporaryDirectory("output-size")
        defer { try? FileManager.default.removeItem(at: directory) }
        var info = statvfs()
        #expect(statvfs(directory.path, &info) == 0)
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let none = ["GEOMAP_MAX_OUTPUT_GIB": "none"]
        // Two outputs whose staged bytes together pass the free space.
        let outputs = [
            Self.raster(free / 2 + (1 << 30), staged: free / 2 + (1 << 30)),
            Self.raster(free / 2 + (1 << 30), staged: free / 2 + (1 << 30)),
        ]
        #expect {
            try OutputSizeCheck.check(outputs, directory: directory.path, environment: none)
        } throws: { error in
            guard case .noSpace(let folder, let needed, _) = error as? OutputError else {
                return false
            }
            let text = "\(error)"
            return folder == directory.path && needed == 2 * (free / 2 + (1 << 30))
                && (error as? OutputError)?.exitStatus == .ioError
                && text.hasPrefix(
                    "\(directory.path): not enough free space: the outputs need at least")
                && !text.contains("\n")
        }
        // Compressed outputs (nothing certainly staged) and outputs that fit pass; the check
        // can be switched off as GDAL's CHECK_DISK_FREE_SPACE.
        try OutputSizeCheck.check(
            [Self.raster(Int.max / 2, staged: 0)], directory: directory.path, environment: none)
        try OutputSizeCheck.check(
            [Self.raster(1 << 20, staged: 1 << 20)], directory: directory.path,
            environment: none)
        for off in ["NO", "no", "FALSE", "off", "0"] {
            try OutputSizeCheck.check(
                outputs, directory: directory.path,
                environment: none.merging(["GEOMAP_CHECK_DISK_FREE_SPACE": off]) { $1 })
        }
    }

    @Test("sizes multiply without overflow and read in binary units")
    func arithmetic() {
        #expect(PlannedOutput.saturatingProduct([1 << 31, 1 << 31, 1 << 31]) == Int.max)
        #expect(PlannedOutput.saturatingProduct([3, 4, 5]) == 60)
        let raster = PlannedOutput.raster(
            path: "r.tif", width: 1000, height: 2000, bands: 3, bytesPerSample: 4, scratch: true)
        #expect(raster.bytes == 24_000_000 && raster.stagedBytes == 24_000_000)
        #expect(raster.shape == "1000×2000 px, 3 bands of 4 bytes")
        let cog = PlannedOutput.raster(
            path: "c.tif", width: 10, height: 10, bands: 1, bytesPerSample: 1, scratch: false)
        #expect(cog.stagedBytes == 0 && cog.shape == "10×10 px, 1 band of 1 byte")
        #expect(OutputSizeCheck.describe(512) == "512 bytes")
        #expect(OutputSizeCheck.describe(1536) == "1.5 KiB")
        #expect(OutputSizeCheck.describe(1 << 40) == "1.0 TiB")
        #expect(OutputSizeCheck.describe(15_120_000_000_000) == "13.8 TiB")
        #expect(OutputSizeCheck.describe(300 << 30) == "300 GiB")
    }
}
