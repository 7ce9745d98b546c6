import ArgumentParser

/// Every benchmark subcommand. Add yours here, one file per benchmark.
let benchmarkCommands: [ParsableCommand.Type] = [
    ZonalBench.self,
    BasinModelBenchmark.self,
    EncoderBenchmark.self,
    PrecisionBenchmark.self,
    RasterScan.self,
    PredictMemoryBenchmark.self,
    LinearBench.self,
]
