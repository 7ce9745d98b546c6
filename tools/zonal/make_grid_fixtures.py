#!/usr/bin/env python3
"""Small grids as real files have them, with exactextract goldens (issue 13 items 1 and 2).

Writes to Tests/Fixtures/zonal/grids/:

- rotated_f64.nc, rotated_f32.nc: a rotated-pole CF grid (the EURO-CORDEX layout: grid_mapping
  rotated_latitude_longitude with the EURO-CORDEX pole, 1-D rlon/rlat axes of 0.22 rotated
  degrees, 2-D lat/lon auxiliary coordinates, daily `pr`) with float64 and float32 axes. The
  float32 axes carry the rounding of 0.22° in float32 (relative spread of the steps ~1e-5).
- rotated_basins.geojson: three basins in EPSG:4326 (lon/lat) over that grid.
- rotated_mean.csv: exactextract's daily mean of `pr` per basin. exactextract saw the basins
  densified to 0.01° in lon/lat and then transformed vertex by vertex to rotated degrees with
  the PROJ string geomap derives from the grid mapping.
- global_0_360.nc, global_180.nc: the same global 5° field (daily `co2`) on a 0…360 grid
  (cell centres 0, 5, …, 355) and rolled onto a −180…180 grid (centres −180, …, 175),
  latitude descending as in ERA5.
- global_basins.geojson: basins crossing 0° (gb, es), crossing 180° stored as Natural Earth
  stores them (fj: a multipolygon split at ±180°), and one well inside (in).
- global_mean.csv: exactextract's mean per basin and day on the *unsplit* basin: gb, es and in
  on the −180…180 grid, where they lie whole; fj on the 0…360 grid with its western part
  shifted by +360° so it is one piece there. Both files hold the same values at the same places,
  so geomap must give these means on either grid.

Setup (Debian's python3-gdal; exactextract and netCDF4 from PyPI):
    /usr/bin/python3 -m venv --system-site-packages /tmp/ee-venv
    /tmp/ee-venv/bin/pip install exactextract==0.3.0 netCDF4
    /tmp/ee-venv/bin/python tools/zonal/make_grid_fixtures.py
"""
import csv
import json
import math
import os
import warnings

import netCDF4
import numpy as np
from exactextract import exact_extract
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
warnings.filterwarnings("ignore", message="Spatial reference system")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "zonal", "grids")
DAYS = 3
POLE_LAT, POLE_LON = 39.25, -162.0  # EURO-CORDEX
# What geomap's CFGridCRS derives from that grid mapping (GeoNetCDF/CFGridMapping.swift).
ROTATED_PROJ = (f"+proj=ob_tran +o_proj=longlat +o_lat_p={POLE_LAT} +o_lon_p=0 "
                f"+lon_0={180 + POLE_LON} +to_meter=0.0174532925199433 +ellps=WGS84 +no_defs")


def srs_from(text):
    s = osr.SpatialReference()
    if text.startswith("EPSG:"):
        s.ImportFromEPSG(int(text[5:]))
    else:
        s.ImportFromProj4(text)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def star(cx, cy, radius, n, rng):
    """An irregular star-shaped ring (counter-clockwise, closed) around (cx, cy), in degrees."""
    points = []
    for k in range(n):
        angle = 2 * math.pi * k / n
        r = radius * (0.6 + 0.4 * rng.random())
        points.append((cx + r * math.cos(angle), cy + 0.8 * r * math.sin(angle)))
    points.append(points[0])
    return points


def write_geojson(name, features):
    """features: [(id, name, [polygon: [ring: [(x, y)]]])] → a GeoJSON FeatureCollection."""
    collection = {
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "properties": {"basin_id": basin_id, "name": label},
            "geometry": {"type": "MultiPolygon",
                         "coordinates": [[[[round(x, 6), round(y, 6)] for x, y in ring]
                                          for ring in polygon] for polygon in polygons]},
        } for basin_id, label, polygons in features],
    }
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(collection, f, indent=None, separators=(",", ":"))
        f.write("\n")


def ogr_multipolygon(polygons, shift_negative=False):
    """[polygon: [ring: [(x, y)]]] → ogr MultiPolygon (rings with x < 0 shifted +360 if asked)."""
    mp = ogr.Geometry(ogr.wkbMultiPolygon)
    for polygon in polygons:
        p = ogr.Geometry(ogr.wkbPolygon)
        for ring in polygon:
            r = ogr.Geometry(ogr.wkbLinearRing)
            shift = 360 if shift_negative and max(x for x, _ in ring) <= 0 else 0
            for x, y in ring:
                r.AddPoint_2D(round(x, 6) + shift, round(y, 6))
            p.AddGeometry(r)
        mp.AddGeometry(p)
    return mp


def memory_layer(features):
    """[(basin_id, ogr.Geometry)] → (datasource, layer), no CRS (the raster's units)."""
    ds = ogr.GetDriverByName("Memory").CreateDataSource("zonal")
    layer = ds.CreateLayer("basins", None, ogr.wkbMultiPolygon)
    layer.CreateField(ogr.FieldDefn("basin_id", ogr.OFTString))
    for basin_id, geometry in features:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("basin_id", basin_id)
        f.SetGeometry(geometry)
        layer.CreateFeature(f)
    return ds, layer


def mem_raster(values, x_centres, y_centres):
    """A north-up in-memory GDAL raster of values[band, y, x] on the centres' regular grid."""
    dx = (x_centres[-1] - x_centres[0]) / (len(x_centres) - 1)
    dy = (y_centres[-1] - y_centres[0]) / (len(y_centres) - 1)
    data = values
    if dy > 0:  # row 0 at the bottom in the file: flip to north-up
        data = values[:, ::-1, :]
        y_top = y_centres[-1] + dy / 2
    else:
        y_top = y_centres[0] - dy / 2
    bands, rows, cols = data.shape
    ds = gdal.GetDriverByName("MEM").Create("", cols, rows, bands, gdal.GDT_Float64)
    ds.SetGeoTransform((x_centres[0] - dx / 2, dx, 0, y_top, 0, -abs(dy)))
    for b in range(bands):
        ds.GetRasterBand(b + 1).WriteArray(np.asarray(data[b], dtype=np.float64))
    return ds


def daily_means(ds, layer, variable):
    """exactextract's mean per basin and band → golden rows."""
    rows = []
    result = exact_extract(ds, layer, ["mean"], include_cols=["basin_id"], output="geojson")
    for feature in result:
        props = feature["properties"]
        for day in range(DAYS):
            key = f"band_{day + 1}_mean" if DAYS > 1 else "mean"
            date = np.datetime64("2006-01-01") + np.timedelta64(day, "D")
            rows.append([props["basin_id"], str(date), variable, "mean", repr(float(props[key]))])
    return rows


def write_rows(name, rows):
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["basin_id", "time", "variable", "stat", "value"])
        w.writerows(rows)


def time_variable(nc):
    nc.createDimension("time", None)
    t = nc.createVariable("time", "f8", ("time",))
    t.standard_name = "time"
    t.units = "days since 2006-01-01 00:00:00"
    t.calendar = "standard"
    t[:] = np.arange(DAYS, dtype=np.float64)


# MARK: rotated pole

def rotated_fixtures(rng):
    rlon64 = -10.0 + 0.22 * np.arange(44)
    rlat64 = -9.0 + 0.22 * np.arange(40)
    field = np.empty((DAYS, rlat64.size, rlon64.size))
    for day in range(DAYS):
        field[day] = (2 + day + np.sin(rlon64[None, :] / 1.7) * np.cos(rlat64[:, None] / 2.3)
                      + 0.3 * rng.random((rlat64.size, rlon64.size)))
    field = field.astype(np.float32)
    rotated = srs_from(ROTATED_PROJ)
    geographic = srs_from("EPSG:4326")
    to_lonlat = osr.CoordinateTransformation(rotated, geographic)
    to_rotated = osr.CoordinateTransformation(geographic, rotated)
    # 2-D lat/lon of every cell centre, as CORDEX files carry them.
    grid_r = [(x, y) for y in rlat64 for x in rlon64]
    lonlat = np.array(to_lonlat.TransformPoints(grid_r))[:, :2]
    for suffix, axis_type in [("f64", "f8"), ("f32", "f4")]:
        path = os.path.join(OUT, f"rotated_{suffix}.nc")
        with netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC") as nc:
            nc.Conventions = "CF-1.8"
            nc.title = "geomap test fixture: rotated-pole grid (tools/zonal/make_grid_fixtures.py)"
            time_variable(nc)
            nc.createDimension("rlat", rlat64.size)
            nc.createDimension("rlon", rlon64.size)
            x = nc.createVariable("rlon", axis_type, ("rlon",))
            x.standard_name, x.long_name, x.units, x.axis = (
                "grid_longitude", "longitude in rotated pole grid", "degrees", "X")
            x[:] = rlon64
            y = nc.createVariable("rlat", axis_type, ("rlat",))
            y.standard_name, y.long_name, y.units, y.axis = (
                "grid_latitude", "latitude in rotated pole grid", "degrees", "Y")
            y[:] = rlat64
            lon = nc.createVariable("lon", "f8", ("rlat", "rlon"), zlib=True)
            lon.standard_name, lon.units = "longitude", "degrees_east"
            lon[:] = lonlat[:, 0].reshape(rlat64.size, rlon64.size)
            lat = nc.createVariable("lat", "f8", ("rlat", "rlon"), zlib=True)
            lat.standard_name, lat.units = "latitude", "degrees_north"
            lat[:] = lonlat[:, 1].reshape(rlat64.size, rlon64.size)
            pole = nc.createVariable("rotated_pole", "c")
            pole.grid_mapping_name = "rotated_latitude_longitude"
            pole.grid_north_pole_latitude = POLE_LAT
            pole.grid_north_pole_longitude = POLE_LON
            pr = nc.createVariable("pr", "f4", ("time", "rlat", "rlon"))
            pr.standard_name, pr.units = "precipitation_flux", "kg m-2 s-1"
            pr.grid_mapping = "rotated_pole"
            pr.coordinates = "lat lon"
            pr[:] = field
    # Basins: stars around three rotated points, in lon/lat.
    features = []
    for basin_id, (rx, ry, radius) in zip(
            ["r1", "r2", "r3"], [(-6.0, -5.0, 1.4), (-2.5, -1.0, 0.9), (-5.5, -2.3, 0.25)]):
        cx, cy, _ = to_lonlat.TransformPoint(rx, ry)
        ring = star(cx, cy, radius, 16, rng)
        features.append((basin_id, f"rotated basin {basin_id}", [[ring]]))
    write_geojson("rotated_basins.geojson", features)
    rows = []
    for suffix, dtype in [("f64", np.float64), ("f32", np.float32)]:
        # The grid exactly as geomap derives it from each file's axes (float32 axes rounded).
        x = np.asarray(rlon64.astype(dtype), dtype=np.float64)
        y = np.asarray(rlat64.astype(dtype), dtype=np.float64)
        moved = []
        for basin_id, _, polygons in features:
            g = ogr_multipolygon(polygons)
            g.Segmentize(0.01)
            g.AssignSpatialReference(geographic)
            g.Transform(to_rotated)
            moved.append((basin_id, g))
        ds_vec, layer = memory_layer(moved)
        for row in daily_means(mem_raster(field, x, y), layer, "pr"):
            rows.append([row[0], row[1], f"pr_{suffix}", row[3], row[4]])
    write_rows("rotated_mean.csv", rows)


# MARK: global grids

def global_fixtures(rng):
    lon360 = 5.0 * np.arange(72)  # 0 … 355
    lat = 87.5 - 5.0 * np.arange(36)  # descending, as ERA5
    field = np.empty((DAYS, lat.size, lon360.size))
    for day in range(DAYS):
        field[day] = (388 + day + 2 * np.cos(np.radians(lat))[:, None]
                      + np.sin(np.radians(lon360))[None, :]
                      + 0.5 * rng.random((lat.size, lon360.size)))
    field = field.astype(np.float32)
    roll = 36  # centre 180 becomes column 0 (−180)
    lon180 = np.concatenate([lon360[roll:] - 360, lon360[:roll]])
    field180 = np.concatenate([field[:, :, roll:], field[:, :, :roll]], axis=2)
    for name, lon, values in [("global_0_360.nc", lon360, field), ("global_180.nc", lon180,
                                                                   field180)]:
        with netCDF4.Dataset(os.path.join(OUT, name), "w", format="NETCDF4_CLASSIC") as nc:
            nc.Conventions = "CF-1.8"
            nc.title = "geomap test fixture: global grid (tools/zonal/make_grid_fixtures.py)"
            time_variable(nc)
            nc.createDimension("latitude", lat.size)
            nc.createDimension("longitude", lon.size)
            x = nc.createVariable("longitude", "f4", ("longitude",))
            x.standard_name, x.units = "longitude", "degrees_east"
            x[:] = lon
            y = nc.createVariable("latitude", "f4", ("latitude",))
            y.standard_name, y.units = "latitude", "degrees_north"
            y[:] = lat
            v = nc.createVariable("co2", "f4", ("time", "latitude", "longitude"))
            v.units = "1e-6"
            v[:] = values
    features = [
        ("gb", "Great Britain-like", [[star(-2.0, 54.0, 4.5, 20, rng)]]),
        ("es", "Iberia-like", [[star(-3.5, 40.0, 5.0, 20, rng)]]),
        ("in", "inland", [[star(75.0, 20.0, 4.0, 20, rng)]]),
    ]
    # Crossing the antimeridian: one star around 180°, split there into two parts.
    whole = star(179.0, -17.0, 4.0, 40, rng)
    east = ogr.CreateGeometryFromWkt(
        "POLYGON((" + ",".join(f"{x} {y}" for x, y in whole) + "))")
    west_box = ogr.CreateGeometryFromWkt("POLYGON((180 -90,540 -90,540 90,180 90,180 -90))")
    east_box = ogr.CreateGeometryFromWkt("POLYGON((0 -90,180 -90,180 90,0 90,0 -90))")
    part_e = east.Intersection(east_box)
    part_w = east.Intersection(west_box)
    ring_e = [(x, y) for x, y in part_e.GetGeometryRef(0).GetPoints()]
    ring_w = [(x - 360, y) for x, y in part_w.GetGeometryRef(0).GetPoints()]
    features.append(("fj", "across the antimeridian", [[ring_e], [ring_w]]))
    write_geojson("global_basins.geojson", features)
    rows = []
    for basin_id, _, polygons in features:
        if basin_id == "fj":
            ds_vec, layer = memory_layer([(basin_id, ogr_multipolygon(polygons, True))])
            raster = mem_raster(field, lon360, lat)
        else:
            ds_vec, layer = memory_layer([(basin_id, ogr_multipolygon(polygons))])
            raster = mem_raster(field180, lon180, lat)
        rows += daily_means(raster, layer, "co2")
    write_rows("global_mean.csv", rows)


def main():
    os.makedirs(OUT, exist_ok=True)
    rotated_fixtures(np.random.default_rng(13))
    global_fixtures(np.random.default_rng(14))
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
