#!/usr/bin/env bash
# `flinkflow local run` in this checkout and in another one (an older commit, say), alternating run by
# run so that both see the same machine load, each run in a fresh FLINKFLOW_HOME; then the medians of
# each side. Both checkouts need their installs and the Flink zip (`make deps flink-zip`).
#
#   bench/local/local-run-side-by-side.sh <other checkout> [runs=3] [output dir]
set -euo pipefail

other="$(cd "${1:?the other checkout}" && pwd)"
runs="${2:-3}"
out="${3:-$(mktemp -d /tmp/flinkflow-side-by-side-XXXXXX)}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$out"

for i in $(seq 1 "$runs"); do
  for side in this other; do
    dir="$repo"
    [ "$side" = other ] && dir="$other"
    home="$(mktemp -d /tmp/flinkflow-side-by-side-home-XXXXXX)"
    echo "run $i of $runs, $side ($dir, summary $out/$side-$i.json)" >&2
    (cd "$dir" && FLINKFLOW_HOME="$home" node cli/bin/flinkflow.js local run --json \
      >"$out/$side-$i.json" 2>"$out/$side-$i.log") || echo "  $side run $i exited with $?" >&2
    rm -rf "$home"
  done
done

echo "== this checkout ($repo, $(git -C "$repo" rev-parse --short HEAD))"
"$repo/node_modules/.bin/tsx" "$repo/bench/local/summarize-local-runs.ts" "$out" "$runs" this || true
echo "== other checkout ($other, $(git -C "$other" rev-parse --short HEAD))"
"$repo/node_modules/.bin/tsx" "$repo/bench/local/summarize-local-runs.ts" "$out" "$runs" other || true
