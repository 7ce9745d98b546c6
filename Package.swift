// swift-tools-version:6.1
//
// geomap: batch prediction with pretrained geoscience models.
//
// Layers (dependencies point down only; see docs/architecture.md):
//
//   geomap (CLI)
//     └─ GeomapRun (nightly runs: configuration, work items, fingerprints, ledger; Yams)
//          └─ GeomapCore (convert; umbrella re-exporting the pipeline modules)
//               ├─ Probe (linear probes) ─ TilePipeline (tile by tile) ─ GeomapJobs (job shape)
//               ├─ BasinPipeline (basin by basin) ─ BasinInputs, ZonalAggregation
//               ├─ ZonalAggregation (exact zonal statistics) ─ GeomapJobs
//               ├─ BasinInputs (per-basin tables, attributes, mapping, units)
//               ├─ Models ─ Tensor ─ COpenBLAS, CTensorKernels
//               ├─ GeoRaster ─┐
//               ├─ GeoVector ─┴─ GeoGDAL ─ CGDAL
//               ├─ GeoProjection ─ CPROJ
//               └─ GeoNetCDF ─ CNetCDF, CHDF5, CDeflate
//   OutputFiles (exit codes, output-set commit, locks, temporaries; Foundation only), used by
//   the Geo* writers, Tensor (its exit codes), GeomapCore, GeomapRun and the CLI
//   CSVFiles (the one RFC 4180 reader of delimited text; Foundation only), used by BasinInputs,
//   ZonalAggregation and Probe
//
// Only the Geo* and Tensor modules import the C modules, always with `internal import` (or
// `package import` inside GeoGDAL, whose handle types are shared by GeoRaster and GeoVector).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "geomap",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "geomap", targets: ["geomap"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries: one module map each, found through pkg-config.
        .systemLibrary(
            name: "CGDAL", pkgConfig: "gdal",
            providers: [.apt(["libgdal-dev"]), .brew(["gdal"])]),
        .systemLibrary(
            name: "CPROJ", pkgConfig: "proj",
            providers: [.apt(["libproj-dev"]), .brew(["proj"])]),
        .systemLibrary(
            name: "CNetCDF", pkgConfig: "netcdf",
            providers: [.apt(["libnetcdf-dev"]), .brew(["netcdf"])]),
        // HDF5 (installed with libnetcdf-dev) for direct chunk reads, libdeflate to inflate them.
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        .systemLibrary(
            name: "CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),

        // Output sets replaced whole or not at all, locks, temporaries, exit codes.
        .target(name: "OutputFiles", swiftSettings: swiftSettings),

        // The one reader of delimited text (RFC 4180 CSV, `;`, tab, runs of spaces); Foundation only.
        .target(name: "CSVFiles", swiftSettings: swiftSettings),

        // Wrappers around the C libraries.
        .target(name: "GeoGDAL", dependencies: ["CGDAL"], swiftSettings: swiftSettings),
        .target(
            name: "GeoProjection", dependencies: ["CPROJ"], swiftSettings: swiftSettings),
        .target(
            name: "GeoRaster",
            dependencies: ["GeoGDAL", "GeoProjection", "CGDAL", "OutputFiles"],
            swiftSettings: swiftSettings),
        .target(
            name: "GeoVector",
            dependencies: ["GeoGDAL", "GeoProjection", "CGDAL", "OutputFiles"],
            swiftSettings: swiftSettings),
        .target(
            name: "GeoNetCDF", dependencies: ["CNetCDF", "CHDF5", "CDeflate", "OutputFiles"],
            swiftSettings: swiftSettings),
        // Vector kernels (softmax, SiLU, fused attention) compiled per function for AVX2 or
        // AVX-512 and chosen at run time; the package itself stays baseline x86-64.
        .target(name: "CTensorKernels"),
        .target(
            name: "Tensor",
            dependencies: [
                "COpenBLAS", "CTensorKernels", "OutputFiles",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: swiftSettings),

        // Model files and architectures.
        .target(name: "Models", dependencies: ["Tensor"], swiftSettings: swiftSettings),

        // Pipelines: tiling, aggregation, basin runs.

        // The basin pipeline's readers: per-basin tables (CSV, CF timeSeries and Caravan
        // NetCDF, Daymet, CAMELS streamflow), attributes, variable mapping and units.
        .target(
            name: "BasinInputs", dependencies: ["CSVFiles", "GeoNetCDF", "Models", "OutputFiles"],
            swiftSettings: swiftSettings),

        // The one job shape (GeomapJob, JobEvents, JobResult, JobInputs) every pipeline conforms to.
        .target(
            name: "GeomapJobs", dependencies: ["BasinInputs", "GeoRaster", "OutputFiles"],
            swiftSettings: swiftSettings),

        // Tile by tile: raster input, tile plan, row buffer, blending, COG outputs; the tile jobs.
        .target(
            name: "TilePipeline",
            dependencies: [
                "GeomapJobs", "GeoRaster", "GeoProjection", "Models", "Tensor", "OutputFiles",
            ], swiftSettings: swiftSettings),

        // Linear probes on MoE-MAE embeddings: sample lists, label rasters, the solver, ProbeFitJob.
        .target(
            name: "Probe",
            dependencies: [
                "TilePipeline", "GeomapJobs", "CSVFiles", "GeoRaster", "GeoProjection", "Models",
                "Tensor", "OutputFiles",
            ], swiftSettings: swiftSettings),

        // Exact zonal statistics: coverage fractions, weights and their cache, the aggregator, zonal outputs; ZonalJob.
        .target(
            name: "ZonalAggregation",
            dependencies: [
                "GeomapJobs", "CSVFiles", "GeoRaster", "GeoVector", "GeoProjection", "GeoNetCDF",
                "Models", "OutputFiles",
            ], swiftSettings: swiftSettings),

        // Basin by basin: the input assembler, forcing merge, static inputs, observed series, runner, prediction files, summary, groups and their join, archives, metrics; the basin jobs.
        .target(
            name: "BasinPipeline",
            dependencies: [
                "BasinInputs", "ZonalAggregation", "GeomapJobs", "GeoRaster", "GeoVector",
                "GeoProjection", "GeoNetCDF", "Models", "Tensor", "OutputFiles",
            ], swiftSettings: swiftSettings),

        // The umbrella the CLI imports: the jobs, re-exporting the pipeline modules.
        .target(
            name: "GeomapCore",
            dependencies: [
                "BasinPipeline", "ZonalAggregation", "Probe", "TilePipeline", "GeomapJobs",
                "BasinInputs",
                "GeoRaster", "GeoVector",
                "GeoProjection", "GeoNetCDF",
                "Models",
                "Tensor", "OutputFiles",
            ],
            swiftSettings: swiftSettings),

        // Nightly runs: run configurations, work items, fingerprints, the ledger.
        .target(
            name: "GeomapRun",
            dependencies: [
                "GeomapCore", "GeoRaster", "Models", "OutputFiles",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),

        // The command-line program.
        .executableTarget(
            name: "geomap",
            dependencies: [
                "GeomapCore", "GeomapRun", "GeoGDAL", "GeoRaster", "GeoVector", "GeoProjection",
                "GeoNetCDF",
                "Models", "Tensor", "OutputFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // Benchmarks (not tests): speed and memory figures, run by tools/bench/.
        .executableTarget(
            name: "geomap-bench",
            dependencies: [
                "GeomapCore", "GeoGDAL", "GeoRaster", "GeoVector", "GeoProjection", "GeoNetCDF",
                "Models", "Tensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // Shared test helpers: paths to samples, fixtures and ../shared, running the binary.
        .target(name: "TestSupport", dependencies: ["OutputFiles"], swiftSettings: swiftSettings),

        .testTarget(
            name: "CSVFilesTests", dependencies: ["CSVFiles", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OutputFilesTests", dependencies: ["OutputFiles", "TestSupport"],
            swiftSettings: swiftSettings),

        .testTarget(
            name: "GeoRasterTests", dependencies: ["GeoRaster", "GeoGDAL", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GeoProjectionTests", dependencies: ["GeoProjection", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GeoVectorTests",
            dependencies: ["GeoVector", "GeoGDAL", "GeoProjection", "GeoNetCDF", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GeoNetCDFTests", dependencies: ["GeoNetCDF", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TensorTests", dependencies: ["Tensor", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ModelsTests", dependencies: ["Models", "Tensor", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GeomapCoreTests",
            dependencies: [
                "BasinPipeline", "ZonalAggregation", "Probe", "TilePipeline", "GeomapJobs",
                "GeomapCore",
                "BasinInputs", "GeoRaster",
                "GeoVector",
                "GeoProjection",
                "GeoNetCDF", "Models", "TestSupport",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GeomapRunTests", dependencies: ["GeomapRun", "GeomapCore", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GeomapCLITests", dependencies: ["geomap", "TestSupport"],
            swiftSettings: swiftSettings),
        // The scheduler files in deploy/ (Kubernetes, AWS Batch, Slurm): parsed, rules checked.
        .testTarget(
            name: "DeployTests",
            dependencies: ["TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
    ]
)
