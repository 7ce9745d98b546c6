#!/usr/bin/python3
"""Small rasters as users have them, for convert, predict and the Landsat reader (issue 13
items 5-9).

Writes to Tests/Fixtures/rasters/. Every pixel is cut from samples/region.tif (geomap's own
synthetic Landsat 8 C2 L2 surface-reflectance sample, made with a fixed seed by
tools/samples/make_samples.py, EPSG:32634, 30 m); nothing is copied from another project and
nothing is random here. No file carries the time it was made, so re-running the script gives
the same bytes.

- four.tif: 96 × 64 px, 4 Byte bands (SR_B4, B3, B2, B1 scaled to 1…255; band 4 is 0 on about
  a third of the pixels), PHOTOMETRIC=MINISBLACK so the bands are Gray/Undefined, no nodata;
  dataset metadata in three domains: the default one (region.tif's items, TIFFTAG_DATETIME
  2019:08:01 10:00:00, SENSOR=OLI), PROCESSING and GEOMAP_TEST; BAND_NAME on every band.
- masked-external.tif (+ masked-external.tif.msk), masked-internal.tif: bands 1-3 of four.tif
  as RGB with band 4 as the dataset mask, in a `.msk` beside the file or inside the TIFF.
- rgba.tif: four.tif as Red/Green/Blue/Alpha (band 4 the alpha).
- domains.vrt: a VRT over four.tif with metadata of its own (ACQUISITIONDATE, a GEOMAP_TEST
  domain), band metadata (WAVELENGTH) and colour interpretations Gray, Undefined ×3.
- gcp.tif: band 1 of four.tif georeferenced by four corner GCPs in EPSG:32634 (no geotransform);
  gcp.vrt: the same GCPs in the VRT form (a GCPList over four.tif's 4 bands, as rasterio's
  RGB.byte.gcp.vrt is laid out); gcp-nocrs.tif: three GCPs without a CRS.
- mosaic/mosaic.vrt over mosaic/clip0.tif, clip1.tif: a 160 × 120 px mosaic (region.tif's
  pixels 200…360 × 120…240) of two 60 × 40 px clips with all 7 UInt16 bands and no nodata,
  at mosaic pixels [20,80)×[20,60) and [80,140)×[80,120), built as `gdalbuildvrt -te` without
  `-srcnodata` builds it: the gaps hold 0 in every band, the Landsat C2 SR fill value.
- landsat/LC08_L2SP_186029_20170613_20200903_02_T1/: a Collection 2 Level-2 band-per-file
  product: <id>_SR_B1.TIF … _SR_B7.TIF (COGs, UInt16, nodata 0, region.tif's pixels
  80…160 × 20…60: the left 40 × 40 tile holds 242 pixels of scene-edge fill), <id>_QA_PIXEL.TIF
  (21824, clear land, everywhere), <id>_MTL.txt and <id>_MTL.json (product id, file names,
  DATE_ACQUIRED 2017-06-13, SCENE_CENTER_TIME 10:10:31.4657650Z). No band file carries a date:
  it comes from the MTL file or the product id.
- landsat/cloudy_QA_PIXEL.TIF: a QA_PIXEL of the same grid with the cloud bit (8) everywhere,
  for tests that put it in place of the product's.

Run from anywhere with Debian's python3-gdal (GDAL 3.6, numpy):
    /usr/bin/python3 tools/rasters/make_raster_fixtures.py
"""
import json
import os
import shutil

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGION = os.path.join(ROOT, "samples", "region.tif")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "rasters")
PRODUCT = "LC08_L2SP_186029_20170613_20200903_02_T1"
DEFLATE = ["COMPRESS=DEFLATE", "PREDICTOR=2"]
# Mosaic: its window in region.tif (x, y, width, height) and the clips' windows in the mosaic.
MOSAIC = (200, 120, 160, 120)
CLIPS = [(20, 20, 60, 40), (80, 80, 60, 40)]
LANDSAT = (80, 20, 80, 40)
# Corner GCPs of a 96 × 64 px image with 30 m pixels at region.tif's origin.
GCPS = [(0, 0, 455015, 4966095), (96, 0, 457895, 4966095), (0, 64, 455015, 4964175),
        (96, 64, 457895, 4964175)]


def path(*parts):
    return os.path.join(OUT, *parts)


def translate(output, source, options, config=None):
    for key, value in (config or {}).items():
        gdal.SetConfigOption(key, value)
    try:
        gdal.Translate(output, source, options=options)
    finally:
        for key in config or {}:
            gdal.SetConfigOption(key, None)


def four():
    translate(path("four.tif"), REGION, [
        "-q", "-ot", "Byte", "-b", "4", "-b", "3", "-b", "2", "-b", "1",
        "-srcwin", "0", "0", "96", "64",
        "-scale_1", "2000", "21000", "1", "255", "-scale_2", "2000", "17000", "1", "255",
        "-scale_3", "2000", "14000", "1", "255", "-scale_4", "8000", "9000", "0", "255",
        "-a_nodata", "none", "-mo", "TIFFTAG_DATETIME=2019:08:01 10:00:00", "-mo", "SENSOR=OLI",
        "-co", "PHOTOMETRIC=MINISBLACK", "-co", "COMPRESS=DEFLATE"])
    ds = gdal.Open(path("four.tif"), gdal.GA_Update)
    ds.SetMetadata({"LEVEL": "L2SP", "COLLECTION": "02"}, "PROCESSING")
    ds.SetMetadata({"PROCESSING": "level-2"}, "GEOMAP_TEST")
    ds = None


def masked():
    for name, internal in [("masked-external.tif", "NO"), ("masked-internal.tif", "YES")]:
        translate(path(name), path("four.tif"), [
            "-q", "-b", "1", "-b", "2", "-b", "3", "-mask", "4", "-colorinterp", "red,green,blue",
            "-co", "COMPRESS=DEFLATE"], {"GDAL_TIFF_INTERNAL_MASK": internal})


def rgba():
    translate(path("rgba.tif"), path("four.tif"), [
        "-q", "-colorinterp", "red,green,blue,alpha", "-co", "COMPRESS=DEFLATE"])


def domains_vrt():
    ds = gdal.Open(path("four.tif"))
    srs = ds.GetProjectionRef()
    gt = ", ".join(repr(v) for v in ds.GetGeoTransform())
    ds = None
    escaped = srs.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    bands = []
    for band in range(1, 5):
        bands.append(f"""  <VRTRasterBand dataType="Byte" band="{band}">
    <Metadata><MDI key="WAVELENGTH">{band * 100}</MDI></Metadata>
    <ColorInterp>{"Gray" if band == 1 else "Undefined"}</ColorInterp>
    <SimpleSource><SourceFilename relativeToVRT="1">four.tif</SourceFilename>
      <SourceBand>{band}</SourceBand></SimpleSource>
  </VRTRasterBand>""")
    xml = f"""<VRTDataset rasterXSize="96" rasterYSize="64">
  <SRS>{escaped}</SRS>
  <GeoTransform>{gt}</GeoTransform>
  <Metadata><MDI key="ACQUISITIONDATE">2019-08-01T10:00:00Z</MDI></Metadata>
  <Metadata domain="GEOMAP_TEST"><MDI key="PROCESSING">level-2</MDI></Metadata>
{chr(10).join(bands)}
</VRTDataset>
"""
    with open(path("domains.vrt"), "w") as f:
        f.write(xml)


def gcps():
    points = []
    for pixel, line, x, y in GCPS:
        points += ["-gcp", str(pixel), str(line), str(x), str(y)]
    translate(path("gcp.tif"), path("four.tif"),
              ["-q", "-b", "1", "-a_srs", "EPSG:32634", "-co", "COMPRESS=DEFLATE"] + points)
    # The VRT form: written with four.tif named relative to it.
    cwd = os.getcwd()
    os.chdir(OUT)
    try:
        translate("gcp.vrt", "four.tif", ["-q", "-of", "VRT", "-a_srs", "EPSG:32634"] + points)
    finally:
        os.chdir(cwd)
    translate(path("gcp-nocrs.tif"), path("four.tif"), [
        "-q", "-b", "1", "-gcp", "0", "0", "0", "10", "-gcp", "96", "0", "10", "10",
        "-gcp", "0", "64", "0", "0", "-co", "COMPRESS=DEFLATE"])


def mosaic():
    folder = path("mosaic")
    os.makedirs(folder, exist_ok=True)
    mx, my, mw, mh = MOSAIC
    names = []
    for index, (x, y, w, h) in enumerate(CLIPS):
        name = f"clip{index}.tif"
        translate(os.path.join(folder, name), REGION, [
            "-q", "-srcwin", str(mx + x), str(my + y), str(w), str(h), "-a_nodata", "none",
            "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=2"])
        names.append(name)
    ds = gdal.Open(REGION)
    ox, px, _, oy, _, py = ds.GetGeoTransform()
    ds = None
    bounds = [ox + mx * px, oy + (my + mh) * py, ox + (mx + mw) * px, oy + my * py]
    cwd = os.getcwd()
    os.chdir(folder)
    try:  # relative names, so the folder can be copied or moved
        gdal.BuildVRT("mosaic.vrt", names, outputBounds=bounds).FlushCache()
    finally:
        os.chdir(cwd)


def landsat():
    folder = path("landsat", PRODUCT)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    x, y, w, h = LANDSAT
    files = {}
    for band in range(1, 8):
        name = f"{PRODUCT}_SR_B{band}.TIF"
        # No metadata, names or descriptions copied (USGS's band files carry none): the date
        # must come from the MTL file or the product id.
        mem = gdal.Translate("", REGION, options=[
            "-q", "-of", "MEM", "-b", str(band), "-srcwin", str(x), str(y), str(w), str(h),
            "-a_nodata", "0"])
        mem.SetMetadata({})
        mem.GetRasterBand(1).SetMetadata({})
        mem.GetRasterBand(1).SetDescription("")
        gdal.GetDriverByName("COG").CreateCopy(
            os.path.join(folder, name), mem, options=["COMPRESS=DEFLATE", "PREDICTOR=YES"])
        mem = None
        files[f"FILE_NAME_BAND_{band}"] = name
    reference = os.path.join(folder, f"{PRODUCT}_SR_B1.TIF")
    for name, value in [(os.path.join(folder, f"{PRODUCT}_QA_PIXEL.TIF"), 21824),
                        (path("landsat", "cloudy_QA_PIXEL.TIF"), 1 << 3)]:
        src = gdal.Open(reference)
        mem = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_UInt16)
        mem.SetGeoTransform(src.GetGeoTransform())
        mem.SetProjection(src.GetProjectionRef())
        mem.GetRasterBand(1).WriteArray(np.full((h, w), value, dtype=np.uint16))
        mem.GetRasterBand(1).SetNoDataValue(1)
        gdal.GetDriverByName("COG").CreateCopy(name, mem, options=["COMPRESS=DEFLATE"])
        mem = src = None
    files["FILE_NAME_QUALITY_L1_PIXEL"] = f"{PRODUCT}_QA_PIXEL.TIF"
    contents = {"LANDSAT_PRODUCT_ID": PRODUCT, **files,
                "FILE_NAME_METADATA_ODL": f"{PRODUCT}_MTL.txt",
                "FILE_NAME_METADATA_JSON": f"{PRODUCT}_MTL.json"}
    attributes = {"SPACECRAFT_ID": "LANDSAT_8", "SENSOR_ID": "OLI_TIRS", "WRS_PATH": "186",
                  "WRS_ROW": "29", "DATE_ACQUIRED": "2017-06-13",
                  "SCENE_CENTER_TIME": "10:10:31.4657650Z", "CLOUD_COVER": "0.00"}
    document = {"LANDSAT_METADATA_FILE": {"PRODUCT_CONTENTS": contents,
                                          "IMAGE_ATTRIBUTES": attributes}}
    with open(os.path.join(folder, f"{PRODUCT}_MTL.json"), "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    # MTL.txt: ODL as USGS writes it, strings quoted except dates and numbers.
    lines = []
    for group, items in document["LANDSAT_METADATA_FILE"].items():
        lines.append(f"  GROUP = {group}")
        for key, value in items.items():
            bare = key in ("DATE_ACQUIRED", "WRS_PATH", "WRS_ROW", "CLOUD_COVER")
            lines.append(f"    {key} = {value if bare else chr(34) + value + chr(34)}")
        lines.append(f"  END_GROUP = {group}")
    text = "GROUP = LANDSAT_METADATA_FILE\n" + "\n".join(lines)
    text += "\nEND_GROUP = LANDSAT_METADATA_FILE\nEND\n"
    with open(os.path.join(folder, f"{PRODUCT}_MTL.txt"), "w") as f:
        f.write(text)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    four()
    masked()
    rgba()
    domains_vrt()
    gcps()
    mosaic()
    landsat()
    total = 0
    for folder, _, names in sorted(os.walk(OUT)):
        for name in sorted(names):
            size = os.path.getsize(os.path.join(folder, name))
            total += size
            print(f"{os.path.relpath(os.path.join(folder, name), OUT)}: {size} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
