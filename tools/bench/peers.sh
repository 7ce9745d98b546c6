#!/usr/bin/env bash
# geomap beside the CPU runtimes a user would pick instead (issue 19), in one run, on the same
# 2,500 real tiles and the same weights (the demo model geomap runs):
#   PyTorch eager fp32 (the tools/moe_mae mirror), ONNX Runtime fp32 and dynamic int8, OpenVINO
#   f32 and bf16 (INFERENCE_PRECISION_HINT set explicitly) on an ONNX export (opset 18, dynamic
#   batch) — tools/bench/peers.py, batch 64, 2 threads, 3 passes each (encoder-only and
#   end to end incl. reading the DEFLATE mosaic and z-scoring) —
#   then geomap-bench encoder (fp32, bf16; 3 passes) and geomap predict --float and
#   geomap embed --pool mean as whole processes (fp32, bf16; 3 runs each, best and median),
#   then one markdown table with accuracy against PyTorch fp32.
#
#   tools/bench/peers.sh
#
# Environment: SCRATCH (default /tmp/geomap-bench-peers: mosaic, ONNX files, outputs; never in
# the repository), PEERS_VENV (default $SCRATCH/venv: made with python3 -m venv and filled from
# PyPI with torch, numpy, safetensors, onnx, onnxruntime, openvino, tifffile when a module is
# missing), BUILD (release scratch path, default .build-release), PASSES (3), BATCH (64),
# PEERS_SKIP_PYTHON (set: keep the last run's Python figures, time geomap only).
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH="${SCRATCH:-/tmp/geomap-bench-peers}"
VENV="${PEERS_VENV:-$SCRATCH/venv}"
BUILD="${BUILD:-.build-release}"
PASSES="${PASSES:-3}"
BATCH="${BATCH:-64}"
MODEL=models/moe-mae-demo.safetensors
IMAGES="${GEOMAP_SHARED:-../shared}/data/bigearthnet-landsat-sample/images"
mkdir -p "$SCRATCH"

PY="$VENV/bin/python"
if ! "$PY" -c 'import torch, numpy, safetensors, onnx, onnxruntime, openvino, tifffile' \
    2>/dev/null; then
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install --quiet torch numpy safetensors onnx onnxscript onnxruntime openvino \
        tifffile
fi

MOSAIC="$SCRATCH/mosaic.tif"
if [ ! -f "$MOSAIC" ]; then
    python3 tools/bench/make_mosaic.py "$IMAGES" "$MOSAIC" 2000
fi
swift build -c release --scratch-path "$BUILD" --product geomap >/dev/null
swift build -c release --scratch-path "$BUILD" --product geomap-bench >/dev/null
GEOMAP="$BUILD/release/geomap"
"$PY" tools/bench/peers.py prepare --model "$MODEL" --mosaic "$MOSAIC" --work "$SCRATCH"

bf16_flag=$(grep -q -w avx512_bf16 /proc/cpuinfo && echo yes || echo no)
amx_flag=$(grep -q -w amx_bf16 /proc/cpuinfo && echo yes || echo no)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
    "AVX512_BF16 $bf16_flag, AMX-BF16 $amx_flag; $("$GEOMAP" --version | tr '\n' ' ')"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
START=$(date +%s)

if [ -z "${PEERS_SKIP_PYTHON:-}" ]; then  # set: reuse the last run's Python figures
    "$PY" tools/bench/peers.py bench --model "$MODEL" --mosaic "$MOSAIC" --work "$SCRATCH" \
        --threads 2 --batch "$BATCH" --passes "$PASSES"
fi

TIMINGS="$SCRATCH/geomap.tsv"
: >"$TIMINGS"
for precision in fp32 bf16; do
    line=$("$BUILD/release/geomap-bench" encoder --model "$MODEL" \
        --tiles "$SCRATCH/tiles.safetensors" --batch 256 --passes "$PASSES" \
        --precision "$precision")
    echo "$line" >&2
    best=$(echo "$line" | sed -E 's/.*best ([0-9.]+) tiles.*/\1/')
    median=$(echo "$line" | sed -E 's/.*median ([0-9.]+) tiles.*/\1/')
    echo "encoder $precision $best $median" >>"$TIMINGS"
done

# Whole processes, best and median of PASSES runs: tiles / wall seconds.
TILES=2500
whole() {
    local kind="$1" precision="$2"
    shift 2
    local rates=()
    for _ in $(seq "$PASSES"); do
        local wall
        /usr/bin/time -o "$SCRATCH/time.txt" -f '%e' "$GEOMAP" "$@" --precision "$precision" \
            --quiet >/dev/null
        wall=$(tail -1 "$SCRATCH/time.txt")
        rates+=("$(awk -v t=$TILES -v w="$wall" 'BEGIN { printf "%.1f", t / w }')")
    done
    local sorted best median
    sorted=$(printf '%s\n' "${rates[@]}" | sort -g)
    best=$(echo "$sorted" | tail -1)
    median=$(echo "$sorted" | sed -n "$(( (PASSES + 1) / 2 ))p")
    echo "$kind $precision: ${rates[*]} tiles/s" >&2
    echo "$kind $precision $best $median" >>"$TIMINGS"
}
# --fill-value none: the peers read every pixel as a value, while geomap's Landsat SR fill rule
# (0 in every band is fill) would leave the mosaic's tiles with such pixels out (NaN) and make
# the accuracy columns compare different things.
IN=(--in "$MOSAIC" --no-metadata --stride 40 --model "$MODEL" --fill-value none)
for precision in fp32 bf16; do
    whole predict "$precision" predict "${IN[@]}" --float --out "$SCRATCH/predict-$precision"
    whole embed "$precision" embed "${IN[@]}" --pool mean --out "$SCRATCH/embed-$precision.tif"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg); timed part $(( $(date +%s) - START )) s"
"$PY" tools/bench/peers.py report --model "$MODEL" --work "$SCRATCH" --geomap "$TIMINGS"
