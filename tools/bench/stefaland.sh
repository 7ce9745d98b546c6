#!/usr/bin/env bash
# StefaLand forward pass: geomap (`geomap-bench basin-model`, OpenBLAS single-threaded per task,
# basins over the cores) beside the PyTorch mirror (tools/bench/stefaland_torch.py, 2 threads),
# same batch and sizes (demo and released), in the same run, alternating ROUNDS times so both
# see the same load. Reports basin-days/s; load averages are printed before each round.
#
#   tools/bench/stefaland.sh [BASINS] [ROUNDS]      (default 16 basins × 365 days, 3 rounds)
#
# Needs a Python with torch (PyPI `torch`): $TORCH_PYTHON, default python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
BASINS="${1:-16}"
ROUNDS="${2:-3}"
PY="${TORCH_PYTHON:-python3}"
swift build -c release --product geomap-bench >/dev/null
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
    .build/release/geomap-bench basin-model --basins "$BASINS" --days 365 --repeats 3 --parts 2
    "$PY" tools/bench/stefaland_torch.py --basins "$BASINS" --days 365 --threads 2 --repeats 3
done
