import ArgumentParser
import Foundation
import GeoGDAL
import GeoNetCDF
import GeoProjection
import GeomapCore
import OutputFiles
import Tensor

/// The `geomap` command: batch prediction with pretrained geoscience models.
@main
struct Geomap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geomap",
        abstract: "Batch prediction with pretrained geoscience models, for GIS.",
        discussion: """
            Exit codes: 0 all done; 1 some items failed; 2 bad input, configuration or \
            arguments (an option that does not apply, an option given twice, a value outside \
            an option's choices); 3 an output failed validation; 74 the machine failed (disk \
            full, I/O error, read-only file system); 75 try again later (another run holds the \
            outputs' lock); 130/143 stopped by SIGINT/SIGTERM. Outputs are replaced as a whole \
            set or not at all (docs/outputs.md).
            """,
        version: VersionReport.text,
        subcommands: [
            InfoCommand.self, ConvertCommand.self, ZonalCommand.self, ModelsCommand.self,
            PredictCommand.self, EmbedCommand.self, ProbeCommand.self, RunCommand.self,
            StatusCommand.self, MergeCommand.self,
        ])

    /// Runs the command and turns every error into one line on stderr plus a documented exit
    /// code (see ``ExitStatus``). Argument errors (ArgumentParser's and `validate()`'s) are one
    /// line too, pointing at `--help`, and exit 2.
    static func main() async {
        TemporaryRegistry.shared.installSignalHandlers()
        ParentWatch.start(environment: ProcessInfo.processInfo.environment)
        BLAS.selectFastKernels(environment: ProcessInfo.processInfo.environment)
        BLAS.setThreads(1)
        GDALRuntime.registerDrivers()
        do {
            // Before parsing: ArgumentParser would keep the last of a repeated value silently.
            let words = Array(CommandLine.arguments.dropFirst())
            try StrictArguments(words).checkRepeats(commandPath(words).last ?? Geomap.self)
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(reporting: error)
        }
    }

    private static func exit(reporting error: Error) -> Never {
        // A SIGINT/SIGTERM stop may have removed what this run was writing: its 130/143 and
        // one line win over the error that caused (TemporaryRegistry).
        TemporaryRegistry.shared.waitIfStopping()
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        let parserCode = exitCode(for: error)
        if parserCode == .success { exit(withError: error) }  // --help, --version
        if parserCode == .validationFailure || error is ValidationError,
            !(error is ExitStatusProviding)
        {
            let line = message(for: error).split(whereSeparator: \.isNewline)
                .joined(separator: " ").replacingOccurrences(of: "Error: ", with: "")
            try? FileHandle.standardError.write(
                contentsOf:
                    Data("geomap: error: \(line) (see \(helpHint()))\n".utf8))
            Foundation.exit(ExitStatus.badInput.rawValue)
        }
        let classified = ErrorClassification.classify(error)
        let status = (classified as? ExitStatusProviding)?.exitStatus ?? .badInput
        try? FileHandle.standardError.write(
            contentsOf: Data("geomap: error: \(oneLine(classified))\n".utf8))
        TemporaryRegistry.shared.removeAll()
        // Without atexit handlers: after a failed write, HDF5's handler may still find a file
        // netCDF could not close (disk full) and crash flushing it (exit 139 instead of 74).
        fflush(nil)
        _exit(status.rawValue)
    }

    /// The commands the leading `words` name, from the root (`predict` → [Geomap, Predict]).
    static func commandPath(_ words: [String]) -> [ParsableCommand.Type] {
        var path: [ParsableCommand.Type] = [Geomap.self]
        for word in words {
            guard
                let next = path[path.count - 1].configuration.subcommands.first(where: {
                    $0._commandName == word
                })
            else { break }
            path.append(next)
        }
        return path
    }

    /// `'geomap <subcommand…> --help'` for the command the command line names.
    private static func helpHint() -> String {
        let names = commandPath(Array(CommandLine.arguments.dropFirst())).map { $0._commandName }
        return "'" + names.joined(separator: " ") + " --help'"
    }

    /// The error's description folded onto one line, control characters escaped (messages
    /// may quote names read from a file).
    static func oneLine(_ error: Error) -> String {
        let text = String(describing: error)
        return TerminalText.escaped(text.split(whereSeparator: \.isNewline).joined(separator: " "))
    }
}

/// What `geomap --version` prints: geomap's version and the C libraries it runs with.
enum VersionReport {
    static let geomapVersion = "0.1.0"

    static var text: String {
        """
        geomap \(geomapVersion)
        GDAL \(GDALRuntime.version)
        PROJ \(PROJLibrary.version)
        netCDF-C \(NetCDFLibrary.version)
        OpenBLAS \(BLAS.version) (\(BLAS.coreName) kernels)
        vector kernels \(KernelLevel.detected) (CPU supports \(KernelLevel.supported))
        """
    }
}
