#!/usr/bin/env python3
"""Benchmark basins for tools/bench/nightly_archive.sh (issue 15): N rectangular basins tiling
the extent of samples/basins.shp (EPSG:32634) in a near-square grid, so a night's model work
is that of a group of N basins on the samples' forcing and static rasters. Each basin is one
cell of the grid (about 52 km x 43 km / N), ids bench-0000 ... in row-major order.

  make_bench_basins.py OUT.gpkg N [SAMPLES]

Writes OUT.gpkg (never into the repository). Needs Debian's python3-gdal (/usr/bin/python3).
"""
import math
import sys

from osgeo import ogr, osr

out, count = sys.argv[1], int(sys.argv[2])
samples = sys.argv[3] if len(sys.argv) > 3 else "samples"
source = ogr.Open(f"{samples}/basins.shp")
layer = source.GetLayer()
west, east, south, north = layer.GetExtent()
columns = math.ceil(math.sqrt(count))
rows = math.ceil(count / columns)
width, height = (east - west) / columns, (north - south) / rows

driver = ogr.GetDriverByName("GPKG")
target = driver.CreateDataSource(out)
srs = osr.SpatialReference()
srs.ImportFromEPSG(32634)
basins = target.CreateLayer("basins", srs, ogr.wkbPolygon)
basins.CreateField(ogr.FieldDefn("basin_id", ogr.OFTString))
for index in range(count):
    row, column = divmod(index, columns)
    x0, y1 = west + column * width, north - row * height
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in ((x0, y1), (x0 + width, y1), (x0 + width, y1 - height), (x0, y1 - height)):
        ring.AddPoint_2D(x, y)
    ring.CloseRings()
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    feature = ogr.Feature(basins.GetLayerDefn())
    feature.SetField("basin_id", f"bench-{index:04d}")
    feature.SetGeometry(polygon)
    basins.CreateFeature(feature)
target = None
