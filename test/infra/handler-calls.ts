/**
 * The AWS calls each provisioning task's handler makes, read from its sources: every `new XCommand(...)`
 * of an `@aws-sdk/client-*` package in lambdas/<task>/ and the lambdas/ modules it imports, transitively.
 * Nothing here is per task, so a task added to ProvisionLambdaTasks is covered without an edit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProjectRoot } from '../../infra/task-function';
import type { ProvisionLambdaTask } from '../../workflow/contract';
import { lambdaFolderName } from '../../workflow/provisioning';

/** The service prefix of each SDK client package the tasks use (null: the call needs no permission). */
export const ServicePrefix: Readonly<Record<string, string | null>> = {
  '@aws-sdk/client-kinesis': 'kinesis',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-kinesis-analytics-v2': 'kinesisanalytics',
  '@aws-sdk/client-glue': 'glue',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  // GetCallerIdentity needs no permission.
  '@aws-sdk/client-sts': null,
};

/**
 * Commands that a task's sources reach through a shared module but never send: the shared module holds
 * them for another task.
 */
const NotSentBy: Partial<Record<ProvisionLambdaTask, string[]>> = {
  // lambdas/shared/application-status.ts: failureReason() is called by DescribeApplication only.
  StartApplication: [
    'kinesisanalytics:ListApplicationOperations',
    'kinesisanalytics:DescribeApplicationOperation',
  ],
  ForceStopApplication: [
    'kinesisanalytics:ListApplicationOperations',
    'kinesisanalytics:DescribeApplicationOperation',
  ],
};

/** A task's sources: its folder and the modules under lambdas/ they import, transitively. */
function sourcesOf(task: ProvisionLambdaTask): string[] {
  const lambdasRoot = path.join(ProjectRoot, 'lambdas');
  const folder = path.join(lambdasRoot, lambdaFolderName(task));
  if (!fs.existsSync(folder)) {
    throw new Error(`${task}: its handler folder ${folder} does not exist (lambdaFolderName of the task)`);
  }
  const pending = fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(folder, file));
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const match of source.matchAll(/from\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1]!);
      const candidates = [`${target}.ts`, path.join(target, 'index.ts')];
      const found = candidates.find((candidate) => fs.existsSync(candidate));
      if (found && found.startsWith(lambdasRoot + path.sep)) pending.push(found);
    }
  }
  return [...seen].map((file) => fs.readFileSync(file, 'utf8'));
}

/** The SDK commands a task's handler sends, as `prefix:Operation` (the API name, not yet the IAM action). */
export function commandsOf(task: ProvisionLambdaTask): string[] {
  const commands = new Set<string>();
  for (const source of sourcesOf(task)) {
    const moduleOf = new Map<string, string>();
    for (const match of source.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g,
    )) {
      for (const name of match[1]!.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())) {
        if (name) moduleOf.set(name, match[2]!);
      }
    }
    for (const match of source.matchAll(/new\s+([A-Za-z0-9]+)Command\s*\(/g)) {
      const module = moduleOf.get(`${match[1]}Command`);
      if (module === undefined)
        throw new Error(`${task}: cannot tell which client ${match[1]}Command comes from`);
      if (!(module in ServicePrefix))
        throw new Error(`${task}: add ${module} to ServicePrefix in test/infra/handler-calls.ts`);
      const prefix = ServicePrefix[module];
      if (prefix) commands.add(`${prefix}:${match[1]}`);
    }
  }
  const notSent = new Set(NotSentBy[task] ?? []);
  return [...commands].filter((command) => !notSent.has(command)).sort();
}
