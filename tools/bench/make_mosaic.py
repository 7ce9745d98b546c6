#!/usr/bin/env python3
"""Writes a benchmark scene: a mosaic of real BigEarthNet-Landsat tiles (40x40 crops, 7 bands,
UInt16), laid row by row and cycled when the sample has fewer tiles than the mosaic needs.

    make_mosaic.py IMAGES OUT.tif SIZE [gdal_translate -co options...]

IMAGES is the sample's images/ directory (read in place, never copied into the repository).
The mosaic is written through a VRT with gdal_translate (GDAL's command-line tools, no Python
bindings needed). SIZE must be a multiple of 40. Scenes larger than 2000 px are made from a
2000x2000 mosaic (OUT's directory, `mosaic-2000.tif`) repeated, so the VRT stays small.
Default creation options: TILED=YES, 512x512 blocks, DEFLATE, BIGTIFF=IF_SAFER.

The georeferencing is the first tile's CRS (WGS 84 / UTM 34N in the sample) with an origin of
(500000, 7000000) and 30 m pixels; commands run with --no-metadata, as in issue 17's table.
"""
import os
import subprocess
import sys
from xml.sax.saxutils import escape

TILE = 40
BASE = 2000
DEFAULT_OPTIONS = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE",
                   "BIGTIFF=IF_SAFER"]


def vrt(size, sources, crs):
    """A 7-band UInt16 VRT of `size`x`size` pixels from (path, src, dst) rectangles."""
    lines = [f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}">',
             f"  <SRS>{escape(crs)}</SRS>",
             f"  <GeoTransform>500000, 30, 0, 7000000, 0, -30</GeoTransform>"]
    for band in range(1, 8):
        lines.append(f'  <VRTRasterBand dataType="UInt16" band="{band}">')
        for path, (sx, sy, w, h), (dx, dy) in sources:
            lines.append(
                f"    <SimpleSource><SourceFilename>{escape(path)}</SourceFilename>"
                f"<SourceBand>{band}</SourceBand>"
                f'<SrcRect xOff="{sx}" yOff="{sy}" xSize="{w}" ySize="{h}"/>'
                f'<DstRect xOff="{dx}" yOff="{dy}" xSize="{w}" ySize="{h}"/></SimpleSource>')
        lines.append("  </VRTRasterBand>")
    lines.append("</VRTDataset>")
    return "\n".join(lines) + "\n"


def translate(vrt_text, vrt_path, out, options):
    with open(vrt_path, "w") as f:
        f.write(vrt_text)
    command = ["gdal_translate", "-q", "-of", "GTiff", "--config", "GDAL_NUM_THREADS", "2"]
    for option in options:
        command += ["-co", option]
    try:
        subprocess.run(command + [vrt_path, out + ".part"], check=True)
        os.replace(out + ".part", out)
    finally:
        os.remove(vrt_path)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    images, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    options = sys.argv[4:] or DEFAULT_OPTIONS
    if size % TILE or size <= 0:
        sys.exit(f"make_mosaic.py: SIZE must be a positive multiple of {TILE}, got {size}")
    files = sorted(os.path.join(images, name) for name in os.listdir(images)
                   if name.endswith(".tif"))
    if not files:
        sys.exit(f"make_mosaic.py: no .tif tiles in {images}")
    crs = "EPSG:32634"
    directory = os.path.dirname(os.path.abspath(out))
    if size <= BASE:
        per_side = size // TILE
        sources = [(files[i % len(files)], (0, 0, TILE, TILE),
                    ((i % per_side) * TILE, (i // per_side) * TILE))
                   for i in range(per_side * per_side)]
        cycles = per_side * per_side / len(files)
        print(f"make_mosaic.py: {per_side * per_side} tiles from {len(files)} real tiles "
              f"({cycles:.1f} times each)", file=sys.stderr)
        translate(vrt(size, sources, crs), out + ".vrt", out, options)
        return
    if size % BASE:
        sys.exit(f"make_mosaic.py: a SIZE over {BASE} must be a multiple of {BASE}")
    base = os.path.join(directory, f"mosaic-{BASE}.tif")
    if not os.path.exists(base):
        subprocess.run([sys.executable, __file__, images, base, str(BASE)], check=True)
    per_side = size // BASE
    sources = [(base, (0, 0, BASE, BASE), (c * BASE, r * BASE))
               for r in range(per_side) for c in range(per_side)]
    print(f"make_mosaic.py: {size}x{size} from {per_side * per_side} copies of {base}",
          file=sys.stderr)
    translate(vrt(size, sources, crs), out + ".vrt", out, options)


if __name__ == "__main__":
    main()
