#!/usr/bin/env bash
# Rebuilds models/moe-mae-demo.safetensors, the bundled Geo MoE-MAE demo model (docs/models/moe-mae-demo.md):
#   1. pretrain the S encoder with the masked-autoencoder objective on the 200 real
#      BigEarthNet-Landsat sample tiles (PyTorch, CPU, wall-clock budget),
#   2. import the checkpoint (upstream layout) with `geomap models import`,
#   3. fit the multi-label linear head with `geomap probe fit` on the tiles' 19-class labels.
# Usage: tools/moe_mae/make_demo_model.sh [SHARED_DIR] [WORK_DIR] [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/../.."

shared=${1:-../shared}
work=${2:-/tmp/moe-mae-demo}
minutes=${3:-25}
data="$shared/data/bigearthnet-landsat-sample"
mkdir -p "$work"

swift build -c release --product geomap
geomap="$(swift build -c release --show-bin-path)/geomap"

/usr/bin/python3 tools/moe_mae/prepare_tiles.py "$data/images" "$work/tiles.npz"
nice -n 10 python3 tools/moe_mae/pretrain.py --tiles "$work/tiles.npz" --out "$work" --size S \
    --minutes "$minutes"

"$geomap" models import "$work/pretrained_S_demo.pth" --arch moe-mae-s \
    --out "$work/moe-mae-demo-encoder.safetensors" --name moe-mae-demo --demo --license MIT \
    --description "Geo MoE-MAE S demo: encoder pretrained by geomap on 200 BigEarthNet-Landsat tiles" \
    --source "tools/moe_mae/pretrain.py (demo pretraining, $minutes min CPU)" \
    --training-data "200 BigEarthNet-Landsat sample tiles (geo-moe-mae sample_dataset, MIT)"
"$geomap" probe samples --bigearthnet "$data" --out "$work/samples.csv"
"$geomap" probe fit --model "$work/moe-mae-demo-encoder.safetensors" --samples "$work/samples.csv" \
    --classes bigearthnet-19 --out models/moe-mae-demo.safetensors
