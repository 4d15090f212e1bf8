#!/bin/sh
# One shard of a sweep, as a Kubernetes Indexed Job runs it (sweep-job.yaml): shard
# $JOB_COMPLETION_INDEX of $SHARDS over the seeds $SEEDS, on $JOBS threads, into $OUT/shard-INDEX
# (coverage.json and index.html, the per-seed lines in runs.txt, the exit code in exit-code).
# A failing seed is a finding, not a failed pod: the script exits 0 unless the command line was
# bad (exit code 2), so Kubernetes does not retry a shard that found a bug. `npm run sim` bundles
# the simulator first (bin/build.mjs), as everywhere: the image holds the sources.
set -u
: "${JOB_COMPLETION_INDEX:?set by Kubernetes for an Indexed Job}"
: "${SHARDS:?how many shards the sweep is cut into (the Job's completions)}"
: "${SEEDS:?the whole sweep, e.g. 1..1000000}"
OUT="${OUT:-/out}"
JOBS="${JOBS:-1}"
dir="$OUT/shard-$JOB_COMPLETION_INDEX"
mkdir -p "$dir"
npm run -s sim -- --seeds "$SEEDS" --shard "$JOB_COMPLETION_INDEX/$SHARDS" --jobs "$JOBS" --report "$dir" > "$dir/runs.txt"
code=$?
echo "$code" > "$dir/exit-code"
[ "$code" -eq 2 ] && exit 2
exit 0
