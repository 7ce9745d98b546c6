#!/usr/bin/env bash
# Planning at continental size (issue 16 item 6): `geomap run --dry-run` on synthetic CONUS-sized
# jobs, with wall time and peak RSS from /usr/bin/time -v, and the number of items planned.
#
#   tools/bench/plan.sh [GEOMAP]
#
# GEOMAP: the binary to time (default .build-release/release/geomap, built if missing).
# Fixtures (never in the repository) live under $SCRATCH (default /tmp/geomap-bench-plan):
# - tiles/: make_conus_plan.py — 2,560 scene footprints (tiny source-less VRTs) and a
#   154,000 x 96,666 px VRT over them; conus.yaml (the VRT, chunks of 256), conus-fine.yaml
#   (chunks of 32), scenes.yaml (the scenes folder, one item per scene);
# - basins/ (only with PLAN_BASINS=1): make_basin_plan.py — 1,000,000 basin polygons in a
#   GeoPackage, basins.yaml (one predict-basins job: 3,907 groups of 256).
# Each configuration is planned twice; both runs are printed (the first reads cold files).
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH="${SCRATCH:-/tmp/geomap-bench-plan}"
GEOMAP="${1:-.build-release/release/geomap}"
if [ ! -x "$GEOMAP" ]; then
    swift build -c release --scratch-path .build-release --product geomap >/dev/null
fi
GEOMAP="$(cd "$(dirname "$GEOMAP")" && pwd)/$(basename "$GEOMAP")"
[ -f "$SCRATCH/tiles/conus.vrt" ] || python3 tools/bench/make_conus_plan.py "$SCRATCH/tiles"
CONFIGS=(tiles/conus.yaml tiles/conus-fine.yaml tiles/scenes.yaml)
if [ "${PLAN_BASINS:-0}" = 1 ]; then
    [ -f "$SCRATCH/basins/basins.gpkg" ] ||
        python3 tools/bench/make_basin_plan.py "$SCRATCH/basins" samples
    CONFIGS+=(basins/basins.yaml)
fi
uptime
for config in "${CONFIGS[@]}"; do
    for run in 1 2; do
        log="$SCRATCH/time.log"
        if /usr/bin/time -v "$GEOMAP" run "$SCRATCH/$config" --dry-run >"$SCRATCH/plan.txt" \
            2>"$log"; then status=0; else status=$?; fi
        items=$(grep -c ': to run$\|: done (would be skipped)$' "$SCRATCH/plan.txt" || true)
        wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
        rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
        cpu=$(grep -E 'User time|System time' "$log" | awk '{s += $NF} END {printf "%.1f", s}')
        printf '%-22s run %d: exit %d, %6d items, wall %s, CPU %s s, peak RSS %d MiB\n' \
            "$config" "$run" "$status" "$items" "$wall" "$cpu" "$((rss / 1024))"
        [ "$status" = 0 ] || tail -3 "$log"
    done
done
uptime
