// GeomapCore: pipelines (tiling and stitching, basin aggregation and runs, run manifests).

// Exit codes and the output-set commit live in the low-level OutputFiles module (the Geo*
// writers use them too); callers of GeomapCore see them as before.
@_exported public import OutputFiles
