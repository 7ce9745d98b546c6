import ArgumentParser
import Foundation
import GeoGDAL
import Tensor

/// `geomap-bench`: benchmarks (not tests). Each subcommand prints its figures, and the scripts in
/// `tools/bench/` run the PyTorch or exactextract reference beside it in the same run.
@main
struct GeomapBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geomap-bench",
        abstract: "geomap benchmarks: speed and peak memory, printed as plain figures.",
        subcommands: benchmarkCommands)

    static func main() async {
        BLAS.selectFastKernels(environment: ProcessInfo.processInfo.environment)
        BLAS.setThreads(1)
        GDALRuntime.registerDrivers()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
