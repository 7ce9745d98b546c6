#!/usr/bin/env bash
# After a sharded Slurm run that did not merge: submits only the shards that still have
# unfinished items, and the merge job after them (docs/scale-out.md).
#
#   deploy/slurm/rerun-missing.sh CONFIG RUN_DIR N [K] [-- sbatch options]
#
# The indices come from `geomap status RUN_DIR --missing --form slurm` (e.g. --array=3,7);
# each re-run shard resumes from its own ledger, so it redoes only its unfinished items. When
# no shard has unfinished items, only the merge job is submitted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG RUN_DIR N [K] [-- sbatch options]" >&2
    exit 2
fi
run_dir=$2 shards=$3
status=0
missing=$("${GEOMAP:-geomap}" status "$run_dir" --missing --form slurm --shards "$shards") ||
    status=$?
case "$status:$missing" in
1:--array=*)
    "$here/submit.sh" --only "${missing#--array=}" "$@"
    ;;
0:)
    echo "rerun-missing: every shard of $run_dir is done; submitting the merge only" >&2
    options=()
    for ((i = 1; i <= $#; i++)); do
        if [ "${!i}" = "--" ]; then options=("${@:i+1}"); fi
    done
    merge=$(sbatch --parsable --output="$(realpath -m "$run_dir")/slurm/merge-%j.out" \
        "${options[@]}" "$here/geomap-merge.sbatch" "$run_dir")
    echo "${merge%%;*}"
    ;;
*)
    echo "rerun-missing: geomap status exited $status: $missing" >&2
    exit "$status"
    ;;
esac
