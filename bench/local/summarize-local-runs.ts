/**
 * The medians of N `flinkflow local run --json` summaries in a folder (`<prefix>-<i>.json`, prefix `run`
 * by default): time to the first validated result (the total minus the final "stop local cloud" step)
 * and each step. Used by make-local.sh and local-run-side-by-side.sh.
 *
 *   tsx bench/local/summarize-local-runs.ts <dir> <runs> [prefix]
 */
import fs from 'node:fs';
import path from 'node:path';

interface Step {
  name: string;
  durationMs: number;
}
interface Summary {
  ok: boolean;
  totalMs: number;
  steps: Step[];
}
const [dir, count, prefix = 'run'] = process.argv.slice(2);
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const summaries: Summary[] = [];
for (let i = 1; i <= Number(count); i++) {
  const file = path.join(dir, `${prefix}-${i}.json`);
  try {
    summaries.push(JSON.parse(fs.readFileSync(file, 'utf8')) as Summary);
  } catch (e) {
    console.log(`run ${i}: no summary (${(e as Error).message}); see ${file.replace(/json$/, 'log')}`);
  }
}
const isStop = (step: Step): boolean => step.name.startsWith('stop ');
const rows = summaries.map((s, i) => {
  // Crawl and Athena repeat while windows are missing: one total per step name, with its rounds.
  const byStep: Record<string, { ms: number; rounds: number }> = {};
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
  console.log(
    `run ${row.run}: ${row.ok ? 'OK' : 'FAILED'}, validated after ${seconds(row.validatedMs)} s, total ${seconds(row.totalMs)} s; ${steps}`,
  );
}
const ok = rows.filter((r) => r.ok);
if (ok.length === 0) process.exit(1);
console.log(
  `median over ${ok.length} successful runs: validated after ${seconds(median(ok.map((r) => r.validatedMs)))} s, total ${seconds(median(ok.map((r) => r.totalMs)))} s`,
);
const names = [...new Set(ok.flatMap((r) => Object.keys(r.byStep)))];
for (const name of names) {
  const present = ok.filter((r) => r.byStep[name]);
  console.log(
    `  ${name}: median ${seconds(median(present.map((r) => r.byStep[name]?.ms ?? 0)))} s, rounds ${present.map((r) => r.byStep[name]?.rounds ?? 0).join('/')}`,
  );
}
