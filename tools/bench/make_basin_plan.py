#!/usr/bin/env python3
"""Writes a synthetic continental basin job for planning benchmarks (`geomap run --dry-run`):
COUNT square basin polygons (default 1,000,000, HydroBASINS level 12's order of magnitude)
on a regular longitude/latitude grid over the conterminous United States, as a GeoPackage
(made with ogr2ogr from a CSV with WKT: no GDAL Python bindings needed), and a configuration
with one predict-basins job over them on the sample forcings.

    make_basin_plan.py OUT_DIR SAMPLES_DIR [COUNT]

OUT_DIR gets basins.gpkg (layer `basins`, field `basin_id` = B0000001 ...) and basins.yaml.
The forcings are SAMPLES_DIR/forcings.nc: a dry run reads no forcing; a real run would find
most basins outside its grid.
"""
import math
import os
import subprocess
import sys

WEST, EAST, SOUTH, NORTH = -124.0, -67.0, 25.0, 49.0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, samples = sys.argv[1], os.path.abspath(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    os.makedirs(out, exist_ok=True)
    columns = math.ceil(math.sqrt(count * (EAST - WEST) / (NORTH - SOUTH)))
    rows = math.ceil(count / columns)
    dx, dy = (EAST - WEST) / columns, (NORTH - SOUTH) / rows
    csv = os.path.join(out, "basins.csv")
    with open(csv, "w") as f:
        f.write("basin_id,WKT\n")
        for i in range(count):
            r, c = divmod(i, columns)
            x0, y0 = WEST + c * dx, NORTH - (r + 1) * dy
            x1, y1 = x0 + dx, y0 + dy
            f.write(f'B{i + 1:07d},"POLYGON(({x0:.6f} {y0:.6f},{x1:.6f} {y0:.6f},'
                    f'{x1:.6f} {y1:.6f},{x0:.6f} {y1:.6f},{x0:.6f} {y0:.6f}))"\n')
    gpkg = os.path.join(out, "basins.gpkg")
    if os.path.exists(gpkg):
        os.remove(gpkg)
    subprocess.run(["ogr2ogr", "-q", "-f", "GPKG", gpkg, csv, "-nln", "basins",
                    "-a_srs", "EPSG:4326", "-oo", "GEOM_POSSIBLE_NAMES=WKT",
                    "-oo", "KEEP_GEOM_COLUMNS=NO", "-gt", "65536"], check=True)
    os.remove(csv)
    with open(os.path.join(out, "basins.yaml"), "w") as f:
        f.write("version: 1\njobs:\n  - name: streamflow\n    kind: predict-basins\n"
                "    basins: basins.gpkg\n    id-field: basin_id\n"
                f"    forcings: {samples}/forcings.nc\n"
                "    start: 2016-06-01\n    end: 2016-06-30\n    out: out/streamflow\n")
    print(f"{count} basins ({columns} x {rows} grid) in {gpkg}")


if __name__ == "__main__":
    main()
