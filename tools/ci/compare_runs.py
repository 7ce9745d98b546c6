#!/usr/bin/python3
"""Compares the outputs of an unsharded `geomap run` with the merged outputs of the same
configuration run as shards (docs/scale-out.md); used by .ci/run after scripts/slurm-local.

Usage: compare_runs.py UNSHARDED_FOLDER SHARDED_FOLDER

Every file under UNSHARDED_FOLDER must have its counterpart in SHARDED_FOLDER, at the same
relative path or, for an item's output, in `shards/I-of-N/` beside it (exactly one). Then:
- GeoTIFFs (class rasters, probabilities, embeddings), .qml and .aux.xml: equal byte for byte
  (both runs with the same SOURCE_DATE_EPOCH);
- VRT mosaics: the same size, geotransform, CRS, colour table and every band's values (the
  files themselves differ: their sources are the items' paths);
- NetCDF: `ncdump -p 9,17` (every float32 and float64 printed exactly) equal, except the
  global attributes that record when and where the file was written;
- GeoPackages: the same layers, fields, values and geometries (WKB), feature by feature.
Needs only Debian's python3-gdal (scripts/install-deps) and netcdf-bin's ncdump. Prints one
line per file and exits 1 on the first difference's summary, 0 when everything matches.
"""
import glob
import os
import subprocess
import sys

import numpy
from osgeo import gdal, ogr

gdal.UseExceptions()
ogr.UseExceptions()

# Global attributes that say when, where or by what the file was written, not what it holds.
VOLATILE_GLOBALS = ("history", "date_created", "date_modified", "date_issued", "geomap_run")


def counterpart(sharded_root, relative):
    direct = os.path.join(sharded_root, relative)
    if os.path.exists(direct):
        return direct
    folder, name = os.path.split(relative)
    found = glob.glob(os.path.join(sharded_root, folder, "shards", "*-of-*", name))
    if len(found) == 1:
        return found[0]
    if not found:
        raise Difference(f"{relative}: no counterpart in {sharded_root} (nor in its shards/)")
    raise Difference(f"{relative}: in several shards: {', '.join(sorted(found))}")


class Difference(Exception):
    pass


def same_bytes(a, b, relative):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        if fa.read() != fb.read():
            raise Difference(f"{relative}: bytes differ ({a} vs {b})")
    return "bytes equal"


def raster_values(path):
    dataset = gdal.Open(path)
    bands = []
    for index in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(index)
        table = band.GetColorTable()
        colours = (
            [table.GetColorEntry(i) for i in range(table.GetCount())] if table else None
        )
        bands.append((band.ReadAsArray(), band.GetNoDataValue(), colours,
                      band.GetCategoryNames()))
    return (dataset.RasterXSize, dataset.RasterYSize, dataset.GetGeoTransform(),
            dataset.GetProjection(), bands)


def same_raster_values(a, b, relative):
    va, vb = raster_values(a), raster_values(b)
    if va[:4] != vb[:4]:
        raise Difference(f"{relative}: size, geotransform or CRS differ: {va[:3]} vs {vb[:3]}")
    if len(va[4]) != len(vb[4]):
        raise Difference(f"{relative}: {len(va[4])} bands vs {len(vb[4])}")
    for index, (ba, bb) in enumerate(zip(va[4], vb[4]), start=1):
        if not numpy.array_equal(ba[0], bb[0], equal_nan=ba[0].dtype.kind == "f"):
            changed = int(numpy.count_nonzero(ba[0] != bb[0]))
            raise Difference(f"{relative}: band {index}: {changed} values differ")
        if ba[1:] != bb[1:]:
            raise Difference(f"{relative}: band {index}: nodata, colours or class names differ")
    return f"values equal ({len(va[4])} bands, {va[0]} x {va[1]})"


def ncdump(path):
    text = subprocess.run(["ncdump", "-p", "9,17", path], check=True, capture_output=True,
                          text=True).stdout
    lines = text.splitlines()[1:]  # the first line names the file
    kept = []
    in_globals = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("// global attributes:"):
            in_globals = True
        elif stripped == "data:":
            in_globals = False
        if in_globals and stripped.startswith(":") and \
                stripped[1:].split(" ")[0] in VOLATILE_GLOBALS:
            continue
        kept.append(line)
    return kept


def same_netcdf(a, b, relative):
    la, lb = ncdump(a), ncdump(b)
    for number, (x, y) in enumerate(zip(la, lb), start=2):
        if x != y:
            raise Difference(f"{relative}: ncdump line {number} differs:\n  {x}\n  {y}")
    if len(la) != len(lb):
        raise Difference(f"{relative}: ncdump has {len(la)} lines vs {len(lb)}")
    values = sum(line.count(",") for line in la[la.index("data:"):]) if "data:" in la else 0
    return f"ncdump -p 9,17 equal ({len(la)} lines, ~{values} values)"


def features(path):
    source = ogr.Open(path)
    layers = {}
    for index in range(source.GetLayerCount()):
        layer = source.GetLayerByIndex(index)
        definition = layer.GetLayerDefn()
        names = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
        rows = []
        for feature in layer:
            geometry = feature.GetGeometryRef()
            rows.append(([feature.GetField(i) for i in range(len(names))],
                         bytes(geometry.ExportToWkb()) if geometry else None))
        layers[layer.GetName()] = (names, rows)
    return layers


def same_features(a, b, relative):
    fa, fb = features(a), features(b)
    if fa.keys() != fb.keys():
        raise Difference(f"{relative}: layers {sorted(fa)} vs {sorted(fb)}")
    for name in fa:
        if fa[name][0] != fb[name][0]:
            raise Difference(f"{relative}: layer {name}: fields differ")
        for number, (x, y) in enumerate(zip(fa[name][1], fb[name][1]), start=1):
            if x != y:
                raise Difference(f"{relative}: layer {name}: feature {number} differs")
        if len(fa[name][1]) != len(fb[name][1]):
            raise Difference(f"{relative}: layer {name}: feature counts differ")
    return f"features equal ({sum(len(v[1]) for v in fa.values())})"


def compare(a, b, relative):
    if relative.endswith(".vrt"):
        return same_raster_values(a, b, relative)
    if relative.endswith(".nc"):
        return same_netcdf(a, b, relative)
    if relative.endswith(".gpkg"):
        return same_features(a, b, relative)
    return same_bytes(a, b, relative)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare_runs.py UNSHARDED_FOLDER SHARDED_FOLDER")
    unsharded, sharded = sys.argv[1], sys.argv[2]
    relatives = []
    for folder, directories, files in os.walk(unsharded):
        directories.sort()
        relatives += [os.path.relpath(os.path.join(folder, name), unsharded)
                      for name in sorted(files)]
    if not relatives:
        sys.exit(f"compare_runs: {unsharded} holds no file")
    try:
        for relative in relatives:
            other = counterpart(sharded, relative)
            what = compare(os.path.join(unsharded, relative), other, relative)
            print(f"{relative}: {what} ({os.path.relpath(other, sharded)})")
    except Difference as difference:
        print(f"compare_runs: {difference}", file=sys.stderr)
        sys.exit(1)
    print(f"compare_runs: {len(relatives)} files of {unsharded} match {sharded}")


if __name__ == "__main__":
    main()
