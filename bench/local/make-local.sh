#!/usr/bin/env bash
# `make local` N times, each in a fresh FLINKFLOW_HOME (so each run starts its own local cloud, as a
# first `make local` does), then the medians: time to the first validated result and each step.
#
#   bench/local/make-local.sh [runs=3] [output dir]
#
# Time to the first validated result = the run's total time minus its final "stop local cloud" step:
# from the start of `local run` to the Athena round in which every expected window checked out.
set -euo pipefail

runs="${1:-3}"
out="${2:-$(mktemp -d /tmp/flinkflow-make-local-XXXXXX)}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$out"
cd "$repo"

for i in $(seq 1 "$runs"); do
  home="$(mktemp -d /tmp/flinkflow-make-local-home-XXXXXX)"
  echo "run $i of $runs (FLINKFLOW_HOME=$home, summary $out/run-$i.json)" >&2
  started=$(date +%s%3N)
  FLINKFLOW_HOME="$home" make -s --no-print-directory local LOCAL_RUN_ARGS=--json \
    >"$out/run-$i.json" 2>"$out/run-$i.log" || echo "run $i exited with $?" >&2
  echo "  wall clock of make: $(($(date +%s%3N) - started)) ms" >&2
  rm -rf "$home"
done

"$repo/node_modules/.bin/tsx" "$repo/bench/local/summarize-local-runs.ts" "$out" "$runs"
