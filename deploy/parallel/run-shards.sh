#!/usr/bin/env bash
# A sharded geomap run on one machine with GNU parallel: N shards, J at a time, then the merge
# (docs/scale-out.md). For a machine with more cores than one geomap process uses, or to try
# the sharded layout before moving it to a cluster.
#
#   deploy/parallel/run-shards.sh CONFIG RUN_DIR N [J]      (J default: cores / 2)
#
# Shard i runs `geomap run CONFIG --run-dir RUN_DIR --shard i/N`; a shard exiting 75 (try again
# later) is retried GEOMAP_RETRIES_75 times (default 2) after GEOMAP_RETRY_WAIT seconds (default
# 60), resuming from its ledger. The merge runs only when every shard exited 0. Run it again
# after a failure: every shard resumes from its ledger, so the shards that were done end in
# seconds and only unfinished items run. Exit: geomap merge's code, or 1 when a shard failed
# (RUN_DIR/parallel.joblog has each shard's exit code; `geomap status RUN_DIR --missing`
# lists the shards with unfinished items).
set -euo pipefail
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 CONFIG RUN_DIR N [J]" >&2
    exit 2
fi
config=$1 run_dir=$2 shards=$3
jobs=${4:-$(($(nproc) / 2 > 0 ? $(nproc) / 2 : 1))}
export GEOMAP=${GEOMAP:-geomap}
command -v parallel >/dev/null || {
    echo "$0: GNU parallel is not installed (Debian: apt-get install parallel)" >&2
    exit 74
}

shard() { # shard I N CONFIG RUN_DIR
    local attempt=0 status
    while :; do
        status=0
        "$GEOMAP" run "$3" --run-dir "$4" --shard "$1/$2" || status=$?
        if [ "$status" -ne 75 ] || [ "$attempt" -ge "${GEOMAP_RETRIES_75:-2}" ]; then
            return "$status"
        fi
        attempt=$((attempt + 1))
        echo "run-shards: shard $1 exited 75; retry $attempt in ${GEOMAP_RETRY_WAIT:-60} s" >&2
        sleep "${GEOMAP_RETRY_WAIT:-60}"
    done
}
export -f shard

mkdir -p "$run_dir"
seq 0 $((shards - 1)) | parallel --jobs "$jobs" --line-buffer --tagstring 'shard {}:' \
    --joblog "$run_dir/parallel.joblog" \
    shard {} "$shards" "$config" "$run_dir" || {
    echo "run-shards: some shards failed (exit codes in $run_dir/parallel.joblog);" \
        "fix the cause and run this again" >&2
    exit 1
}
exec "$GEOMAP" merge "$run_dir" --shards "$shards"
