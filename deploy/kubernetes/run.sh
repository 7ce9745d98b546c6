#!/usr/bin/env bash
# Runs the sharded night on Kubernetes: the Indexed Job, then the merge Job once every index
# succeeded (docs/scale-out.md). Re-running is safe and cheap: geomap resumes every shard from
# its ledger, so indices that were done finish in seconds and only unfinished items run.
#   deploy/kubernetes/run.sh [TIMEOUT_SECONDS]   (default 21600; kubectl's current context)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
timeout=${1:-21600}

# wait_job NAME: 0 when the Job completed, 1 when it failed or the timeout passed.
wait_job() {
    local deadline=$((SECONDS + timeout)) conditions
    while [ "$SECONDS" -lt "$deadline" ]; do
        conditions=$(kubectl get job "$1" \
            -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
        case " $conditions " in
        *" Complete "*) return 0 ;;
        *" Failed "*) return 1 ;;
        esac
        sleep 30
    done
    echo "run.sh: $1 did not finish in $timeout s" >&2
    return 1
}

# A finished Job does not run again and its pod template cannot change: replace both.
kubectl delete job geomap-shards geomap-merge --ignore-not-found
kubectl apply -f "$here/geomap-shards-job.yaml"
if ! wait_job geomap-shards; then
    echo "run.sh: geomap-shards failed; failed indices:" \
        "$(kubectl get job geomap-shards -o jsonpath='{.status.failedIndexes}')" >&2
    echo "run.sh: logs: kubectl logs -l app=geomap,part=shards; fix the cause, run.sh again" >&2
    exit 1
fi
kubectl apply -f "$here/geomap-merge-job.yaml"
wait_job geomap-merge
