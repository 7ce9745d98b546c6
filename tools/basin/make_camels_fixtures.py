#!/usr/bin/env python3
"""Tiny CAMELS-style basin inputs for geomap's tests (issue 13 item 12).

Writes to Tests/Fixtures/camels/, in the layouts neuralhydrology and the CAMELS-US data set
use (made up here: three basins, five days; no file is copied from anywhere):

- basins.geojson: three small square basins with USGS-style ids (leading zeros), fields
  gauge_id and gauge_name.
- camels_topo.txt: a CAMELS attribute file, `;`-separated, keyed by gauge_id, slope in m/km.
- camels_topo_integer_ids.txt: the same with the ids as integers (leading zeros lost, as a
  spreadsheet or pandas leaves them).
- <id>_lump_cida_forcing_leap.txt: Daymet forcings per basin: latitude, elevation and area
  lines, then `Year Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C)
  vp(Pa)` with tab/space separated values.
- camels_01022500.csv: a Caravan time-series CSV (date first, one basin, id in the name).

Run: python3 tools/basin/make_camels_fixtures.py (standard library only).
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "camels")
BASINS = [("01022500", "Narraguagus River", -68.0, 44.6),
          ("01031500", "Piscataquis River", -69.3, 45.2),
          ("01047000", "Carrabassett River", -70.2, 44.9)]
DAYS = [(1980, 1, d) for d in range(1, 6)]


def basins():
    features = []
    for gauge_id, name, lon, lat in BASINS:
        ring = [[lon - 0.1, lat - 0.1], [lon + 0.1, lat - 0.1], [lon + 0.1, lat + 0.1],
                [lon - 0.1, lat + 0.1], [lon - 0.1, lat - 0.1]]
        features.append({"type": "Feature",
                         "properties": {"gauge_id": gauge_id, "gauge_name": name},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    with open(os.path.join(OUT, "basins.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, indent=1)
        f.write("\n")


def attributes():
    header = "gauge_id;gauge_lat;gauge_lon;elev_mean;slope_mean;area_gages2"
    rows = []
    for i, (gauge_id, _, lon, lat) in enumerate(BASINS):
        rows.append((gauge_id, f"{lat:.5f}", f"{lon:.5f}", f"{92.68 + 150 * i:.2f}",
                     f"{17.79 + 3.5 * i:.5f}", f"{573.6 + 100 * i:.2f}"))
    for name, strip in [("camels_topo.txt", False), ("camels_topo_integer_ids.txt", True)]:
        with open(os.path.join(OUT, name), "w") as f:
            f.write(header + "\n")
            for row in rows:
                gauge_id = str(int(row[0])) if strip else row[0]
                f.write(";".join((gauge_id,) + row[1:]) + "\n")


def forcings():
    for i, (gauge_id, _, _, lat) in enumerate(BASINS):
        lines = [f"{lat:.5f}", f"{92 + 150 * i}", f"{573663078 + 1000000 * i}",
                 "Year Mnth Day Hr\tdayl(s)\tprcp(mm/day)\tsrad(W/m2)\tswe(mm)\ttmax(C)\ttmin(C)"
                 "\tvp(Pa)"]
        for k, (y, m, d) in enumerate(DAYS):
            values = [30172.51 + 60 * k, 0.5 * k * (i + 1), 153.4 + 2 * k + i, 0.0,
                      -6.54 + k + i, -16.3 + k - i, 171.69 + 5 * k + i]
            lines.append(f"{y} {m:02d} {d:02d} 12\t" + "\t".join(f"{v:.2f}" for v in values))
        name = f"{gauge_id}_lump_cida_forcing_leap.txt"
        with open(os.path.join(OUT, name), "w") as f:
            f.write("\n".join(lines) + "\n")


def caravan():
    """One Caravan time-series CSV (timeseries/csv/camels/camels_<id>.csv): date first, the
    basin id in the file name (with Caravan's `camels_` prefix)."""
    gauge_id = BASINS[0][0]
    lines = ["date,total_precipitation_sum,temperature_2m_max,streamflow"]
    for k, (y, m, d) in enumerate(DAYS):
        lines.append(f"{y}-{m:02d}-{d:02d},{0.5 * k:.2f},{-6.54 + k:.2f},{1.25 + 0.1 * k:.3f}")
    with open(os.path.join(OUT, f"camels_{gauge_id}.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    basins()
    attributes()
    forcings()
    caravan()
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
