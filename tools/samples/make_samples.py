#!/usr/bin/python3
"""Generate geomap's synthetic sample inputs in samples/ (fixed seed, fully reproducible).

Run from the repository root with Debian's Python (GDAL/OGR/OSR 3.6, numpy, netCDF4):

    /usr/bin/python3 tools/samples/make_samples.py [--out samples]

Everything here is SYNTHETIC. The only facts taken from real data are the per-class Landsat
surface-reflectance statistics in tools/samples/class_spectra.json, measured from the real
BigEarthNet-Landsat tiles by tools/samples/measure_class_spectra.py (the tiles themselves are
never copied). One world model (seeded basin partition + analytic terrain) drives every file,
so the basins, the terrain, the land cover and the forcings agree with each other.

Outputs (see samples/README.md for the full description):
    region.tif, region.labels.tif        EPSG:32634, 30 m, Landsat C2 L2 SR DNs + class ids
    basins.shp (.shx .dbf .prj .cpg)     EPSG:32634 catchment polygons
    forcings.nc                          CF-1.8 daily forcings on a 0.05 deg lat/lon grid
    static/*.tif                         EPSG:3035, 250 m static attribute rasters
"""
import argparse
import json
import math
import os
import shutil
import sys

import numpy as np
from osgeo import gdal, ogr, osr

import netCDF4

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

SEED = 20170613
HERE = os.path.dirname(os.path.abspath(__file__))

# World frame: WGS 84 / UTM 34N, near 44.9 N 20.6 E (Pannonian plain / Sumadija, Serbia).
UTM_EPSG = 32634
STATIC_EPSG = 3035
DOMAIN = (445000.0, 4950000.0, 495000.0, 4990000.0)  # xmin, ymin, xmax, ymax of the basins

# region.tif: on the Landsat 30 m grid (pixel corners at 15 m mod 30 m, as in real scenes).
REGION_ORIGIN = (455015.0, 4968015.0)
REGION_SIZE = (400, 300)  # columns, rows
REGION_PIXEL = 30.0
BANDS = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"]
BAND_NAMES = ["coastal/aerosol 0.43-0.45 um", "blue 0.45-0.51 um", "green 0.53-0.59 um",
              "red 0.64-0.67 um", "near infrared 0.85-0.88 um", "SWIR 1 1.57-1.65 um",
              "SWIR 2 2.11-2.29 um"]
CLASSES = [  # id, name, RGBA
    (1, "water", (30, 90, 200, 255)),
    (2, "forest", (20, 110, 40, 255)),
    (3, "crops", (230, 200, 60, 255)),
    (4, "grassland", (140, 210, 90, 255)),
    (5, "urban", (200, 40, 40, 255)),
    (6, "bare", (170, 140, 110, 255)),
]

# static/*.tif: ETRS89-LAEA 250 m.
STATIC_PIXEL = 250.0
STATIC_NODATA = -9999.0

# forcings.nc: regular 0.05 degree grid, 2016-01-01 .. 2017-12-31.
FORCING_STEP = 0.05
FORCING_MARGIN = 0.2  # degrees around the basins' lon/lat bounds
FORCING_START = np.datetime64("2016-01-01")
FORCING_END = np.datetime64("2018-01-01")  # exclusive
FORCING_FILL = np.float32(1.0e20)


# ----------------------------------------------------------------------------- helpers

def srs_from_epsg(code):
    s = osr.SpatialReference()
    s.ImportFromEPSG(code)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # x = easting/longitude
    return s


def transform_points(src_epsg, dst_epsg, x, y):
    """Transform arrays of x/y (easting/longitude first) between two EPSG CRSs."""
    ct = osr.CoordinateTransformation(srs_from_epsg(src_epsg), srs_from_epsg(dst_epsg))
    pts = np.column_stack([np.ravel(x), np.ravel(y)])
    out = np.array(ct.TransformPoints(pts))
    return out[:, 0].reshape(np.shape(x)), out[:, 1].reshape(np.shape(y))


class FourierField:
    """A smooth random field defined everywhere: a sum of plane waves.

    Wavelengths are drawn log-uniformly in [lmin, lmax] metres; amplitudes scale with
    wavelength**beta (beta=1 gives a fractal, terrain-like spectrum). Normalised to unit std.
    """

    def __init__(self, rng, lmin, lmax, n=48, beta=1.0):
        lam = np.exp(rng.uniform(math.log(lmin), math.log(lmax), n))
        theta = rng.uniform(0, 2 * math.pi, n)
        k = 2 * math.pi / lam
        self.kx, self.ky = k * np.cos(theta), k * np.sin(theta)
        self.phase = rng.uniform(0, 2 * math.pi, n)
        amp = lam ** beta
        self.amp = amp / math.sqrt(0.5 * np.sum(amp ** 2))

    def __call__(self, x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        out = np.zeros(np.broadcast(x, y).shape)
        for kx, ky, ph, a in zip(self.kx, self.ky, self.phase, self.amp):
            out += a * np.cos(kx * x + ky * y + ph)
        return out


def smooth_noise(rng, shape, sigma):
    """Gaussian-filtered white noise (FFT, padded to avoid wrap-around), zero mean, unit std.

    - Parameter shape: (rows, cols); sigma in pixels.
    """
    pad = int(math.ceil(3 * sigma)) + 1
    ph, pw = shape[0] + 2 * pad, shape[1] + 2 * pad
    white = rng.standard_normal((ph, pw))
    fy = np.fft.fftfreq(ph)[:, None]
    fx = np.fft.fftfreq(pw)[None, :]
    kernel = np.exp(-2 * (math.pi ** 2) * (sigma ** 2) * (fx ** 2 + fy ** 2))
    field = np.real(np.fft.ifft2(np.fft.fft2(white) * kernel))[pad:pad + shape[0],
                                                               pad:pad + shape[1]]
    field -= field.mean()
    return field / field.std()


# ----------------------------------------------------------------------------- world model

class World:
    """Seeded basin partition and terrain shared by every sample file (EPSG:32634 metres)."""

    BASIN_NAMES = ["Alder Brook", "Birch Creek", "Cedar River", "Dove Run", "Čista Reka",
                   "Žuta Voda", "Glen Burn"]

    def __init__(self, rng):
        x0, y0, x1, y1 = DOMAIN
        # Six Voronoi seeds, jittered on a 3 x 2 layout, with size weights.
        gx = np.linspace(x0 + 8000, x1 - 8000, 3)
        gy = np.linspace(y0 + 10000, y1 - 10000, 2)
        seeds = np.array([(x, y) for y in gy[::-1] for x in gx])
        self.seeds = seeds + rng.uniform(-3000, 3000, seeds.shape)
        self.weights = rng.uniform(-2500, 2500, len(self.seeds))  # additive (power-like)
        self.warp_x = FourierField(rng, 6000, 30000, n=24)
        self.warp_y = FourierField(rng, 6000, 30000, n=24)
        self.outline = FourierField(rng, 5000, 25000, n=24)
        self.fractal = FourierField(rng, 1500, 30000, n=96, beta=1.0)
        self.texture = FourierField(rng, 250, 3000, n=48, beta=0.5)
        self.edge = FourierField(rng, 800, 4000, n=16)
        self._place_enclave_and_island()

    def _base_labels(self, x, y):
        """Partition labels 1..6 clipped to the wobbly outer outline (0 outside), and margin."""
        label, margin = self.partition(x, y)
        x0, y0, x1, y1 = DOMAIN
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        u = np.abs(x - cx) / (0.5 * (x1 - x0) - 1500.0)
        v = np.abs(y - cy) / (0.5 * (y1 - y0) - 1500.0)
        r = (u ** 4 + v ** 4) ** 0.25 + 0.08 * self.outline(x, y)
        inside_by = (1.0 - r) * 0.5 * (y1 - y0)  # rough distance to the outline, metres
        return np.where(r < 1.0, label, 0), np.minimum(margin, inside_by)

    def _place_enclave_and_island(self):
        """Deterministic placement on a 250 m grid: the small basin B007 sits deep inside B003
        (making a hole in it); B006 gets a detached second part outside every other basin."""
        x0, y0, x1, y1 = DOMAIN
        cell = 250.0
        xs = x0 + (np.arange(int((x1 - x0) / cell)) + 0.5) * cell
        ys = y1 - (np.arange(int((y1 - y0) / cell)) + 0.5) * cell
        xx, yy = np.meshgrid(xs, ys)
        label, depth = self._base_labels(xx, yy)
        er = 1450.0
        i = np.argmax(np.where(label == 3, depth, -np.inf))
        self.enclave = (float(xx.flat[i]), float(yy.flat[i]), er)
        ir = 1100.0
        p6 = np.column_stack([xx[label == 6], yy[label == 6]])
        po = np.column_stack([xx[(label > 0) & (label != 6)], yy[(label > 0) & (label != 6)]])
        ok = ((label == 0) & (xx > x0 + ir + 400) & (xx < x1 - ir - 400)
              & (yy > y0 + ir + 400) & (yy < y1 - ir - 400))
        cand = np.column_stack([xx[ok], yy[ok]])
        d6 = np.min(np.hypot(cand[:, None, 0] - p6[None, ::4, 0],
                             cand[:, None, 1] - p6[None, ::4, 1]), axis=1)
        do = np.min(np.hypot(cand[:, None, 0] - po[None, ::8, 0],
                             cand[:, None, 1] - po[None, ::8, 1]), axis=1)
        score = np.abs(d6 - (ir + 1300.0)) + np.where(do > ir + 2500.0, 0.0, 1e9)
        j = int(np.argmin(score))
        self.island = (float(cand[j, 0]), float(cand[j, 1]), ir)

    def partition(self, x, y):
        """Warped, weighted Voronoi: returns (label 1..6, margin m to the nearest boundary)."""
        wx = x + 2500.0 * self.warp_x(x, y)
        wy = y + 2500.0 * self.warp_y(x, y)
        d = np.stack([np.hypot(wx - sx, wy - sy) + w
                      for (sx, sy), w in zip(self.seeds, self.weights)])
        order = np.argsort(d, axis=0)
        d_sorted = np.take_along_axis(d, order[:2], axis=0)
        return order[0] + 1, d_sorted[1] - d_sorted[0]

    def basin_labels(self, x, y):
        """Basin number 1..7 at x/y (0 = outside every basin)."""
        label, _ = self._base_labels(x, y)
        ex, ey, er = self.enclave
        rr = np.hypot(x - ex, y - ey) / er + 0.12 * self.edge(x, y)
        label = np.where(rr < 1.0, 7, label)
        ix, iy, ir = self.island
        ri = np.hypot(x - ix, y - iy) / ir + 0.12 * self.edge(x, y)
        label = np.where((ri < 1.0) & (label == 0), 6, label)
        return label

    def elevation(self, x, y):
        """Terrain height in metres: ridges on basin divides, valleys inside, fractal relief."""
        _, margin = self.partition(x, y)
        ridge = np.exp(-margin / 3500.0)
        south = (DOMAIN[3] - y) / (DOMAIN[3] - DOMAIN[1])  # 0 north .. 1 south
        z = (110.0 + 260.0 * np.clip(south, -0.3, 1.3) + 230.0 * ridge
             + 70.0 * self.fractal(x, y) + 4.0 * self.texture(x, y))
        return np.maximum(z, 60.0)


# ----------------------------------------------------------------------------- region.tif

def load_spectra():
    with open(os.path.join(HERE, "class_spectra.json")) as f:
        spectra = json.load(f)["classes"]
    return spectra


def region_grid():
    cols, rows = REGION_SIZE
    x = REGION_ORIGIN[0] + (np.arange(cols) + 0.5) * REGION_PIXEL
    y = REGION_ORIGIN[1] - (np.arange(rows) + 0.5) * REGION_PIXEL
    return np.meshgrid(x, y)


def make_landcover(rng, world):
    """Class ids [rows, cols] (1..6, 0 = scene fill) and parcel ids for field texture."""
    cols, rows = REGION_SIZE
    xx, yy = region_grid()
    elev = world.elevation(xx, yy)
    rank = np.argsort(np.argsort(elev.ravel())).reshape(elev.shape) / elev.size
    rr, cc = np.mgrid[0:rows, 0:cols]

    # Agricultural parcels: anisotropic Voronoi cells (fields elongated east-west).
    n_parcels = 320
    pr = rng.uniform(0, rows, n_parcels)
    pc = rng.uniform(0, cols, n_parcels)
    best = np.full((rows, cols), np.inf)
    parcel = np.zeros((rows, cols), dtype=np.int32)
    for i in range(n_parcels):
        d = ((rr - pr[i]) * 1.8) ** 2 + (cc - pc[i]) ** 2
        closer = d < best
        best[closer] = d[closer]
        parcel[closer] = i
    parcel_class = rng.choice([3, 4, 6], size=n_parcels, p=[0.66, 0.26, 0.08])
    lc = parcel_class[parcel]

    # Forest on the higher ground, with ragged edges.
    forest = rank + 0.06 * smooth_noise(rng, (rows, cols), 5) > 0.70
    lc = np.where(forest, 2, lc)

    # A town near the river with parks.
    ur, uc = 175.0, 255.0
    town = np.exp(-(((rr - ur) / 40.0) ** 2 + ((cc - uc) / 55.0) ** 2))
    urban = town + 0.25 * smooth_noise(rng, (rows, cols), 4) > 0.6
    parks = urban & (smooth_noise(rng, (rows, cols), 2) > 1.3)
    lc = np.where(urban, 5, lc)
    lc = np.where(parks, 4, lc)

    # Small bare patches (quarries, bare soil) outside forest and town.
    bare = (smooth_noise(rng, (rows, cols), 3) > 2.3) & ~forest & ~urban
    lc = np.where(bare, 6, lc)

    # A meandering river west-east and a lake.
    t = cc / cols
    centre = 150.0 + 55.0 * np.sin(2 * math.pi * 1.3 * t + 0.7) + 18.0 * np.sin(
        2 * math.pi * 4.1 * t + 1.9)
    width = 2.6 + 0.9 * smooth_noise(rng, (rows, cols), 8)
    river = np.abs(rr - centre) < width
    lake = (((rr - 70.0) / 22.0) ** 2 + ((cc - 330.0) / 34.0) ** 2
            + 0.25 * smooth_noise(rng, (rows, cols), 6)) < 1.0
    lc = np.where(river | lake, 1, lc)

    # Scene-edge fill: a diagonal wedge of zeros in the upper-left corner (as at the edge of a
    # Landsat WRS-2 scene), large enough to hold fully-empty tiles.
    fill = (cc / 130.0 + rr / 100.0) < 1.0
    lc = np.where(fill, 0, lc).astype(np.uint8)
    return lc, parcel


def make_reflectance(rng, lc, parcel, spectra):
    """Band DNs [7, rows, cols] UInt16 from class statistics with spatially correlated texture."""
    rows, cols = lc.shape
    out = np.zeros((7, rows, cols), dtype=np.float64)
    # Seven smooth and seven white unit fields shared by all classes.
    smooth = np.stack([smooth_noise(rng, (rows, cols), 1.6) for _ in range(7)])
    white = rng.standard_normal((7, rows, cols))
    parcel_z = rng.standard_normal((int(parcel.max()) + 1, 7))
    for cid, name, _ in CLASSES:
        st = spectra[name]
        mask = lc == cid
        if not mask.any():
            continue
        cov = np.array(st["cov"])
        chol = np.linalg.cholesky(cov + 1e-6 * np.trace(cov) * np.eye(7))
        if name in ("crops", "grassland", "bare"):
            z = (math.sqrt(0.55) * parcel_z[parcel[mask]].T + math.sqrt(0.35) * smooth[:, mask]
                 + math.sqrt(0.10) * white[:, mask])
        else:
            z = math.sqrt(0.8) * smooth[:, mask] + math.sqrt(0.2) * white[:, mask]
        out[:, mask] = np.array(st["mean"])[:, None] + chol @ z
    # Mild 3x3 mixing across boundaries (30 m pixels mix neighbouring covers), fill excluded.
    valid = lc > 0
    padded = np.pad(out * valid, ((0, 0), (1, 1), (1, 1)), mode="edge")
    wpad = np.pad(valid.astype(np.float64), 1, mode="edge")
    acc = np.zeros_like(out)
    wacc = np.zeros(lc.shape)
    for dr in range(3):
        for dc in range(3):
            acc += padded[:, dr:dr + rows, dc:dc + cols]
            wacc += wpad[dr:dr + rows, dc:dc + cols]
    blurred = acc / np.maximum(wacc, 1)
    out = 0.75 * out + 0.25 * blurred
    dn = np.clip(np.rint(out), 1, 65535).astype(np.uint16)
    dn[:, ~valid] = 0
    return dn


def gtiff_options(blocksize=256, predictor=2):
    return ["TILED=YES", f"BLOCKXSIZE={blocksize}", f"BLOCKYSIZE={blocksize}",
            "COMPRESS=DEFLATE", f"PREDICTOR={predictor}", "ZLEVEL=9"]


def write_region(out_dir, dn, lc):
    cols, rows = REGION_SIZE
    gt = (REGION_ORIGIN[0], REGION_PIXEL, 0.0, REGION_ORIGIN[1], 0.0, -REGION_PIXEL)
    wkt = srs_from_epsg(UTM_EPSG).ExportToWkt()
    drv = gdal.GetDriverByName("GTiff")

    path = os.path.join(out_dir, "region.tif")
    ds = drv.Create(path, cols, rows, 7, gdal.GDT_UInt16,
                    gtiff_options() + ["INTERLEAVE=PIXEL", "PHOTOMETRIC=MINISBLACK"])
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    ds.SetMetadata({
        "TIFFTAG_DATETIME": "2017:06:13 10:10:31",
        "TIFFTAG_IMAGEDESCRIPTION": "SYNTHETIC Landsat 8 C2 L2 surface reflectance (geomap "
                                    "sample, tools/samples/make_samples.py)",
        "TIFFTAG_SOFTWARE": "geomap tools/samples/make_samples.py",
        "ACQUISITIONDATE": "2017-06-13T10:10:31Z",
        "SPACECRAFT": "LANDSAT_8 (synthetic)",
        "PRODUCT": "Collection 2 Level-2 surface reflectance digital numbers",
        "REFLECTANCE_SCALE": "2.75e-05",
        "REFLECTANCE_OFFSET": "-0.2",
        "SYNTHETIC": "YES",
    })
    for i, band_name in enumerate(BANDS):
        b = ds.GetRasterBand(i + 1)
        b.SetDescription(band_name)
        b.SetNoDataValue(0)
        b.SetMetadata({"BAND_NAME": BAND_NAMES[i]})
        b.WriteArray(dn[i])
    ds.FlushCache()
    ds = None

    path = os.path.join(out_dir, "region.labels.tif")
    ds = drv.Create(path, cols, rows, 1, gdal.GDT_Byte, gtiff_options(predictor=1))
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    ds.SetMetadata({"SYNTHETIC": "YES",
                    "TIFFTAG_SOFTWARE": "geomap tools/samples/make_samples.py"})
    b = ds.GetRasterBand(1)
    b.SetDescription("land_cover_class")
    b.SetNoDataValue(0)
    ct = gdal.ColorTable()
    ct.SetColorEntry(0, (0, 0, 0, 0))
    names = ["nodata"]
    for cid, name, rgba in CLASSES:
        ct.SetColorEntry(cid, rgba)
        names.append(name)
    b.SetRasterColorTable(ct)
    b.SetRasterColorInterpretation(gdal.GCI_PaletteIndex)
    b.SetCategoryNames(names)
    rat = gdal.RasterAttributeTable()
    rat.CreateColumn("value", gdal.GFT_Integer, gdal.GFU_MinMax)
    rat.CreateColumn("class_name", gdal.GFT_String, gdal.GFU_Name)
    rat.SetRowCount(len(CLASSES))
    for row, (cid, name, _) in enumerate(CLASSES):
        rat.SetValueAsInt(row, 0, cid)
        rat.SetValueAsString(row, 1, name)
    b.SetDefaultRAT(rat)
    b.WriteArray(lc)
    ds.FlushCache()
    ds = None


# ----------------------------------------------------------------------------- basins.shp

def chaikin(coords, iterations=2):
    """Corner-cutting smoothing of a closed ring [n, 2] (first == last)."""
    pts = coords[:-1]
    for _ in range(iterations):
        nxt = np.roll(pts, -1, axis=0)
        q = 0.75 * pts + 0.25 * nxt
        r = 0.25 * pts + 0.75 * nxt
        pts = np.empty((2 * len(pts), 2))
        pts[0::2], pts[1::2] = q, r
    return np.vstack([pts, pts[:1]])


def smooth_polygon(poly, min_hole_m2):
    out = ogr.Geometry(ogr.wkbPolygon)
    for i in range(poly.GetGeometryCount()):
        ring = poly.GetGeometryRef(i)
        if i > 0 and abs(ogr.CreateGeometryFromWkt(
                "POLYGON ((" + ",".join(f"{x} {y}" for x, y, *_ in ring.GetPoints()) + "))"
        ).GetArea()) < min_hole_m2:
            continue
        pts = chaikin(np.array(ring.GetPoints())[:, :2])
        new = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in pts:
            new.AddPoint_2D(float(x), float(y))
        out.AddGeometry(new)
    return out


def make_basins(world, out_dir):
    """Polygonise the world partition on a 50 m grid, smooth and write basins.shp."""
    cell = 50.0
    pad = 8000.0  # the wobbly outline may reach a little beyond DOMAIN: never clip it
    x0, y0, x1, y1 = DOMAIN[0] - pad, DOMAIN[1] - pad, DOMAIN[2] + pad, DOMAIN[3] + pad
    cols, rows = int((x1 - x0) / cell), int((y1 - y0) / cell)
    xs = x0 + (np.arange(cols) + 0.5) * cell
    ys = y1 - (np.arange(rows) + 0.5) * cell
    xx, yy = np.meshgrid(xs, ys)
    labels = world.basin_labels(xx, yy).astype(np.uint8)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    assert not edge.any(), "a basin touches the polygonising grid's edge"

    mem = gdal.GetDriverByName("MEM").Create("", cols, rows, 1, gdal.GDT_Byte)
    mem.SetGeoTransform((x0, cell, 0, y1, 0, -cell))
    mem.SetProjection(srs_from_epsg(UTM_EPSG).ExportToWkt())
    band = mem.GetRasterBand(1)
    band.WriteArray(labels)
    band.SetNoDataValue(0)
    vds = ogr.GetDriverByName("Memory").CreateDataSource("polys")
    lyr = vds.CreateLayer("polys", srs_from_epsg(UTM_EPSG), ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    gdal.Polygonize(band, band.GetMaskBand(), lyr, 0, ["8CONNECTED=8"])

    parts = {}
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        if g.GetArea() >= 1.0e6:  # drop specks below 1 km2 (grid artefacts)
            parts.setdefault(f.GetField("label"), []).append(g)

    srs = srs_from_epsg(UTM_EPSG)
    path = os.path.join(out_dir, "basins.shp")
    drv = ogr.GetDriverByName("ESRI Shapefile")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    out = ds.CreateLayer("basins", srs, ogr.wkbPolygon, ["ENCODING=UTF-8"])
    fd = ogr.FieldDefn("basin_id", ogr.OFTString)
    fd.SetWidth(8)
    out.CreateField(fd)
    fd = ogr.FieldDefn("name", ogr.OFTString)
    fd.SetWidth(40)
    out.CreateField(fd)
    fd = ogr.FieldDefn("area_km2", ogr.OFTReal)
    fd.SetWidth(12)
    fd.SetPrecision(3)
    out.CreateField(fd)
    facts = []
    for label in sorted(parts):
        polys = [smooth_polygon(p, 1.0e6) for p in parts[label]]
        if len(polys) == 1:
            geom = polys[0]
        else:
            geom = ogr.Geometry(ogr.wkbMultiPolygon)
            for p in polys:
                geom.AddGeometry(p)
        geom = geom.SimplifyPreserveTopology(8.0)
        if not geom.IsValid():
            geom = geom.MakeValid()
        assert geom.IsValid(), f"basin {label} invalid"
        feat = ogr.Feature(out.GetLayerDefn())
        bid = f"B{label:03d}"
        feat.SetField("basin_id", bid)
        feat.SetField("name", World.BASIN_NAMES[label - 1])
        feat.SetField("area_km2", round(geom.GetArea() / 1e6, 3))
        feat.SetGeometry(geom)
        out.CreateFeature(feat)
        facts.append((bid, geom.GetGeometryName(), geom.GetArea() / 1e6))
    ds = None
    return facts


# ----------------------------------------------------------------------------- static/*.tif

def basins_bounds(out_dir, epsg):
    """Bounds (xmin, ymin, xmax, ymax) of basins.shp's densified outlines in EPSG:epsg."""
    ds = ogr.Open(os.path.join(out_dir, "basins.shp"))
    lyr = ds.GetLayer(0)
    xs, ys = [], []
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        g.Segmentize(200.0)
        env = g.GetEnvelope()
        xs += [env[0], env[1]]
        ys += [env[2], env[3]]
    bx, by = [], []
    for x in np.linspace(min(xs), max(xs), 50):
        for y in (min(ys), max(ys)):
            bx.append(x)
            by.append(y)
    for y in np.linspace(min(ys), max(ys), 50):
        for x in (min(xs), max(xs)):
            bx.append(x)
            by.append(y)
    tx, ty = transform_points(UTM_EPSG, epsg, np.array(bx), np.array(by))
    return tx.min(), ty.min(), tx.max(), ty.max()


def write_static(path, arr, gt, description, units, long_name):
    drv = gdal.GetDriverByName("GTiff")
    rows, cols = arr.shape
    ds = drv.Create(path, cols, rows, 1, gdal.GDT_Float32,
                    gtiff_options(blocksize=256, predictor=3))
    ds.SetGeoTransform(gt)
    ds.SetProjection(srs_from_epsg(STATIC_EPSG).ExportToWkt())
    ds.SetMetadata({"SYNTHETIC": "YES", "LONG_NAME": long_name,
                    "TIFFTAG_SOFTWARE": "geomap tools/samples/make_samples.py"})
    b = ds.GetRasterBand(1)
    b.SetDescription(description)
    b.SetUnitType(units)
    b.SetNoDataValue(STATIC_NODATA)
    b.WriteArray(arr.astype(np.float32))
    ds.FlushCache()
    ds = None


def make_static(rng, world, out_dir):
    sdir = os.path.join(out_dir, "static")
    os.makedirs(sdir, exist_ok=True)
    margin = 5000.0
    bx0, by0, bx1, by1 = basins_bounds(out_dir, STATIC_EPSG)
    x0 = math.floor((bx0 - margin) / 1000.0) * 1000.0
    y1 = math.ceil((by1 + margin) / 1000.0) * 1000.0
    cols = int(math.ceil((bx1 + margin - x0) / STATIC_PIXEL))
    rows = int(math.ceil((y1 - (by0 - margin)) / STATIC_PIXEL))
    gt = (x0, STATIC_PIXEL, 0.0, y1, 0.0, -STATIC_PIXEL)
    cx = x0 + (np.arange(cols) + 0.5) * STATIC_PIXEL
    cy = y1 - (np.arange(rows) + 0.5) * STATIC_PIXEL
    ex, ey = np.meshgrid(cx, cy)
    ux, uy = transform_points(STATIC_EPSG, UTM_EPSG, ex, ey)
    elev = world.elevation(ux, uy).astype(np.float32)
    write_static(os.path.join(sdir, "elevation.tif"), elev, gt, "elevation", "m",
                 "terrain height above mean sea level (synthetic)")

    tmp = os.path.join(sdir, "slope.tmp.tif")
    gdal.DEMProcessing(tmp, os.path.join(sdir, "elevation.tif"), "slope",
                       options=gdal.DEMProcessingOptions(computeEdges=True, slopeFormat="degree",
                                                         alg="Horn"))
    slope = gdal.Open(tmp).ReadAsArray().astype(np.float32)
    os.remove(tmp)
    write_static(os.path.join(sdir, "slope.tif"), slope, gt, "slope", "degree",
                 "terrain slope from elevation.tif (GDAL DEMProcessing, Horn)")

    # Soil texture: softmax of three smooth fields, sandier on ridges, clayey in valleys.
    rel = (elev - elev.mean()) / elev.std()
    f_clay = 0.45 * smooth_noise(rng, (rows, cols), 10) - 0.35 * rel + 0.1
    f_sand = 0.45 * smooth_noise(rng, (rows, cols), 10) + 0.35 * rel - 0.2
    f_silt = 0.4 * smooth_noise(rng, (rows, cols), 10) + 0.5
    e = np.exp(np.stack([f_clay, f_sand, f_silt]))
    frac = e / e.sum(axis=0)
    clay = frac[0].astype(np.float32)
    sand = frac[1].astype(np.float32)
    silt = (np.float32(1.0) - clay - sand).astype(np.float32)
    # A reservoir deep inside B004: soil maps have no soil under water, so clay/sand/silt are
    # nodata there (aggregation must skip nodata); forest fraction is 0 there.
    label, depth = world._base_labels(ux, uy)
    i = np.argmax(np.where(label == 4, depth, -np.inf))
    reservoir = np.hypot(ux - ux.flat[i], uy - uy.flat[i]) < 800.0
    for arr in (clay, sand, silt):
        arr[reservoir] = STATIC_NODATA
    for name, arr in (("clay", clay), ("sand", sand), ("silt", silt)):
        write_static(os.path.join(sdir, f"{name}.tif"), arr, gt, f"{name}_fraction", "1",
                     f"{name} mass fraction of the fine earth, 0-1 (clay+sand+silt = 1)")

    forest = 1 / (1 + np.exp(-(1.8 * rel + 0.9 * smooth_noise(rng, (rows, cols), 4) - 0.4)))
    forest[reservoir] = 0.0
    write_static(os.path.join(sdir, "forest_fraction.tif"), forest.astype(np.float32), gt,
                 "forest_fraction", "1", "fraction of the cell covered by forest, 0-1")
    return {"size": (cols, rows), "gt": gt}


# ----------------------------------------------------------------------------- forcings.nc

def make_forcings(rng, world, out_dir):
    lon0, lat0, lon1, lat1 = basins_bounds(out_dir, 4326)
    step = FORCING_STEP
    w = math.floor((lon0 - FORCING_MARGIN) / step) * step
    e = math.ceil((lon1 + FORCING_MARGIN) / step) * step
    s = math.floor((lat0 - FORCING_MARGIN) / step) * step
    n = math.ceil((lat1 + FORCING_MARGIN) / step) * step
    nlon = int(round((e - w) / step))
    nlat = int(round((n - s) / step))
    lon = np.round(w + (np.arange(nlon) + 0.5) * step, 6)
    lat = np.round(s + (np.arange(nlat) + 0.5) * step, 6)  # ascending (south to north)
    days = np.arange(FORCING_START, FORCING_END, dtype="datetime64[D]")
    nt = len(days)
    doy = np.array([(d - d.astype("datetime64[Y]")).astype(int) + 1 for d in days])
    phase = 2 * math.pi * (doy - 1) / 365.25

    glon, glat = np.meshgrid(lon, lat)
    ux, uy = transform_points(4326, UTM_EPSG, glon, glat)
    elev = world.elevation(ux, uy)  # [lat, lon] metres

    # Temperature: annual cycle at ~45 N (Jan ~0 C, Jul ~23 C), AR(1) anomalies, lapse rate.
    tmean_clim = 13.0 - 11.2 * np.cos(phase - 2 * math.pi * 18 / 365.25)
    anom = np.zeros(nt)
    for t in range(1, nt):
        anom[t] = 0.78 * anom[t - 1] + rng.normal(0, 2.2)
    spatial_t = np.stack([smooth_noise(rng, (nlat, nlon), 3.0) for _ in range(nt)])
    # Precipitation occurrence: two-state Markov chain, wetter in late spring and autumn.
    p_wd = 0.26 + 0.06 * np.cos(phase - 2 * math.pi * 150 / 365.25)
    p_ww = 0.58
    wet = np.zeros(nt, dtype=bool)
    for t in range(1, nt):
        wet[t] = rng.random() < (p_ww if wet[t - 1] else p_wd[t])
    amount = np.where(wet, rng.gamma(0.85, 6.8, nt), 0.0)  # regional mm/day
    # Spatial pattern of each wet day: lognormal smooth field, orographic enhancement, and
    # local dry cells where the field is low.
    oro = np.clip(1.0 + 0.5 * (elev - 250.0) / 400.0, 0.75, 1.5)
    pr = np.zeros((nt, nlat, nlon))
    for t in np.nonzero(wet)[0]:
        f = smooth_noise(rng, (nlat, nlon), 2.5)
        field = np.exp(0.55 * f - 0.15) * oro
        pr[t] = np.where(f > -1.3, amount[t] * field, 0.0)
    pr = np.round(pr, 2)

    lapse = -0.0065 * (elev - 200.0)
    tmean = (tmean_clim[:, None, None] + anom[:, None, None] + 0.6 * spatial_t
             + lapse[None] - 1.2 * wet[:, None, None])
    dtr = 9.0 + 3.0 * np.cos(phase - 2 * math.pi * 190 / 365.25)
    dtr = (dtr - 3.5 * wet)[:, None, None] + 0.8 * rng.standard_normal((nt, 1, 1))
    dtr = np.maximum(dtr, 2.0)
    tasmax = tmean + 0.5 * dtr + 273.15
    tasmin = tmean - 0.5 * dtr + 273.15

    # Shortwave: daily mean top-of-atmosphere irradiance at each latitude x transmissivity.
    decl = 0.409 * np.sin(2 * math.pi * doy / 365.0 - 1.39)
    latr = np.radians(lat)[None, :, None]
    ws = np.arccos(np.clip(-np.tan(latr) * np.tan(decl)[:, None, None], -1, 1))
    dr = 1 + 0.033 * np.cos(2 * math.pi * doy / 365.0)[:, None, None]
    toa = (1361.0 / math.pi) * dr * (ws * np.sin(latr) * np.sin(decl)[:, None, None]
                                     + np.cos(latr) * np.cos(decl)[:, None, None] * np.sin(ws))
    trans = (0.58 + 0.08 * np.cos(phase - 2 * math.pi * 190 / 365.25) - 0.30 * wet
             + 0.05 * rng.standard_normal(nt))
    trans = np.clip(trans[:, None, None] - 0.03 * np.clip(pr, 0, 20) / 20.0, 0.15, 0.78)
    rsds = toa * trans * np.ones((1, 1, nlon))

    # Relative humidity: higher in winter and on wet days.
    hurs = (74.0 + 10.0 * np.cos(phase - 2 * math.pi * 10 / 365.25))[:, None, None]
    hurs = hurs + 13.0 * wet[:, None, None] - 1.5 * anom[:, None, None] + 3.0 * spatial_t
    hurs = np.clip(hurs, 25.0, 100.0)

    # One grid cell outside every basin (south-west corner) is missing all the time, so readers
    # must honour _FillValue.
    data = {"pr": pr, "tasmax": tasmax, "tasmin": tasmin, "rsds": rsds, "hurs": hurs}
    for k in data:
        arr = data[k].astype(np.float32)
        arr[:, 0, 0] = FORCING_FILL
        data[k] = arr

    path = os.path.join(out_dir, "forcings.nc")
    tmp = path + ".tmp"
    ds = netCDF4.Dataset(tmp, "w", format="NETCDF4_CLASSIC")
    ds.createDimension("time", None)
    ds.createDimension("lat", nlat)
    ds.createDimension("lon", nlon)
    ds.createDimension("bnds", 2)

    tv = ds.createVariable("time", "f8", ("time",))
    tv.standard_name = "time"
    tv.long_name = "time"
    tv.axis = "T"
    tv.units = "days since 2016-01-01 00:00:00"
    tv.calendar = "standard"
    tv.bounds = "time_bnds"
    t = (days - FORCING_START).astype(np.float64)
    tv[:] = t
    tb = ds.createVariable("time_bnds", "f8", ("time", "bnds"))
    tb[:] = np.column_stack([t, t + 1.0])

    for name, vals, std, axis, units, bname in (
            ("lat", lat, "latitude", "Y", "degrees_north", "lat_bnds"),
            ("lon", lon, "longitude", "X", "degrees_east", "lon_bnds")):
        v = ds.createVariable(name, "f8", (name,))
        v.standard_name = std
        v.long_name = std
        v.units = units
        v.axis = axis
        v.bounds = bname
        v[:] = vals
        b = ds.createVariable(bname, "f8", (name, "bnds"))
        b[:] = np.column_stack([vals - 0.5 * step, vals + 0.5 * step])

    crs = ds.createVariable("crs", "i4")
    crs.grid_mapping_name = "latitude_longitude"
    crs.longitude_of_prime_meridian = 0.0
    crs.semi_major_axis = 6378137.0
    crs.inverse_flattening = 298.257223563
    crs.crs_wkt = srs_from_epsg(4326).ExportToWkt(["FORMAT=WKT2_2019"])

    specs = {
        "pr": ("precipitation_flux", "kg m-2 day-1", "time: mean",
               "daily precipitation (kg m-2 day-1 = mm/day of water)"),
        "tasmax": ("air_temperature", "K", "time: maximum",
                   "daily maximum near-surface air temperature"),
        "tasmin": ("air_temperature", "K", "time: minimum",
                   "daily minimum near-surface air temperature"),
        "rsds": ("surface_downwelling_shortwave_flux_in_air", "W m-2", "time: mean",
                 "daily mean surface downwelling shortwave radiation"),
        "hurs": ("relative_humidity", "%", "time: mean",
                 "daily mean near-surface relative humidity"),
    }
    chunk = (365, nlat, nlon)
    for name, (std, units, cm, long_name) in specs.items():
        v = ds.createVariable(name, "f4", ("time", "lat", "lon"), zlib=True, complevel=6,
                              shuffle=True, chunksizes=chunk, fill_value=FORCING_FILL)
        v.standard_name = std
        v.long_name = long_name
        v.units = units
        v.cell_methods = cm
        v.grid_mapping = "crs"
        v.missing_value = FORCING_FILL
        v[:] = data[name]

    ds.Conventions = "CF-1.8"
    ds.title = "geomap sample daily forcings (synthetic)"
    ds.institution = "geomap project"
    ds.source = "synthetic, geomap samples"
    ds.history = "created by tools/samples/make_samples.py (seed %d)" % SEED
    ds.references = "samples/README.md in the geomap repository"
    ds.comment = ("SYNTHETIC data for tests and demos, not observations: temperature annual "
                  "cycle at ~45 N with AR(1) anomalies and a 6.5 K/km lapse rate, wet-day "
                  "Markov chain with gamma amounts, clear-sky radiation reduced on wet days, "
                  "relative humidity higher on wet days. Grid cell (lat[0], lon[0]) is missing "
                  "(_FillValue) at every time step on purpose.")
    ds.close()
    os.replace(tmp, path)
    return {"nlat": nlat, "nlon": nlon, "nt": nt, "bounds": (w, s, e, n)}


# ----------------------------------------------------------------------------- self-check

def self_check(out_dir, facts):
    r = gdal.Open(os.path.join(out_dir, "region.tif"))
    assert (r.RasterXSize, r.RasterYSize, r.RasterCount) == (*REGION_SIZE, 7)
    assert all(r.GetRasterBand(i + 1).DataType == gdal.GDT_UInt16 for i in range(7))
    assert [r.GetRasterBand(i + 1).GetDescription() for i in range(7)] == BANDS
    assert r.GetSpatialRef().GetAuthorityCode(None) == str(UTM_EPSG)
    assert r.GetMetadataItem("ACQUISITIONDATE") == "2017-06-13T10:10:31Z"
    assert r.GetMetadataItem("TIFFTAG_DATETIME") == "2017:06:13 10:10:31"
    assert r.GetRasterBand(1).GetNoDataValue() == 0
    assert r.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "DEFLATE"
    lab = gdal.Open(os.path.join(out_dir, "region.labels.tif"))
    lb = lab.GetRasterBand(1)
    # GDAL 3.6 GTiff: GetCategoryNames() alone does not load the .aux.xml; GetDefaultRAT() does.
    rat = lb.GetDefaultRAT()
    assert [rat.GetValueAsString(i, 1) for i in range(rat.GetRowCount())] == [
        c[1] for c in CLASSES]
    assert lb.GetCategoryNames()[1:7] == [c[1] for c in CLASSES]
    assert lb.GetColorTable() is not None
    classes = set(np.unique(lb.ReadAsArray()).tolist())
    assert classes == {0, 1, 2, 3, 4, 5, 6}, classes

    v = ogr.Open(os.path.join(out_dir, "basins.shp"))
    lyr = v.GetLayer(0)
    assert lyr.GetSpatialRef().GetAuthorityCode(None) == str(UTM_EPSG)
    ids = [f.GetField("basin_id") for f in lyr]
    assert len(ids) == len(set(ids)) and 5 <= len(ids) <= 8, ids
    kinds = [k for _, k, _ in facts]
    assert "MULTIPOLYGON" in kinds
    lyr.ResetReading()
    holes = [f.GetField("basin_id") for f in lyr
             if f.GetGeometryRef().GetGeometryName() == "POLYGON"
             and f.GetGeometryRef().GetGeometryCount() > 1]
    assert holes, "no basin with a hole"
    lyr.ResetReading()

    nc = netCDF4.Dataset(os.path.join(out_dir, "forcings.nc"))
    assert nc.data_model == "NETCDF4_CLASSIC"
    tv = nc["time"]
    dates = netCDF4.num2date(tv[[0, -1]], tv.units, tv.calendar)
    assert (str(dates[0])[:10], str(dates[1])[:10]) == ("2016-01-01", "2017-12-31")
    assert len(tv) == 731
    for name in ("pr", "tasmax", "tasmin", "rsds", "hurs"):
        assert nc[name].dtype == np.float32 and nc[name].chunking()[0] == 365
    lon_b, lat_b = nc["lon_bnds"][:], nc["lat_bnds"][:]
    box = (lon_b.min(), lat_b.min(), lon_b.max(), lat_b.max())
    nc.close()

    # Every basin vertex lies inside the forcing grid and the static rasters.
    st = gdal.Open(os.path.join(out_dir, "static", "elevation.tif"))
    sgt = st.GetGeoTransform()
    sbox = (sgt[0], sgt[3] + sgt[5] * st.RasterYSize, sgt[0] + sgt[1] * st.RasterXSize, sgt[3])
    for epsg, bb in ((4326, box), (STATIC_EPSG, sbox)):
        x0, y0, x1, y1 = basins_bounds(out_dir, epsg)
        assert bb[0] < x0 and bb[1] < y0 and x1 < bb[2] and y1 < bb[3], (epsg, bb, x0, y0)
    for name in ("elevation", "slope", "clay", "sand", "silt", "forest_fraction"):
        ds = gdal.Open(os.path.join(out_dir, "static", name + ".tif"))
        assert ds.GetSpatialRef().GetAuthorityCode(None) == str(STATIC_EPSG)
        assert ds.GetRasterBand(1).GetUnitType() != ""
    total = sum(gdal.Open(os.path.join(out_dir, "static", n + ".tif")).ReadAsArray()
                for n in ("clay", "sand", "silt"))
    soil = gdal.Open(os.path.join(out_dir, "static", "clay.tif")).ReadAsArray()
    n_nodata = int(np.sum(soil == STATIC_NODATA))
    assert 20 <= n_nodata <= 60, n_nodata
    assert np.abs(total[soil != STATIC_NODATA] - 1).max() < 1e-6


def summary(out_dir):
    """Print the facts samples/README.md quotes (class shares, climate), to keep it in sync."""
    lab = gdal.Open(os.path.join(out_dir, "region.labels.tif")).ReadAsArray()
    shares = ", ".join(f"{n} {100 * np.mean(lab == c):.1f}%" for c, n, _ in CLASSES)
    print(f"region classes: fill {100 * np.mean(lab == 0):.1f}%, {shares}")
    nc = netCDF4.Dataset(os.path.join(out_dir, "forcings.nc"))
    pr = nc["pr"][:]
    print("pr: annual mm 2016 %.0f, 2017 %.0f; wet-day share %.2f; max %.1f mm/day"
          % (pr[:366].sum(axis=0).mean(), pr[366:].sum(axis=0).mean(),
             np.mean(pr[:, 8, 11] > 0.1), pr.max()))
    for v in ("tasmax", "tasmin", "rsds", "hurs"):
        m = nc[v][:].mean(axis=(1, 2))
        print(f"{v}: January mean {m[:31].mean():.1f}, July mean {m[182:213].mean():.1f}"
              f" {nc[v].units}")
    nc.close()
    el = gdal.Open(os.path.join(out_dir, "static", "elevation.tif")).ReadAsArray()
    sl = gdal.Open(os.path.join(out_dir, "static", "slope.tif")).ReadAsArray()
    print(f"elevation {el.min():.0f}..{el.max():.0f} m, slope mean {sl.mean():.1f} "
          f"max {sl.max():.1f} degree")


def tree_size(out_dir):
    files = []
    for root, _, names in os.walk(out_dir):
        for n in names:
            p = os.path.join(root, n)
            files.append((os.path.relpath(p, out_dir), os.path.getsize(p)))
    return sorted(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="samples", help="output directory (default: samples)")
    args = ap.parse_args()
    out_dir = args.out
    os.makedirs(out_dir, exist_ok=True)
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "YES")

    rng = np.random.default_rng(SEED)
    world = World(rng)
    spectra = load_spectra()

    lc, parcel = make_landcover(rng, world)
    dn = make_reflectance(rng, lc, parcel, spectra)
    write_region(out_dir, dn, lc)
    facts = make_basins(world, out_dir)
    static = make_static(rng, world, out_dir)
    forc = make_forcings(rng, world, out_dir)
    self_check(out_dir, facts)
    summary(out_dir)

    for bid, kind, area in facts:
        print(f"basin {bid}: {kind}, {area:.1f} km2")
    print("static grid %d x %d, forcing grid %d lat x %d lon x %d days"
          % (*static["size"], forc["nlat"], forc["nlon"], forc["nt"]))
    files = tree_size(out_dir)
    for name, size in files:
        print(f"{size:>10,d}  {name}")
    total = sum(s for _, s in files)
    print(f"{total:>10,d}  total ({total / 1e6:.2f} MB)")
    assert total < 15e6, "samples exceed 15 MB"


if __name__ == "__main__":
    sys.exit(main())
