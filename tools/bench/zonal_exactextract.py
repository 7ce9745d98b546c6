#!/usr/bin/env python3
"""exactextract side of tools/bench/zonal.sh: basin means of every time step with
exactextract 0.3.0 through GDAL's Python bindings (its fast path: a GDAL dataset and an OGR
layer handed over directly), timed in CPU and wall seconds; then the largest relative
difference against geomap's means (a long CSV written by `geomap-bench zonal --out`).

Usage: zonal_exactextract.py DATA_DIR GEOMAP_CSV [--strategy feature-sequential|raster-sequential]
"""
import argparse
import csv
import math
import time
import warnings

import numpy as np
from osgeo import gdal, ogr
from exactextract import exact_extract

gdal.UseExceptions()
warnings.filterwarnings("ignore", message="Spatial reference system")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("geomap_csv")
    parser.add_argument("--strategy", default="feature-sequential")
    parser.add_argument("--var", default="tas")
    args = parser.parse_args()

    cpu, wall = time.process_time(), time.perf_counter()
    ds = gdal.Open(f"NETCDF:{args.data}/forcing.nc:{args.var}")
    vec = ogr.Open(f"{args.data}/basins.gpkg")
    result = exact_extract(ds, vec.GetLayer(), ["mean"], include_cols=["basin_id"],
                           output="geojson", strategy=args.strategy)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    bands = ds.RasterCount
    print(f"exactextract 0.3.0 ({args.strategy}): {cpu:.3f} s CPU [{wall:.3f} wall], "
          f"{len(result)} basins × {bands} steps")

    geomap = {}
    with open(args.geomap_csv) as fh:
        reader = csv.DictReader(fh)
        dates = []
        for row in reader:
            geomap.setdefault(row["basin_id"], []).append(float(row["value"]))
    worst, compared, nan_mismatch = 0.0, 0, 0
    for feature in result:
        props = feature["properties"]
        ours = geomap[props["basin_id"]]
        for band in range(bands):
            theirs = props[f"band_{band + 1}_mean"]
            mine = ours[band]
            if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
                nan_mismatch += 0 if math.isnan(mine) else 1
                continue
            worst = max(worst, abs(mine - theirs) / max(abs(theirs), 1e-12))
            compared += 1
    print(f"same numbers: {compared} means compared, largest relative difference "
          f"{worst:.2e}, NaN mismatches {nan_mismatch}")


if __name__ == "__main__":
    main()
