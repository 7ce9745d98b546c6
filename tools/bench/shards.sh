#!/usr/bin/env bash
# Sharding overhead (issue 16): one configuration run as 1, 2 and 4 shards one after another on
# this machine (each shard a whole `geomap run --shard i/N`, then `geomap merge`), beside the
# unsharded run. Reports CPU-seconds (user + system of geomap and every item process it waits
# for, from /usr/bin/time) per shard count: on a shared machine wall time says little, CPU
# says what sharding adds (every shard plans the whole run; the merge builds the mosaics).
#
#   tools/bench/shards.sh [GEOMAP]
#
# GEOMAP: the binary (default .build-release/release/geomap, built if missing; BUILD=.build
# and GEOMAP=.build/debug/geomap for a debug build). The configuration (under $SCRATCH,
# default /tmp/geomap-bench-shards) is the sample configuration's two jobs on bigger inputs:
# a tile job over a 1000 x 1000 crop of the 2000 x 2000 benchmark mosaic (make_mosaic.py) at
# stride 40 in chunks of 5 x 5 output pixels (25 chunks) and the sample basin job
# (7 basins x 731 days, samples/nightly.yaml).
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH="${SCRATCH:-/tmp/geomap-bench-shards}"
IMAGES="${GEOMAP_SHARED:-../shared}/data/bigearthnet-landsat-sample/images"
GEOMAP="${1:-.build-release/release/geomap}"
if [ ! -x "$GEOMAP" ]; then
    nice -n 19 swift build -c release --scratch-path .build-release --product geomap >/dev/null
fi
GEOMAP="$(cd "$(dirname "$GEOMAP")" && pwd)/$(basename "$GEOMAP")"
SAMPLES="$PWD/samples"
mkdir -p "$SCRATCH"
MOSAIC="$SCRATCH/mosaic-1000.tif"
if [ ! -f "$MOSAIC" ]; then
    python3 tools/bench/make_mosaic.py "$IMAGES" "$SCRATCH/mosaic-2000.tif" 2000
    gdal_translate -q -srcwin 0 0 1000 1000 "$SCRATCH/mosaic-2000.tif" "$MOSAIC"
fi
cat >"$SCRATCH/bench.yaml" <<YAML
version: 1
jobs:
  - name: landcover
    kind: predict-tiles
    inputs: [$MOSAIC]
    out: out/landcover
    chunk-pixels: 5
    stride: 40
    no-metadata: true
  - name: streamflow
    kind: predict-basins
    basins: $SAMPLES/basins.shp
    forcings: $SAMPLES/forcings.nc
    static-raster: [$SAMPLES/static/clay.tif, $SAMPLES/static/elevation.tif,
      $SAMPLES/static/forest_fraction.tif, $SAMPLES/static/sand.tif, $SAMPLES/static/silt.tif,
      $SAMPLES/static/slope.tif]
    out: out/streamflow
YAML

# timed LABEL COMMAND…: runs it under /usr/bin/time; prints and adds up CPU-seconds.
cpu_total=0
timed() {
    local label=$1 log="$SCRATCH/time.log" cpu wall status
    shift
    if /usr/bin/time -v "$@" >/dev/null 2>"$log"; then status=0; else status=$?; fi
    cpu=$(grep -E 'User time|System time' "$log" | awk '{s += $NF} END {printf "%.2f", s}')
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    printf '  %-28s exit %d, CPU %7.2f s, wall %s\n' "$label" "$status" "$cpu" "$wall"
    [ "$status" = 0 ] || { tail -5 "$log"; exit 1; }
    cpu_total=$(echo "$cpu_total + $cpu" | bc)
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $GEOMAP"
export SOURCE_DATE_EPOCH=1796342400
for shards in 0 1 2 4; do
    rm -rf "$SCRATCH/out" "$SCRATCH/bench.run"
    cpu_total=0
    if [ "$shards" = 0 ]; then
        echo "unsharded:"
        timed "geomap run" "$GEOMAP" run "$SCRATCH/bench.yaml"
    else
        echo "$shards shard(s):"
        for ((i = 0; i < shards; i++)); do
            timed "geomap run --shard $i/$shards" "$GEOMAP" run "$SCRATCH/bench.yaml" \
                --shard "$i/$shards"
        done
        timed "geomap merge" "$GEOMAP" merge "$SCRATCH/bench.run"
    fi
    printf '  total CPU %.2f s (load %s)\n' "$cpu_total" "$(cut -d' ' -f1-3 /proc/loadavg)"
done
