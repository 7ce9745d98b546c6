#!/usr/bin/env bash
# The nightly basin job with archives (issue 15): `geomap predict --basins --archive` on a
# 10-year forcing of the samples' size (tools/bench/make_nightly_forcing.py), the first night
# (the whole period: every day aggregated and predicted) against the following night (one new
# day), and a plain one-shot `predict --basins` over the same 10 years for comparison. Prints
# each run's wall time, CPU and peak RSS (/usr/bin/time -v), its summary line (what it
# aggregated and predicted) and what the night read (file sizes). Then the same two nights
# through `geomap run` with groups of GROUP_SIZE basins (archives per group, joined into
# basins.nc/.gpkg): each run's wall time and item seconds, and a run that only joins (the
# joined files removed, every group done): what rewriting the joined files costs a night.
#
#   nice -n 19 tools/bench/nightly_archive.sh [GEOMAP]
#   BASINS=256 GROUP_SIZE=256 nice -n 19 tools/bench/nightly_archive.sh [GEOMAP]
#
# GEOMAP: the binary to time (default .build-release/release/geomap, built if missing).
# BASINS: a number N runs the nights on N rectangular basins tiling the samples' basin extent
# (tools/bench/make_bench_basins.py; needs python3-gdal), so the model's share is that of a
# group of N basins; default the 7 sample basins. GROUP_SIZE: geomap run's group-size (default 3).
# Fixtures and outputs live under $SCRATCH (default /tmp/geomap-bench-nightly).
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH="${SCRATCH:-/tmp/geomap-bench-nightly}"
GEOMAP="${1:-.build-release/release/geomap}"
if [ ! -x "$GEOMAP" ]; then
    swift build -c release --scratch-path .build-release --product geomap >/dev/null
fi
GEOMAP="$(cd "$(dirname "$GEOMAP")" && pwd)/$(basename "$GEOMAP")"
mkdir -p "$SCRATCH"
[ -f "$SCRATCH/night2.nc" ] || python3 tools/bench/make_nightly_forcing.py "$SCRATCH" samples
rm -rf "$SCRATCH/archive" "$SCRATCH/plain" "$SCRATCH/cache"
BASIN_FILE="$(pwd)/samples/basins.shp"
if [ -n "${BASINS:-}" ]; then
    BASIN_FILE="$SCRATCH/basins-$BASINS.gpkg"
    rm -f "$BASIN_FILE"
    /usr/bin/python3 tools/bench/make_bench_basins.py "$BASIN_FILE" "$BASINS" samples
fi
GROUP_SIZE="${GROUP_SIZE:-3}"
STATIC=(samples/static/*.tif)

run() { # label, forcing, out, extra…
    local label="$1" forcing="$2" out="$3"
    shift 3
    cp "$SCRATCH/$forcing" "$SCRATCH/forcing.nc"
    local log="$SCRATCH/time.log"
    /usr/bin/time -v "$GEOMAP" predict --basins "$BASIN_FILE" \
        --forcings "$SCRATCH/forcing.nc" --static-raster "${STATIC[@]}" \
        --weights-cache "$SCRATCH/cache" --out "$SCRATCH/$out" "$@" 2>"$log" || {
        tail -3 "$log"
        exit 1
    }
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
    cpu=$(grep -E 'User time|System time' "$log" | awk '{s += $NF} END {printf "%.2f", s}')
    printf '%-34s wall %s, CPU %s s, peak RSS %d MiB\n' "$label" "$wall" "$cpu" "$((rss / 1024))"
    grep 'basins ×' "$log" | sed 's/^/    /'
}

size() { stat -c %s "$1" 2>/dev/null || echo 0; }
uptime
# The weights are computed once (as on a machine whose cache is warm from earlier nights).
run "weights cache (first use)" night1.nc plain --end 2008-05-01
rm -rf "$SCRATCH/plain"
run "first night (3652 days, --archive)" night1.nc archive --archive
stem=$(basename "${BASIN_FILE%.*}")
before=$(($(size "$SCRATCH/archive/$stem.forcings.nc") + $(size "$SCRATCH/archive/$stem.nc")))
run "next night (+1 day, --archive)" night2.nc archive --archive
echo "    the next night read: forcing $(size "$SCRATCH/night2.nc") B (every day, to digest it)," \
    "archives $before B, the weights cache, the static rasters and the model"
run "one-shot (3653 days, no archive)" night2.nc plain
uptime

# geomap run with groups of 3 basins (3 items), the same two nights.
ROOT="$(pwd)"
statics=$(printf '"%s", ' "${STATIC[@]/#/$ROOT/}")
rm -rf "$SCRATCH/runs" && mkdir -p "$SCRATCH/runs"
cat >"$SCRATCH/runs/nightly.yaml" <<YAML
version: 1
jobs:
  - name: streamflow
    kind: predict-basins
    basins: $BASIN_FILE
    forcings: forcing.nc
    static-raster: [${statics%, }]
    weights-cache: ../cache
    group-size: $GROUP_SIZE
    out: out
YAML
night() { # label, forcing (- keeps the last one)
    local label="$1" forcing="$2" log="$SCRATCH/time.log"
    [ "$forcing" = - ] || cp "$SCRATCH/$forcing" "$SCRATCH/runs/forcing.nc"
    /usr/bin/time -v "$GEOMAP" run "$SCRATCH/runs/nightly.yaml" 2>"$log" || {
        tail -3 "$log"
        exit 1
    }
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    printf '%-34s wall %s\n' "$label" "$wall"
    python3 - "$SCRATCH/runs/nightly.run/manifest.json" <<'PY'
import json, sys
for item in json.load(open(sys.argv[1]))["items"]:
    action = item.get("action") or "ran"
    print(f"    {item['key']}: {action}, {item.get('seconds', 0):.2f} s")
PY
    grep -E 'joined' "$log" | sed 's/^/    /' || true
    if [ "$forcing" != - ]; then
        grep -h 'archive:' "$SCRATCH"/runs/nightly.run/logs/*.log |
            sed 's/.*; archive/    archive/;s/ → .*//' || true
    fi
}
night "run, first night (groups of $GROUP_SIZE)" night1.nc
night "run, next night (+1 day)" night2.nc
rm "$SCRATCH/runs/out/$stem.nc" "$SCRATCH/runs/out/$stem.gpkg"
night "run, only the join" -
echo "    joined files: $stem.nc $(size "$SCRATCH/runs/out/$stem.nc") B," \
    "$stem.gpkg $(size "$SCRATCH/runs/out/$stem.gpkg") B"
uptime
