#!/usr/bin/env bash
# Submits a sharded geomap run to Slurm: N shards as one job array (at most K running at once)
# and the merge job, chained with --dependency=afterok (docs/scale-out.md).
#
#   deploy/slurm/submit.sh [--only 3,7] CONFIG RUN_DIR N [K] [-- sbatch options for both jobs]
#
# --only submits those shard indices of N instead of 0…N-1 (rerun-missing.sh passes the ones
# `geomap status --missing` lists). Prints the two job IDs on stdout ("ARRAY_JOB MERGE_JOB")
# and what it did on stderr; the jobs' logs go to RUN_DIR/slurm/ (shard-I.ARRAYJOB.out, so a
# re-run keeps the first attempt's log, and merge-JOB.out). Watch with `squeue`; when a
# shard fails, the merge job is cancelled (DependencyNeverSatisfied): fix the cause, then
# deploy/slurm/rerun-missing.sh. GEOMAP (the geomap binary, default `geomap` on PATH) reaches
# the jobs through the environment, which sbatch passes on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
only=""
if [ "${1:-}" = "--only" ]; then
    only=${2:-}
    shift 2 || true
fi
if [ $# -lt 3 ]; then
    echo "usage: $0 [--only I,J,…] CONFIG RUN_DIR N [K] [-- sbatch options]" >&2
    exit 2
fi
config=$(realpath "$1") run_dir=$(realpath -m "$2") shards=$3
shift 3
limit=$shards
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    limit=$1
    shift
fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
case "$shards:$limit" in
*[!0-9:]* | :* | *:) echo "$0: N and K must be whole numbers" >&2; exit 2 ;;
esac
if [ "$shards" -lt 1 ] || [ "$limit" -lt 1 ]; then
    echo "$0: N and K must be at least 1" >&2
    exit 2
fi
indices="0-$((shards - 1))"
if [ -n "$only" ]; then
    case "$only" in
    *[!0-9,]* | ,* | *, | *,,*) echo "$0: --only takes indices like 3,7,12; got '$only'" >&2; exit 2 ;;
    esac
    indices=$only
fi
mkdir -p "$run_dir/slurm"
array=$(sbatch --parsable --array="$indices%$limit" --output="$run_dir/slurm/shard-%a.%A.out" \
    "$@" "$here/geomap-shards.sbatch" "$config" "$run_dir" "$shards")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$run_dir/slurm/merge-%j.out" "$@" "$here/geomap-merge.sbatch" "$run_dir")
merge=${merge%%;*}
echo "geomap: shards $indices of $shards: job $array (at most $limit at once);" \
    "merge: job $merge; logs in $run_dir/slurm/" >&2
echo "$array $merge"
