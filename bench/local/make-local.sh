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

node - "$out" "$runs" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [dir, count] = process.argv.slice(2);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const seconds = (ms) => (ms / 1000).toFixed(1);
const summaries = [];
for (let i = 1; i <= Number(count); i++) {
  const file = path.join(dir, `run-${i}.json`);
  try {
    summaries.push(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    console.log(`run ${i}: no summary (${e.message}); see ${file.replace(/json$/, 'log')}`);
  }
}
const isStop = (step) => step.name.startsWith('stop ');
const rows = summaries.map((s, i) => {
  // Crawl and Athena repeat while windows are missing: one total per step name, with its rounds.
  const byStep = {};
  for (const step of s.steps) {
    const entry = (byStep[step.name] ??= { ms: 0, rounds: 0 });
    entry.ms += step.durationMs;
    entry.rounds += 1;
  }
  const stopMs = s.steps.filter(isStop).reduce((n, step) => n + step.durationMs, 0);
  return { run: i + 1, ok: s.ok, validatedMs: s.totalMs - stopMs, totalMs: s.totalMs, byStep };
});
for (const row of rows) {
  const steps = Object.entries(row.byStep)
    .map(([name, e]) => `${name} ${seconds(e.ms)} s${e.rounds > 1 ? ` (${e.rounds} rounds)` : ''}`)
    .join(', ');
  console.log(`run ${row.run}: ${row.ok ? 'OK' : 'FAILED'}, validated after ${seconds(row.validatedMs)} s, total ${seconds(row.totalMs)} s; ${steps}`);
}
const ok = rows.filter((r) => r.ok);
if (ok.length === 0) process.exit(1);
console.log(`median over ${ok.length} successful runs: validated after ${seconds(median(ok.map((r) => r.validatedMs)))} s, total ${seconds(median(ok.map((r) => r.totalMs)))} s`);
const names = [...new Set(ok.flatMap((r) => Object.keys(r.byStep)))];
for (const name of names) {
  const present = ok.filter((r) => r.byStep[name]);
  console.log(`  ${name}: median ${seconds(median(present.map((r) => r.byStep[name].ms)))} s, rounds ${present.map((r) => r.byStep[name].rounds).join('/')}`);
}
EOF
