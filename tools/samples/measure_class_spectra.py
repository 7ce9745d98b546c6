#!/usr/bin/python3
"""Measure per-class Landsat C2 L2 SR spectra (DN) from the real BigEarthNet-Landsat tiles.

Run:  /usr/bin/python3 tools/samples/measure_class_spectra.py \
          [/work/shared/data/bigearthnet-landsat-sample] > tools/samples/class_spectra.json

Reads the 200 real tiles (never copies them) and writes only summary facts: for each of the six
synthetic land-cover classes, the per-band mean, standard deviation and 7x7 covariance in DN,
the pixel and tile counts, and the selection rule. make_samples.py reads the JSON, so the
samples can be regenerated without the real tiles.

Method (tile labels are CLC-43 names from labels/*_labels_metadata.json; pixels with any zero
band are fill and skipped; reflectance r = DN * 2.75e-5 - 0.2; NDVI = (r5-r4)/(r5+r4),
NDWI = (r3-r5)/(r3+r5), NDBI = (r6-r5)/(r6+r5)):
  all       pixels with blue or coastal reflectance >= 0.15 are cloud/haze/snow and skipped.
  water     tiles labelled only "Sea and ocean"/"Water bodies"/"Coastal lagoons", pixels NDWI > 0
            and SWIR1 reflectance < 0.05.
  forest    tiles labelled only forest classes (coniferous/broad-leaved/mixed forest,
            transitional woodland/shrub), pixels NDVI > 0.5.
  crops     tiles labelled only "Non-irrigated arable land" (or with "Complex cultivation
            patterns"), pixels NDWI < 0.
  grassland tiles labelled only "Pastures"/"Natural grassland" (+ arable), pixels NDVI > 0.4
            and NDWI < 0 -- plus tiles labelled only pastures.
  urban     tiles with an urban/industrial label, pixels NDVI < 0.3, NDWI < 0, NDBI > -0.1.
  bare      every land tile, pixels NDVI < 0.2, NDWI < 0, NDBI > 0.05 and red reflectance > 0.10
            (ploughed fields, bare soil; the sample holds no beach/rock tiles).
"""
import glob
import json
import os
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

WATER = {"Sea and ocean", "Water bodies", "Coastal lagoons"}
FOREST = {"Coniferous forest", "Broad-leaved forest", "Mixed forest",
          "Transitional woodland/shrub"}
CROPS = {"Non-irrigated arable land", "Complex cultivation patterns"}
GRASS = {"Pastures", "Natural grassland"}
URBAN = {"Discontinuous urban fabric", "Continuous urban fabric",
         "Industrial or commercial units", "Road and rail networks and associated land"}


def load(root):
    tiles = []
    for img in sorted(glob.glob(os.path.join(root, "images", "*.tif"))):
        name = os.path.splitext(os.path.basename(img))[0]
        meta = os.path.join(root, "labels", name + "_labels_metadata.json")
        if not os.path.exists(meta):  # one of the 200 tiles has no label file
            continue
        with open(meta) as f:
            labels = set(json.load(f)["labels"])
        a = gdal.Open(img).ReadAsArray().astype(np.float64)  # [7, h, w]
        px = a.reshape(7, -1).T
        px = px[(px > 0).all(axis=1)]
        tiles.append((name, labels, px))
    return tiles


def indices(px):
    r = px * 2.75e-5 - 0.2
    eps = 1e-9
    ndvi = (r[:, 4] - r[:, 3]) / (r[:, 4] + r[:, 3] + eps)
    ndwi = (r[:, 2] - r[:, 4]) / (r[:, 2] + r[:, 4] + eps)
    ndbi = (r[:, 5] - r[:, 4]) / (r[:, 5] + r[:, 4] + eps)
    return r, ndvi, ndwi, ndbi


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/bigearthnet-landsat-sample"
    tiles = load(root)
    rules = {
        "water": (lambda L: L <= WATER,
                  lambda r, v, w, b: (w > 0) & (r[:, 5] < 0.05)),
        "forest": (lambda L: L <= FOREST,
                   lambda r, v, w, b: v > 0.5),
        "crops": (lambda L: L <= CROPS and "Non-irrigated arable land" in L,
                  lambda r, v, w, b: w < 0),
        "grassland": (lambda L: L <= GRASS | {"Non-irrigated arable land"} and bool(L & GRASS),
                      lambda r, v, w, b: (v > 0.4) & (w < 0)),
        "urban": (lambda L: bool(L & URBAN),
                  lambda r, v, w, b: (v < 0.3) & (w < 0) & (b > -0.1)),
        "bare": (lambda L: not (L & WATER),
                 lambda r, v, w, b: (v < 0.2) & (w < 0) & (b > 0.05) & (r[:, 3] > 0.10)),
    }
    out = {"source": "BigEarthNet-Landsat sample tiles (200 real Landsat-8 C2 L2 SR clips)",
           "units": "Landsat C2 L2 SR digital numbers (reflectance = DN*2.75e-5 - 0.2)",
           "bands": ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"],
           "method": __doc__.split("Method")[1].strip(),
           "classes": {}}
    for cls, (tile_ok, px_ok) in rules.items():
        chosen, names = [], []
        for name, labels, px in tiles:
            if len(px) == 0 or not tile_ok(labels):
                continue
            r, v, w, b = indices(px)
            clear = (r[:, 1] < 0.15) & (r[:, 0] < 0.15)  # drop cloud, haze, snow
            sel = px[px_ok(r, v, w, b) & clear]
            if len(sel):
                chosen.append(sel)
                names.append(name)
        allpx = np.concatenate(chosen)
        out["classes"][cls] = {
            "tiles": len(names),
            "pixels": int(len(allpx)),
            "mean": [round(float(x), 1) for x in allpx.mean(axis=0)],
            "std": [round(float(x), 1) for x in allpx.std(axis=0)],
            "cov": [[round(float(x), 1) for x in row] for row in np.cov(allpx.T)],
            "example_tiles": names[:5],
        }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
