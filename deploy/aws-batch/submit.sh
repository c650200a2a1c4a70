#!/bin/sh
# Submit a sharded organization audit to AWS Batch: an array job of SHARD_COUNT shards (the
# job definition's SHARD_COUNT must match), then the merge job, which starts when every shard has
# finished. Register the job queue and both job definitions first:
#   aws batch create-job-queue --cli-input-json file://job-queue.json
#   aws batch register-job-definition --cli-input-json file://shard-job-definition.json
#   aws batch register-job-definition --cli-input-json file://merge-job-definition.json
set -eu
shards="${SHARD_COUNT:-8}"
parent=$(aws batch submit-job --job-name flowaudit-shards --job-queue flowaudit \
  --job-definition flowaudit-shard --array-properties "size=$shards" \
  --query jobId --output text)
# A dependency on an array job waits for all of its children.
aws batch submit-job --job-name flowaudit-merge --job-queue flowaudit \
  --job-definition flowaudit-merge --depends-on "jobId=$parent" \
  --container-overrides "environment=[{name=SHARDS_JOB_ID,value=$parent}]" \
  --query jobId --output text
