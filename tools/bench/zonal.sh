#!/usr/bin/env bash
# Zonal benchmark (issue 6): geomap vs exactextract on a 10-year daily forcing (103 × 179 cells,
# 3653 days) and 100 irregular basins, measured in the same run.
#
#   tools/bench/zonal.sh [DATA_DIR]      (default /tmp/geomap-bench-zonal)
#
# Needs: Debian's /usr/bin/python3 (GDAL bindings, numpy, netCDF4) to generate the data, and a
# venv with exactextract 0.3.0 on top of it (made here under $EE_VENV, default /tmp/ee-venv):
#   /usr/bin/python3 -m venv --system-site-packages /tmp/ee-venv
#   /tmp/ee-venv/bin/pip install exactextract==0.3.0
# Times are CPU seconds of each process (best of 3 for geomap and the netCDF4-python reads),
# wall-clock in brackets: CPU time is comparable on a shared machine, wall-clock is what the
# parallel chunk decoding (--tasks 2) shortens.
# "read only" through geomap reads the same slabs into the same reused buffer as the aggregation,
# without aggregating: the honest floor for "within 1.5x of merely reading the forcing".
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-/tmp/geomap-bench-zonal}
EE_VENV=${EE_VENV:-/tmp/ee-venv}

if [[ ! -f "$DATA/forcing.nc" || ! -f "$DATA/basins.gpkg" ]]; then
    /usr/bin/python3 tools/bench/make_zonal_data.py "$DATA"
fi
if [[ ! -x "$EE_VENV/bin/python" ]]; then
    /usr/bin/python3 -m venv --system-site-packages "$EE_VENV"
    "$EE_VENV/bin/pip" install -q exactextract==0.3.0
fi
swift build -c release --product geomap-bench >/dev/null
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# --tasks 0 is the previous reader (netCDF-C inflating on one thread); 1 and 2 decode the
# chunks with geomap's reader on one and two threads.
for tasks in 0 1 2; do
    echo "== geomap, chunk decoding tasks: $tasks"
    .build/release/geomap-bench zonal --basins "$DATA/basins.gpkg" --id-field basin_id \
        --forcings "$DATA/forcing.nc" --var tas --out "$OUT/geomap.csv" --repeats 3 \
        --tasks "$tasks"
done
echo "== netCDF4-python, read only (reference: the same variable, every step, 365 at a time)"
/usr/bin/python3 - "$DATA/forcing.nc" <<'PY'
import sys, time
from netCDF4 import Dataset
for masked in (True, False):
    best = None
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        with Dataset(sys.argv[1]) as nc:
            v = nc["tas"]
            v.set_auto_maskandscale(masked)
            for t in range(0, v.shape[0], 365):
                v[t:t + 365]
        run = (time.process_time() - cpu, time.perf_counter() - wall)
        best = run if best is None or run[0] < best[0] else best
    label = "masked (default)" if masked else "raw (no mask)   "
    print(f"read only, {label}: {best[0]:.3f} s CPU [{best[1]:.3f} wall], best of 3")
PY
for strategy in feature-sequential raster-sequential; do
    echo "== exactextract ($strategy)"
    "$EE_VENV/bin/python" tools/bench/zonal_exactextract.py "$DATA" "$OUT/geomap.csv" \
        --strategy "$strategy"
done
