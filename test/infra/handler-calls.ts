/**
 * The AWS calls each provisioning and crawl-and-query task's handler makes, read from its sources: every `new XCommand(...)`
 * of an `@aws-sdk/client-*` package in lambdas/<task>/, and in the functions it uses of the lambdas/
 * modules it imports, transitively (a shared module's helper that only another task uses does not count).
 * Nothing here is per task, so a task added to ProvisionLambdaTasks is covered without an edit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProjectRoot } from '../../infra/task-function';
import type { TaskName } from '../../lambdas/shared/handler';
import { lambdaFolderName } from '../../workflow/provisioning';

/** The service prefix of each SDK client package the tasks use (null: the call needs no permission). */
export const ServicePrefix: Readonly<Record<string, string | null>> = {
  '@aws-sdk/client-kinesis': 'kinesis',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-kinesis-analytics-v2': 'kinesisanalytics',
  '@aws-sdk/client-glue': 'glue',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-athena': 'athena',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-eventbridge': 'events',
  // Step Functions' IAM prefix is `states` (the redeploy starter's StartExecution).
  '@aws-sdk/client-sfn': 'states',
  // GetCallerIdentity needs no permission.
  '@aws-sdk/client-sts': null,
};

interface Source {
  file: string;
  text: string;
  /** In the task's own folder (every command counts) or a shared module (only the used functions' do). */
  own: boolean;
}

/** A task's sources: its folder and the modules under lambdas/ they import, transitively. */
function sourcesOf(task: TaskName): Source[] {
  const lambdasRoot = path.join(ProjectRoot, 'lambdas');
  // Every machine's task folders follow the same kebab-case rule.
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
  return [...seen].map((file) => ({
    file,
    text: fs.readFileSync(file, 'utf8'),
    own: file.startsWith(folder + path.sep),
  }));
}

/** A module's top-level declarations (`function f`, `const f`), each with its text, in order. */
function declarationsOf(text: string): Array<{ name: string | undefined; text: string }> {
  const blocks: Array<{ name: string | undefined; text: string }> = [{ name: undefined, text: '' }];
  for (const line of text.split('\n')) {
    const declared =
      /^(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*|const\s+|let\s+|class\s+)([A-Za-z0-9_$]+)/.exec(line);
    if (declared) blocks.push({ name: declared[1], text: '' });
    blocks[blocks.length - 1]!.text += `${line}\n`;
  }
  return blocks;
}

/**
 * The parts of a task's sources whose commands it may send: all of its own folder, and of a shared module
 * the code outside any declaration plus the declarations the task uses (named in its own sources or in
 * another used part), so that a shared module's helper for another task does not count.
 */
function reachableTexts(sources: readonly Source[]): string[] {
  const used: string[] = sources.filter((s) => s.own).map((s) => s.text);
  const pending = sources
    .filter((s) => !s.own)
    .flatMap((s) => declarationsOf(s.text).map((block) => ({ ...block, file: s.file })));
  for (const block of pending.filter((b) => b.name === undefined)) used.push(block.text);
  let remaining = pending.filter((b) => b.name !== undefined);
  for (let grew = true; grew;) {
    grew = false;
    const next: typeof remaining = [];
    for (const block of remaining) {
      const pattern = new RegExp(`\\b${block.name!.replace(/\$/g, '\\$')}\\b`);
      if (used.some((text) => pattern.test(text))) {
        used.push(block.text);
        grew = true;
      } else next.push(block);
    }
    remaining = next;
  }
  return used;
}

/** The SDK commands a task's handler sends, as `prefix:Operation` (the API name, not yet the IAM action). */
export function commandsOf(task: TaskName): string[] {
  const sources = sourcesOf(task);
  // Which client each imported command class comes from, over all the task's files.
  const moduleOf = new Map<string, string>();
  for (const { text } of sources) {
    for (const match of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g,
    )) {
      for (const name of match[1]!.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())) {
        if (name) moduleOf.set(name, match[2]!);
      }
    }
  }
  const commands = new Set<string>();
  for (const text of reachableTexts(sources)) {
    for (const match of text.matchAll(/new\s+([A-Za-z0-9]+)Command\s*\(/g)) {
      const module = moduleOf.get(`${match[1]}Command`);
      if (module === undefined)
        throw new Error(`${task}: cannot tell which client ${match[1]}Command comes from`);
      if (!(module in ServicePrefix))
        throw new Error(`${task}: add ${module} to ServicePrefix in test/infra/handler-calls.ts`);
      const prefix = ServicePrefix[module];
      if (prefix) commands.add(`${prefix}:${match[1]}`);
    }
  }
  return [...commands].sort();
}
