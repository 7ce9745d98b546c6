import ArgumentParser

/// `--archive`: basin mode of `geomap predict` only (docs/nightly.md, "Basin archives").
struct BasinArchiveOptions: ParsableArguments {
    @Flag(
        help: """
            Keep <stem>.forcings.nc and <stem>.nc as archives that grow by the new days: a \
            night aggregates and predicts only new or changed days (see docs/nightly.md).
            """)
    var archive = false
}
