#!/usr/bin/env python3
"""Benchmark inputs for `geomap-bench zonal` (issue 6): a 10-year daily forcing on a
103 × 179-cell latitude/longitude grid and ~100 irregular basins covering it.

Writes into OUTDIR (default /tmp/geomap-bench-zonal; never into the repository):
  forcing.nc  CF-1.8 NetCDF-4, variable `tas` (time=3653, lat=103, lon=179), float32,
              chunks (1, 103, 179) (one chunk per day, the layout GDAL reads best),
              deflate 1 + shuffle, _FillValue 1e20 on a "sea" patch of cells (missing
              values exercised on every day).
  basins.gpkg ~100 polygons in EPSG:4326 (field basin_id): a seeded random partition of the
              grid's area polygonised at 1/8 cell and simplified, so edges cut cells at
              arbitrary angles and basins range from a few cells to a few hundred.

Needs Debian's python3 (GDAL/OGR bindings, numpy, netCDF4): /usr/bin/python3.
"""
import os
import sys

import numpy as np
from netCDF4 import Dataset
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

ROWS, COLS, DAYS = 103, 179, 3653
LON0, LAT0, STEP = 5.0, 43.0, 0.05  # cell centres from (LON0 + STEP/2, LAT0 + STEP/2)
BASINS = 100
SEED = 20260101


def forcing(path, rng):
    lat = LAT0 + STEP / 2 + STEP * np.arange(ROWS)
    lon = LON0 + STEP / 2 + STEP * np.arange(COLS)
    with Dataset(path, "w", format="NETCDF4") as nc:
        nc.Conventions = "CF-1.8"
        nc.title = "geomap zonal benchmark forcing (synthetic)"
        nc.createDimension("time", None)
        nc.createDimension("lat", ROWS)
        nc.createDimension("lon", COLS)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "days since 2000-01-01 00:00:00"
        t.calendar = "standard"
        t.axis = "T"
        t.standard_name = "time"
        t[:] = np.arange(DAYS)
        y = nc.createVariable("lat", "f8", ("lat",))
        y.units, y.standard_name, y.axis = "degrees_north", "latitude", "Y"
        y[:] = lat
        x = nc.createVariable("lon", "f8", ("lon",))
        x.units, x.standard_name, x.axis = "degrees_east", "longitude", "X"
        x[:] = lon
        crs = nc.createVariable("crs", "i4")
        crs.grid_mapping_name = "latitude_longitude"
        crs.semi_major_axis = 6378137.0
        crs.inverse_flattening = 298.257223563
        v = nc.createVariable("tas", "f4", ("time", "lat", "lon"), zlib=True, complevel=1,
                              shuffle=True, chunksizes=(1, ROWS, COLS), fill_value=1e20)
        v.units = "K"
        v.standard_name = "air_temperature"
        v.grid_mapping = "crs"
        yy, xx = np.meshgrid(np.arange(ROWS), np.arange(COLS), indexing="ij")
        base = 285 - 0.04 * yy + 3 * np.sin(xx / 17.0) * np.cos(yy / 11.0)
        sea = (yy - 10) ** 2 + (xx - 160) ** 2 < 80  # missing every day
        for start in range(0, DAYS, 365):
            n = min(365, DAYS - start)
            days = np.arange(start, start + n)
            season = 10 * np.sin(2 * np.pi * (days - 100) / 365.25)
            noise = rng.normal(0, 2, size=(n, 1, 1))
            field = base[None] + season[:, None, None] + noise
            field += rng.normal(0, 0.3, size=field.shape)
            field[:, sea] = 1e20
            v[start:start + n] = field.astype(np.float32)


def basins(path, rng):
    # Random partition at 1/8 cell: nearest of BASINS seeds under a warped distance.
    k = 8
    h, w = ROWS * k, COLS * k
    seeds = np.column_stack([rng.uniform(0, h, BASINS), rng.uniform(0, w, BASINS)])
    yy, xx = np.meshgrid(np.arange(h) + 0.5, np.arange(w) + 0.5, indexing="ij")
    warp_y = yy + 12 * np.sin(xx / 37.0) + 7 * np.sin(yy / 23.0 + 1)
    warp_x = xx + 12 * np.cos(yy / 41.0) + 7 * np.sin(xx / 19.0 + 2)
    best = np.full((h, w), np.inf)
    label = np.zeros((h, w), dtype=np.int32)
    for i, (sy, sx) in enumerate(seeds):
        d = (warp_y - sy) ** 2 + (warp_x - sx) ** 2
        closer = d < best
        best[closer] = d[closer]
        label[closer] = i + 1
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    mem = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_Int32)
    mem.SetGeoTransform([LON0, STEP / k, 0, LAT0 + STEP * ROWS, 0, -STEP / k])
    mem.SetProjection(srs.ExportToWkt())
    mem.GetRasterBand(1).WriteArray(label[::-1])  # row 0 = north
    if os.path.exists(path):
        os.remove(path)
    out = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    tmp = ogr.GetDriverByName("Memory").CreateDataSource("tmp")
    layer = tmp.CreateLayer("raw", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    gdal.Polygonize(mem.GetRasterBand(1), None, layer, 0)
    merged = {}
    for f in layer:
        merged.setdefault(f.GetField("label"), []).append(f.GetGeometryRef().Clone())
    final = out.CreateLayer("basins", srs, ogr.wkbMultiPolygon)
    final.CreateField(ogr.FieldDefn("basin_id", ogr.OFTString))
    for lab in sorted(merged):
        union = ogr.Geometry(ogr.wkbMultiPolygon)
        for g in merged[lab]:
            union.AddGeometry(g)
        g = union.UnionCascaded().SimplifyPreserveTopology(STEP / k * 0.3)
        if g.GetGeometryType() == ogr.wkbPolygon:
            g = ogr.ForceToMultiPolygon(g)
        f = ogr.Feature(final.GetLayerDefn())
        f.SetField("basin_id", "S%03d" % lab)
        f.SetGeometry(g)
        final.CreateFeature(f)
    out = None


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/geomap-bench-zonal"
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    basins(os.path.join(outdir, "basins.gpkg"), rng)
    forcing(os.path.join(outdir, "forcing.nc"), rng)
    size = os.path.getsize(os.path.join(outdir, "forcing.nc")) / 2**20
    print(f"wrote {outdir}/forcing.nc ({DAYS} days × {ROWS} × {COLS}, {size:.0f} MiB) "
          f"and {outdir}/basins.gpkg ({BASINS} basins)")


if __name__ == "__main__":
    main()
