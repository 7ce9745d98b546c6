#!/usr/bin/env python3
"""exactextract goldens for geomap's zonal statistics (issue 6).

Runs exactextract 0.3.0 (PyPI, GDAL Python bindings) on the repository samples and on
irregular polygons over a real BigEarthNet-Landsat tile, and writes small CSV goldens to
Tests/Fixtures/zonal/ that the Swift tests check (means within 1e-5 relative). The polygons
are written too, already reprojected to each grid's CRS (WKT, full precision), so the Swift
unit tests compute coverage on exactly the geometry exactextract saw.

With --geomap PATH it also runs `geomap zonal` on the same inputs and prints the largest
relative difference per golden file.

Setup (Debian's python3-gdal, exactextract from PyPI):
    /usr/bin/python3 -m venv --system-site-packages /tmp/ee-venv
    /tmp/ee-venv/bin/pip install exactextract==0.3.0
    /tmp/ee-venv/bin/python tools/zonal/compare_exactextract.py [--geomap .build/debug/geomap]

Outputs (long format, like `geomap zonal --out x.csv`): basin_id,time,variable,stat,value.
"""
import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from osgeo import gdal, ogr, osr
from exactextract import exact_extract

gdal.UseExceptions()
ogr.UseExceptions()
warnings.filterwarnings("ignore", message="Spatial reference system")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(ROOT, "samples")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "zonal")
SHARED = os.environ.get("GEOMAP_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
TILE = "S2A_MSIL2A_20170613T101031_11_66.tif"
FORCING_DAYS = 60  # first days of forcings.nc kept in the golden (731 in the file)
FORCING_VARS = ["pr", "tasmax"]


def srs(epsg_or_wkt):
    s = osr.SpatialReference()
    if isinstance(epsg_or_wkt, int):
        s.ImportFromEPSG(epsg_or_wkt)
    else:
        s.ImportFromWkt(epsg_or_wkt)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def memory_layer(features, target_srs):
    """features: [(basin_id, ogr.Geometry)] → (datasource, layer) in memory."""
    ds = ogr.GetDriverByName("Memory").CreateDataSource("zonal")
    layer = ds.CreateLayer("basins", target_srs, ogr.wkbMultiPolygon)
    layer.CreateField(ogr.FieldDefn("basin_id", ogr.OFTString))
    for basin_id, geometry in features:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("basin_id", basin_id)
        f.SetGeometry(geometry)
        layer.CreateFeature(f)
    return ds, layer


def sample_basins(target_srs):
    """The sample basins reprojected (vertex by vertex) to target_srs."""
    src = ogr.Open(os.path.join(SAMPLES, "basins.shp"))
    layer = src.GetLayer()
    source_srs = layer.GetSpatialRef().Clone()
    source_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(source_srs, target_srs)
    features = []
    for f in layer:
        g = f.GetGeometryRef().Clone()
        g.Transform(transform)
        features.append((f.GetField("basin_id"), g))
    return features


def wkt(geometry):
    """Full-precision WKT (OGR's ExportToWkt keeps 15 significant digits; we want 17)."""
    def ring(r):
        return "(" + ", ".join(
            "%.17g %.17g" % (r.GetX(i), r.GetY(i)) for i in range(r.GetPointCount())) + ")"

    def polygon(p):
        return "(" + ", ".join(ring(p.GetGeometryRef(i)) for i in range(p.GetGeometryCount())) + ")"

    if geometry.GetGeometryType() in (ogr.wkbPolygon, ogr.wkbPolygon25D):
        return "POLYGON " + polygon(geometry)
    parts = [polygon(geometry.GetGeometryRef(i)) for i in range(geometry.GetGeometryCount())]
    return "MULTIPOLYGON (" + ", ".join(parts) + ")"


def write_polygons(name, features, crs_text):
    path = os.path.join(OUT, name)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["basin_id", "wkt"])
        for basin_id, g in features:
            w.writerow([basin_id, wkt(g)])
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(features)} polygons, {crs_text})")


def write_rows(name, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["basin_id", "time", "variable", "stat", "value"])
        for r in rows:
            w.writerow(r[:4] + ["%.17g" % r[4]])
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(rows)} rows)")
    return path


def values_from(results, ids, stat):
    """exactextract 0.3 geojson output → {basin_id: value or array}."""
    out = {}
    for feature in results:
        props = feature["properties"]
        out[props["basin_id"]] = props[stat]
    return out


def forcing_goldens():
    """Sample basins (EPSG:32634 → EPSG:4326) × forcings.nc, mean per day."""
    target = srs(4326)
    features = sample_basins(target)
    write_polygons("sample_basins_4326.csv", features, "EPSG:4326 lon/lat")
    ds_vec, layer = memory_layer(features, target)
    rows = []
    for var in FORCING_VARS:
        src = gdal.Open(f"NETCDF:{os.path.join(SAMPLES, 'forcings.nc')}:{var}")
        # Keep the first FORCING_DAYS bands in a VRT (exactextract then reads only those).
        vrt = gdal.Translate("/vsimem/f.vrt", src, format="VRT",
                             bandList=list(range(1, FORCING_DAYS + 1)))
        result = exact_extract(vrt, layer, ["mean"], include_cols=["basin_id"],
                               output="geojson")
        for feature in result:
            props = feature["properties"]
            for day in range(FORCING_DAYS):
                value = props[f"band_{day + 1}_mean"]
                date = np.datetime64("2016-01-01") + np.timedelta64(day, "D")
                rows.append([props["basin_id"], str(date), var, "mean", float(value)])
        vrt = None
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    return write_rows("forcings_mean.csv", rows)


def static_goldens():
    """Sample basins (→ EPSG:3035) × static rasters: mean for all, every stat for two."""
    raster = gdal.Open(os.path.join(SAMPLES, "static", "elevation.tif"))
    target = srs(raster.GetProjection())
    features = sample_basins(target)
    write_polygons("sample_basins_3035.csv", features, "EPSG:3035")
    ds_vec, layer = memory_layer(features, target)
    rows = []
    for name in ["elevation", "slope", "clay", "sand", "silt", "forest_fraction"]:
        ds = gdal.Open(os.path.join(SAMPLES, "static", f"{name}.tif"))
        stats = ["mean", "sum", "count", "min", "max", "stdev"] if name in (
            "elevation", "clay") else ["mean"]
        result = exact_extract(ds, layer, stats, include_cols=["basin_id"], output="geojson")
        for feature in result:
            props = feature["properties"]
            for stat in stats:
                rows.append([props["basin_id"], "", name, stat, float(props[stat])])
    rows.sort(key=lambda r: (r[0], r[2], r[3]))
    return write_rows("static_stats.csv", rows)


def labels_goldens():
    """Sample basins (EPSG:32634, the raster's CRS) × region.labels.tif: majority and frac."""
    ds = gdal.Open(os.path.join(SAMPLES, "region.labels.tif"))
    target = srs(ds.GetProjection())
    features = sample_basins(target)
    write_polygons("sample_basins_32634.csv", features, "EPSG:32634")
    ds_vec, layer = memory_layer(features, target)
    result = exact_extract(ds, layer, ["majority", "frac", "unique", "count"],
                           include_cols=["basin_id"], output="geojson")
    rows = []
    for feature in result:
        props = feature["properties"]
        if props["count"] == 0:
            continue  # basin outside region.tif
        rows.append([props["basin_id"], "", "labels", "majority", float(props["majority"])])
        for value, frac in zip(props["unique"], props["frac"]):
            rows.append([props["basin_id"], "", "labels", "frac_%d" % int(value), float(frac)])
    rows.sort(key=lambda r: (r[0], r[3]))
    return write_rows("labels_stats.csv", rows)


def star(cx, cy, radius, n, rng, hole=None):
    """An irregular star-shaped ring around (cx, cy) (counter-clockwise)."""
    ring = ogr.Geometry(ogr.wkbLinearRing)
    angles = np.sort(rng.uniform(0, 2 * math.pi, n))
    for a in angles:
        r = radius * rng.uniform(0.4, 1.0)
        ring.AddPoint_2D(cx + r * math.cos(a), cy + r * math.sin(a))
    ring.CloseRings()
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    if hole is not None:
        h = ogr.Geometry(ogr.wkbLinearRing)
        for a in np.linspace(2 * math.pi, 0, 9)[:-1]:
            h.AddPoint_2D(cx + hole * math.cos(a), cy + hole * math.sin(a))
        h.CloseRings()
        poly.AddGeometry(h)
    return poly


def bigearthnet_goldens():
    """Irregular polygons over a real 41 × 41 px (30 m) Landsat tile: mean of bands 1, 4, 7."""
    path = os.path.join(SHARED, "data", "bigearthnet-landsat-sample", "images", TILE)
    if not os.path.exists(path):
        print(f"skipped BigEarthNet goldens: {path} is absent")
        return None
    ds = gdal.Open(path)
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    w, h = ds.RasterXSize * dx, ds.RasterYSize * -dy
    rng = np.random.default_rng(20170613)
    shapes = [
        ("P1", star(x0 + 0.5 * w, y0 - 0.5 * h, 0.45 * w, 40, rng)),
        ("P2", star(x0 + 0.3 * w, y0 - 0.3 * h, 0.2 * w, 25, rng, hole=0.05 * w)),
        ("P3", star(x0 + 0.95 * w, y0 - 0.6 * h, 0.3 * w, 30, rng)),  # partly outside
        ("P4", star(x0 + 0.61 * w, y0 - 0.77 * h, 0.4 * dx, 7, rng)),  # smaller than a cell
        ("P5", star(x0 + 0.7 * w, y0 - 0.25 * h, 0.12 * w, 60, rng)),
    ]
    target = srs(ds.GetProjection())
    write_polygons("bigearthnet_polygons.csv", shapes, "tile CRS (EPSG:32634)")
    ds_vec, layer = memory_layer(shapes, target)
    rows = []
    for band in (1, 4, 7):
        vrt = gdal.Translate("/vsimem/b.vrt", ds, format="VRT", bandList=[band])
        result = exact_extract(vrt, layer, ["mean"], include_cols=["basin_id"],
                               output="geojson")
        for feature in result:
            props = feature["properties"]
            rows.append([props["basin_id"], "", f"band{band}", "mean", float(props["mean"])])
        vrt = None
    rows.sort(key=lambda r: (r[0], r[2]))
    return write_rows("bigearthnet_mean.csv", rows)


def read_long(path):
    out = {}
    with open(path) as fh:
        for r in csv.DictReader(fh):
            out[(r["basin_id"], r["time"], r["variable"], r["stat"])] = float(r["value"])
    return out


def compare(golden_path, geomap_rows, label):
    golden = read_long(golden_path)
    worst, missing = 0.0, 0
    for key, expected in golden.items():
        got = geomap_rows.get(key)
        if got is None:
            missing += 1
            continue
        if math.isnan(expected) and math.isnan(got):
            continue
        worst = max(worst, abs(got - expected) / max(abs(expected), 1e-12))
    print(f"{label}: {len(golden)} values, largest relative difference {worst:.2e}"
          + (f", {missing} missing in geomap's output" if missing else ""))
    return worst


def run_geomap(geomap, args):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.csv")
        subprocess.run([geomap, "zonal", *args, "--out", out, "--weights-cache",
                        os.path.join(tmp, "cache")], check=True)
        return read_long(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--geomap", help="also run this geomap binary and compare")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    forcing = forcing_goldens()
    static = static_goldens()
    labels = labels_goldens()
    tile = bigearthnet_goldens()
    if not args.geomap:
        return
    basins = os.path.join(SAMPLES, "basins.shp")
    got = run_geomap(args.geomap, ["--basins", basins, "--id-field", "basin_id",
                                   "--forcings", os.path.join(SAMPLES, "forcings.nc"),
                                   "--var", "pr", "--var", "tasmax", "--stat", "mean",
                                   "--to", "2016-02-29"])
    compare(forcing, got, "forcings mean (geomap, basins reprojected with densified edges)")
    static_rows = {}
    for name in ["elevation", "slope", "clay", "sand", "silt", "forest_fraction"]:
        stats = ["mean", "sum", "count", "min", "max", "stdev"] if name in (
            "elevation", "clay") else ["mean"]
        flags = [x for s in stats for x in ("--stat", s)]
        rows = run_geomap(args.geomap, ["--basins", basins, "--raster",
                                        os.path.join(SAMPLES, "static", f"{name}.tif"),
                                        "--variable-name", name, *flags])
        static_rows.update(rows)
    compare(static, static_rows, "static rasters (all stats)")
    got = run_geomap(args.geomap, ["--basins", basins, "--raster",
                                   os.path.join(SAMPLES, "region.labels.tif"),
                                   "--variable-name", "labels", "--stat", "majority",
                                   "--stat", "frac"])
    compare(labels, got, "labels majority/frac")


if __name__ == "__main__":
    sys.exit(main())
