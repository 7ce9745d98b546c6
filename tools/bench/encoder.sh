#!/usr/bin/env bash
# MoE-MAE S encoder throughput: geomap (Swift, OpenBLAS single-threaded per task, batch split
# over the cores) beside the PyTorch reference (tools/bench/moe_mae_torch.py, 2 threads), on
# the same tiles and weights, in the same run.
#
#   tools/bench/encoder.sh [SECONDS] [BATCH]
#
# Tiles: the 200 real BigEarthNet-Landsat sample tiles from ../shared (z-scored 40x40 centre
# crops + metadata), cached under $SCRATCH (default /tmp/geomap-bench-encoder), never in the
# repository. Weights: the committed random S golden weights (the routing pattern, hence the
# speed, does not depend on training).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN="${1:-20}"
BATCH="${2:-64}"
SCRATCH="${SCRATCH:-/tmp/geomap-bench-encoder}"
IMAGES="${GEOMAP_SHARED:-../shared}/data/bigearthnet-landsat-sample/images"
WEIGHTS=Tests/Fixtures/moe-mae/s.weights.safetensors
mkdir -p "$SCRATCH"
if [ ! -f "$SCRATCH/tiles.safetensors" ]; then
    /usr/bin/python3 tools/moe_mae/prepare_tiles.py "$IMAGES" "$SCRATCH/tiles.npz"
    python3 tools/bench/make_encoder_tiles.py "$SCRATCH/tiles.npz" "$SCRATCH/tiles.safetensors"
fi
swift build -c release --product geomap-bench >/dev/null
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), OpenBLAS single-threaded"
.build/release/geomap-bench encoder --weights "$WEIGHTS" --tiles "$SCRATCH/tiles.safetensors" \
    --batch "$BATCH" --seconds "$SECONDS_RUN"
python3 tools/bench/moe_mae_torch.py --weights "$WEIGHTS" --tiles "$SCRATCH/tiles.safetensors" \
    --threads 2 --batch "$BATCH" --seconds "$SECONDS_RUN"
