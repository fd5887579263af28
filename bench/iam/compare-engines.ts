/**
 * Which engine sees the four IAM findings (bench/iam/cases.json), and at what cost: iam-simulate evaluates
 * the request each task makes against the statement; parliament, policy_sentry and cfn-lint (from .venv)
 * read the statement. Results in docs/iam.md. Run: make bench-iam
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';

interface Case {
  name: string;
  statement: Record<string, unknown>;
  request: { action: string; resource: string };
}
interface ToolResult {
  results: Array<{ case: string; detected: boolean; detail: unknown }>;
  seconds: number;
}

const casesPath = path.join(__dirname, 'cases.json');
const { cases } = JSON.parse(fs.readFileSync(casesPath, 'utf8')) as { cases: Case[] };

/** One case's request against its one statement, as iam-simulate evaluates it. */
function simulateCase(c: Case) {
  return runSimulation(
    {
      request: {
        principal: 'arn:aws:iam::123456789012:role/sample',
        action: c.request.action,
        resource: { resource: c.request.resource, accountId: '123456789012' },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'case', policy: { Version: '2012-10-17', Statement: [c.statement] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
}

async function simulate(): Promise<ToolResult & { perRequestMs: number }> {
  const started = performance.now();
  const results = [];
  for (const c of cases) {
    const outcome = await simulateCase(c);
    const verdict = outcome.resultType === 'error' ? 'error' : outcome.overallResult;
    results.push({ case: c.name, detected: verdict !== 'Allowed', detail: verdict });
  }
  const seconds = (performance.now() - started) / 1000;
  // Warm cost per request, the figure that matters for hundreds of requests in the test.
  const repeat = 500;
  const warm = performance.now();
  for (let i = 0; i < repeat; i += 1) {
    const c = cases[i % cases.length]!;
    await simulateCase(c);
  }
  return { results, seconds, perRequestMs: (performance.now() - warm) / repeat };
}

async function main(): Promise<void> {
  const python = path.join(__dirname, '..', '..', '.venv', 'bin', 'python');
  const simulated = await simulate();
  const others = JSON.parse(
    execFileSync(python, [path.join(__dirname, 'compare_engines.py'), casesPath], { encoding: 'utf8' }),
  ) as Record<string, ToolResult>;
  const tools: Record<string, ToolResult> = { 'iam-simulate': simulated, ...others };
  console.log(`| tool | ${cases.map((c) => c.name).join(' | ')} | detected | time (4 cases) |`);
  console.log(`| --- | ${cases.map(() => '---').join(' | ')} | --- | --- |`);
  for (const [tool, result] of Object.entries(tools)) {
    const cells = result.results.map((r) => (r.detected ? 'yes' : 'no'));
    const detected = result.results.filter((r) => r.detected).length;
    console.log(
      `| ${tool} | ${cells.join(' | ')} | ${detected}/4 | ${(result.seconds * 1000).toFixed(0)} ms |`,
    );
  }
  console.log(`\niam-simulate, warm: ${simulated.perRequestMs.toFixed(2)} ms per request`);
  console.log('\ndetails:', JSON.stringify(tools, null, 1));
}

void main();
