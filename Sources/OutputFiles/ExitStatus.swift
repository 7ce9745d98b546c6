/// geomap's documented process exit codes (README "Exit codes").
package enum ExitStatus: Int32, Sendable {
    /// Everything asked for was done.
    case success = 0
    /// The run finished but some items (tiles, basins) failed; see the run's log and manifest.
    case partialFailure = 1
    /// Bad input or configuration: a file that cannot be read, a wrong CRS, band count, unit…
    case badInput = 2
    /// An output was written but failed validation.
    case invalidOutput = 3
    /// The environment failed while reading or writing (disk full, I/O error, read-only file
    /// system): the input was fine; fix the machine, then run again (sysexits.h EX_IOERR).
    case ioError = 74
    /// Try again later: another run holds the output's lock, upstream data is not there yet, a
    /// deadline was reached or the run was asked to stop (sysexits.h EX_TEMPFAIL).
    case tryAgainLater = 75
}

/// An error that knows which exit code it deserves. Errors that do not conform are bad input
/// (exit code 2): every library error geomap raises comes from a file or an argument.
package protocol ExitStatusProviding: Error {
    var exitStatus: ExitStatus { get }
}
