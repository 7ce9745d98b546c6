#!/usr/bin/env python3
"""Opens geomap outputs in QGIS (headless, Debian's python3-qgis) and checks what a user would
see on first open: the raster layers load with their .qml style (paletted classes with names,
pseudocolour probabilities), a per-basin CF-1.8 NetCDF loads as a polygon layer, and the basin
prediction's GeoPackage summary loads as a polygon layer with its fields.

    apt-get install python3-qgis qgis-providers
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tools/qgis/check_outputs.py OUT_DIR

OUT_DIR is what `scripts/demo` writes (out/demo). Exits 1 on any failed check.
"""
import pathlib
import sys

from qgis.core import QgsApplication, QgsRasterLayer, QgsVectorLayer, QgsWkbTypes


def main(out: pathlib.Path) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    failures = []

    def check(condition, message):
        print(("ok   " if condition else "FAIL ") + message)
        if not condition:
            failures.append(message)

    options = QgsRasterLayer.LayerOptions(loadDefaultStyle=True)
    for path in sorted(out.glob("*.classes.tif")):
        layer = QgsRasterLayer(str(path), path.stem, "gdal", options)
        check(layer.isValid(), f"{path.name} opens")
        renderer = layer.renderer()
        check(renderer.type() == "paletted", f"{path.name} renderer is {renderer.type()}")
        labels = [c.label for c in renderer.classes()] if renderer.type() == "paletted" else []
        check(len(labels) > 0 and all(labels), f"{path.name} classes have names: {labels[:4]}…")
        check(layer.crs().isValid(), f"{path.name} CRS {layer.crs().authid()}")
    for path in sorted(out.glob("*.probabilities.tif")):
        layer = QgsRasterLayer(str(path), path.stem, "gdal", options)
        check(layer.isValid(), f"{path.name} opens ({layer.bandCount()} bands)")
        check(layer.renderer().type() in ("singlebandpseudocolor", "singlebandgray"),
              f"{path.name} renderer is {layer.renderer().type()}")
    for path in sorted(out.glob("*.nc")):
        layer = QgsVectorLayer(str(path), path.stem, "ogr")
        check(layer.isValid(), f"{path.name} opens as a vector layer")
        check(QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry,
              f"{path.name} geometry {QgsWkbTypes.displayString(layer.wkbType())}")
        check(layer.featureCount() > 0, f"{path.name} has {layer.featureCount()} basins")
        fields = [f.name() for f in layer.fields()]
        check(len(fields) > 0, f"{path.name} fields {fields[:4]}")
    for path in sorted(out.glob("*.gpkg")):
        layer = QgsVectorLayer(f"{path}|layername=basins", path.stem, "ogr")
        check(layer.isValid(), f"{path.name} layer 'basins' opens")
        check(QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry,
              f"{path.name} geometry {QgsWkbTypes.displayString(layer.wkbType())}")
        check(layer.crs().isValid(), f"{path.name} CRS {layer.crs().authid()}")
        fields = [f.name() for f in layer.fields()]
        check("basin_id" in fields and "status" in fields
              and any(f.endswith("_mean") for f in fields), f"{path.name} fields {fields}")
        values = [f["status"] for f in layer.getFeatures()]
        check(len(values) > 0 and all(v == "ok" for v in values),
              f"{path.name} {len(values)} basins, status {sorted(set(values))}")
    app.exitQgis()
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "out/demo")))
