"""Reads the BigEarthNet-Landsat sample tiles with GDAL and writes a training cache (NOT for the
repository: the tiles stay in ../shared). Run with the Debian Python that has GDAL:

  /usr/bin/python3 tools/moe_mae/prepare_tiles.py IMAGES_DIR OUT.npz

Per tile (spec §1.2, §1.4): the 40×40 centre crop of the raw DN (floor offsets), and the
metadata 8-vector [week sin,cos, hour sin,cos, lat sin,cos, lon sin,cos] where week and hour come
from the S2 patch NAME (week = ISO week·2π/52; hour = the digit Python's %H reads from the first
10 characters, i.e. the tens digit of a 6-digit time or the hour of a 5-digit one), and lat/lon
is the centre of the full uncropped tile transformed to EPSG:4326, in radians.
"""
import datetime as dt
import math
import os
import sys

import numpy as np
from osgeo import gdal, osr


def name_week_hour(name: str):
    field = name.split("_")[2][:10]  # e.g. 20170717T1 or 20180525T9
    day = dt.datetime.strptime(field[:8], "%Y%m%d")
    hour = int(field[9:10]) if len(field) > 9 else 0
    return day.isocalendar()[1], hour


def centre_lat_lon(ds):
    gt = ds.GetGeoTransform()
    x = gt[0] + gt[1] * ds.RasterXSize / 2
    y = gt[3] + gt[5] * ds.RasterYSize / 2
    src = osr.SpatialReference(wkt=ds.GetProjection())
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4326)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(src, dst).TransformPoint(x, y)
    return lat, lon


def main(images: str, out: str) -> None:
    names = sorted(f[:-4] for f in os.listdir(images) if f.endswith(".tif"))
    crops, metas, info = [], [], []
    for name in names:
        ds = gdal.Open(os.path.join(images, name + ".tif"))
        arr = ds.ReadAsArray()  # [7, H, W] uint16
        h, w = arr.shape[1:]
        top, left = (h - 40) // 2, (w - 40) // 2
        crops.append(arr[:, top:top + 40, left:left + 40])
        week, hour = name_week_hour(name)
        lat, lon = centre_lat_lon(ds)
        angles = [week * 2 * math.pi / 52, hour * 2 * math.pi / 24,
                  math.radians(lat), math.radians(lon)]
        metas.append([f(a) for a in angles for f in (math.sin, math.cos)])
        info.append((week, hour, lat, lon))
    np.savez(out, names=np.array(names), crops=np.stack(crops).astype(np.uint16),
             meta=np.array(metas, dtype=np.float64).astype(np.float32),
             info=np.array(info, dtype=np.float64))
    print(f"{len(names)} tiles → {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
