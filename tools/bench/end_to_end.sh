#!/usr/bin/env bash
# End-to-end tile commands beside the encoder alone, in the same run (issue 17 item 1):
# `geomap predict` and `geomap embed` (both poolings, byte and float probabilities) as whole
# processes on a mosaic of real BigEarthNet-Landsat tiles, and `geomap-bench encoder` at the
# same batch size, each with wall time, tiles/s, CPU time and peak RSS (/usr/bin/time).
#
#   tools/bench/end_to_end.sh [STRIDE] [SIZE] [BATCH]
#
# STRIDE (default 40), SIZE (mosaic side in px, default 2000: 2,500 tiles of 40x40, the
# sample's 200 tiles cycled; see make_mosaic.py), BATCH (default 256, predict's default).
# The mosaic (tiled 512x512 DEFLATE) and the outputs live under $SCRATCH (default
# /tmp/geomap-bench-end-to-end), never in the repository. Set GEOMAP_MOSAIC_OPTIONS to
# gdal_translate creation options (e.g. "TILED=NO COMPRESS=ZSTD") for another input layout.
# "e2e / encoder" is the end-to-end rate over the encoder-only rate measured just before.
set -euo pipefail
cd "$(dirname "$0")/../.."
STRIDE="${1:-40}"
SIZE="${2:-2000}"
BATCH="${3:-256}"
SCRATCH="${SCRATCH:-/tmp/geomap-bench-end-to-end}"
IMAGES="${GEOMAP_SHARED:-../shared}/data/bigearthnet-landsat-sample/images"
BUILD="${BUILD:-.build-release}"
mkdir -p "$SCRATCH"
# shellcheck disable=SC2086
OPTIONS=(${GEOMAP_MOSAIC_OPTIONS:-})
LAYOUT="$(echo "${GEOMAP_MOSAIC_OPTIONS:-tiled-deflate}" | tr ' =' '_-')"
MOSAIC="$SCRATCH/mosaic-$SIZE-$LAYOUT.tif"
if [ ! -f "$MOSAIC" ]; then
    python3 tools/bench/make_mosaic.py "$IMAGES" "$MOSAIC" "$SIZE" "${OPTIONS[@]}"
fi
ENCODER_TILES="${ENCODER_TILES:-/tmp/geomap-bench-encoder/tiles.safetensors}"
if [ ! -f "$ENCODER_TILES" ]; then
    mkdir -p "$(dirname "$ENCODER_TILES")"
    /usr/bin/python3 tools/moe_mae/prepare_tiles.py "$IMAGES" "${ENCODER_TILES%.safetensors}.npz"
    python3 tools/bench/make_encoder_tiles.py "${ENCODER_TILES%.safetensors}.npz" "$ENCODER_TILES"
fi
swift build -c release --scratch-path "$BUILD" --product geomap >/dev/null
swift build -c release --scratch-path "$BUILD" --product geomap-bench >/dev/null
GEOMAP="$BUILD/release/geomap"
# Tiles per axis: every STRIDE while they fit, plus one flush with the edge (TileAxisPlan).
PER_AXIS=$(( (SIZE - 40) / STRIDE + 1 ))
if [ $(( (SIZE - 40) % STRIDE )) -ne 0 ]; then PER_AXIS=$(( PER_AXIS + 1 )); fi
TILES=$(( PER_AXIS * PER_AXIS ))

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); mosaic $MOSAIC" \
    "(${SIZE}x${SIZE}x7, $LAYOUT), stride $STRIDE ($TILES tiles), batch $BATCH"
# The encoder alone with the model the commands run (the demo model: routing, hence the
# experts' load, depends on the weights).
ENCODER_LINE=$("$BUILD/release/geomap-bench" encoder \
    --model models/moe-mae-demo.safetensors --tiles "$ENCODER_TILES" \
    --batch "$BATCH" --seconds 10)
echo "$ENCODER_LINE"
ENCODER_RATE=$(echo "$ENCODER_LINE" | sed -E 's/.*: ([0-9.]+) tiles\/s.*/\1/')

printf '| %-58s | %7s | %7s | %6s | %9s | %8s | %7s |\n' command wall tiles/s "e2e/enc" \
    "CPU (s)" cores "RSS MiB"
run() {
    local label="$1"
    shift
    local stats
    /usr/bin/time -o "$SCRATCH/time.txt" -f '%e %U %S %M' "$GEOMAP" "$@" --quiet >/dev/null
    stats=$(tail -1 "$SCRATCH/time.txt")
    read -r wall user system rss <<<"$stats"
    awk -v l="$label" -v w="$wall" -v u="$user" -v s="$system" -v r="$rss" -v t="$TILES" \
        -v e="$ENCODER_RATE" 'BEGIN {
            printf "| %-58s | %6.1fs | %7.1f | %5.0f%% | %9.1f | %8.2f | %7.0f |\n",
                l, w, t / w, 100 * t / w / e, u + s, (u + s) / w, r / 1024 }'
}
IN=(--in "$MOSAIC" --no-metadata --stride "$STRIDE" --batch-size "$BATCH")
run "predict (classes + byte probabilities)" predict "${IN[@]}" --out "$SCRATCH/predict"
run "predict --float" predict "${IN[@]}" --float --out "$SCRATCH/predict-float"
run "predict --embeddings mean (classes, probabilities, embeddings)" predict "${IN[@]}" \
    --embeddings mean --out "$SCRATCH/predict-embed"
run "embed --pool mean" embed "${IN[@]}" --pool mean --out "$SCRATCH/embed-mean.tif"
run "embed --pool cls" embed "${IN[@]}" --pool cls --out "$SCRATCH/embed-cls.tif"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
