#!/usr/bin/env python3
"""Writes a synthetic CONUS-sized tile job for planning benchmarks (`geomap run --dry-run`):
thousands of scene footprints over the conterminous United States at 30 m, each a tiny VRT
with no source (it reads as nodata: no pixel data on disk), and one VRT mosaic over all of
them, plus run configurations.

    make_conus_plan.py OUT_DIR [SCENE_PX] [STEP_PX]

OUT_DIR gets scenes/s_RRR_CCC.vrt (SCENE_PX x SCENE_PX pixels, default 2560, one every
STEP_PX pixels, default 2400, so neighbours overlap), conus.vrt (every scene as a source,
with SourceProperties so GDAL opens no scene to read the mosaic's header), and three
configurations (no GDAL Python bindings needed):

- conus.yaml:        predict-tiles over conus.vrt at stride 40, chunk-pixels 256 (default);
- conus-fine.yaml:   the same with chunk-pixels 32 (about 9,000 chunks);
- scenes.yaml:       predict-tiles over the scenes folder (one item per scene).

The grid is EPSG:5070 (CONUS Albers, metres), x -2,356,000 ... 2,264,000 and y 270,000 ...
3,170,000: 154,000 x 96,667 pixels of 30 m, 7 UInt16 bands SR_B1...SR_B7 as the demo model
expects.
"""
import os
import sys

WEST, EAST, SOUTH, NORTH = -2_356_000, 2_264_000, 270_000, 3_170_000
PIXEL = 30
BANDS = [f"SR_B{i}" for i in range(1, 8)]
SRS = "EPSG:5070"


def scene_vrt(size, x0, y0):
    lines = [f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}">',
             f"  <SRS>{SRS}</SRS>",
             f"  <GeoTransform>{x0}, {PIXEL}, 0, {y0}, 0, -{PIXEL}</GeoTransform>",
             '  <Metadata><MDI key="ACQUISITIONDATE">2024-06-13T17:00:00Z</MDI></Metadata>']
    for band, name in enumerate(BANDS, start=1):
        lines.append(f'  <VRTRasterBand dataType="UInt16" band="{band}">'
                     f"<Description>{name}</Description><NoDataValue>0</NoDataValue>"
                     "</VRTRasterBand>")
    lines.append("</VRTDataset>")
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 2560
    step = int(sys.argv[3]) if len(sys.argv) > 3 else 2400
    width = (EAST - WEST) // PIXEL
    height = (NORTH - SOUTH) // PIXEL
    os.makedirs(os.path.join(out, "scenes"), exist_ok=True)
    sources = []
    for row, py in enumerate(range(0, height - size + 1, step)):
        for column, px in enumerate(range(0, width - size + 1, step)):
            name = f"scenes/s_{row:03d}_{column:03d}.vrt"
            with open(os.path.join(out, name), "w") as f:
                f.write(scene_vrt(size, WEST + px * PIXEL, NORTH - py * PIXEL))
            sources.append((name, px, py))
    lines = [f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
             f"  <SRS>{SRS}</SRS>",
             f"  <GeoTransform>{WEST}, {PIXEL}, 0, {NORTH}, 0, -{PIXEL}</GeoTransform>",
             '  <Metadata><MDI key="ACQUISITIONDATE">2024-06-13T17:00:00Z</MDI></Metadata>']
    for band, name in enumerate(BANDS, start=1):
        lines.append(f'  <VRTRasterBand dataType="UInt16" band="{band}">')
        lines.append(f"    <Description>{name}</Description><NoDataValue>0</NoDataValue>")
        for path, px, py in sources:
            lines.append(
                f'    <SimpleSource><SourceFilename relativeToVRT="1">{path}</SourceFilename>'
                f"<SourceBand>{band}</SourceBand>"
                f'<SourceProperties RasterXSize="{size}" RasterYSize="{size}" '
                f'DataType="UInt16" BlockXSize="128" BlockYSize="128"/>'
                f'<SrcRect xOff="0" yOff="0" xSize="{size}" ySize="{size}"/>'
                f'<DstRect xOff="{px}" yOff="{py}" xSize="{size}" ySize="{size}"/>'
                "</SimpleSource>")
        lines.append("  </VRTRasterBand>")
    lines.append("</VRTDataset>")
    with open(os.path.join(out, "conus.vrt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    job = ("version: 1\njobs:\n  - name: landcover\n    kind: predict-tiles\n"
           "    inputs: [{inputs}]\n    out: out/landcover\n    stride: 40\n{extra}")
    for name, inputs, extra in [("conus.yaml", "conus.vrt", ""),
                                ("conus-fine.yaml", "conus.vrt", "    chunk-pixels: 32\n"),
                                ("scenes.yaml", "scenes", "")]:
        with open(os.path.join(out, name), "w") as f:
            f.write(job.format(inputs=inputs, extra=extra))
    print(f"{len(sources)} scenes of {size} px, mosaic {width} x {height} px in {out}")


if __name__ == "__main__":
    main()
