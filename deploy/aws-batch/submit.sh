#!/usr/bin/env bash
# Submits a sharded geomap run to AWS Batch: an array job of N shards and the merge job that
# depends on it (docs/scale-out.md). Register the two job definitions once:
#   aws batch register-job-definition --cli-input-json file://shards-job-definition.json
#   aws batch register-job-definition --cli-input-json file://merge-job-definition.json
# then, every night:
#   deploy/aws-batch/submit.sh JOB_QUEUE CONFIG RUN_DIR N
# Each child reads its index from AWS_BATCH_JOB_ARRAY_INDEX; `--shards N` gives the count.
# A merge job that depends on the array job's ID starts only when every child succeeded
# (a failed child fails it as a dependency). Exit 74 and 75 are retried by the job
# definitions' evaluateOnExit; every other non-zero code fails the child at once.
# To re-run after a failure, fix the cause and submit again: every shard resumes from its
# ledger, so shards that were done end in seconds and only unfinished items run.
set -euo pipefail
if [ $# -ne 4 ]; then
    echo "usage: $0 JOB_QUEUE CONFIG RUN_DIR N" >&2
    exit 2
fi
queue=$1 config=$2 run_dir=$3 shards=$4
case "$shards" in
'' | *[!0-9]*) echo "$0: N must be a whole number" >&2; exit 2 ;;
esac
if [ "$shards" -lt 2 ] || [ "$shards" -gt 10000 ]; then
    echo "$0: an AWS Batch array has 2 to 10000 children; N=$shards" >&2
    exit 2
fi
array=$(aws batch submit-job --job-name geomap-shards --job-queue "$queue" \
    --job-definition geomap-shard --array-properties "size=$shards" \
    --parameters "config=$config,runDir=$run_dir,shards=$shards" \
    --query jobId --output text)
merge=$(aws batch submit-job --job-name geomap-merge --job-queue "$queue" \
    --job-definition geomap-merge --depends-on "jobId=$array" \
    --parameters "runDir=$run_dir" --query jobId --output text)
echo "shards: array job $array ($shards children); merge: job $merge"
