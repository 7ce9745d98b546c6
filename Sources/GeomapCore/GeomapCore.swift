// GeomapCore: the umbrella the CLI imports (and `geomap convert`'s ConvertJob).
// Like swift-numerics' `Numerics`, it re-exports the modules the pipelines are split into, so
// `import GeomapCore` is the whole core; each of them can be imported (and tested) on its own.
//
// Exit codes and the output-set commit live in the low-level OutputFiles module (the Geo*
// writers use them too); callers of GeomapCore see them as before.

@_exported public import BasinInputs
@_exported public import BasinPipeline
@_exported public import GeomapJobs
@_exported public import OutputFiles
@_exported public import Probe
@_exported public import TilePipeline
@_exported public import ZonalAggregation
