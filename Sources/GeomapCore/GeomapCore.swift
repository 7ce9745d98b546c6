// GeomapCore: pipelines (tiling and stitching, basin aggregation and runs, run manifests).
