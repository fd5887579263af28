/**
 * Keeps each task's IAM permissions equal to what its handler calls: every SDK command in
 * lambdas/<task>/ needs its action granted, and every granted action must be needed by some command.
 */
import fs from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PipelineResources } from '../../infra/pipeline-resources';
import { ProjectRoot } from '../../infra/task-function';
import { TaskPermissions } from '../../infra/task-permissions';
import { ProvisionLambdaTasks, type ProvisionLambdaTask } from '../../workflow/contract';
import { lambdaFolderName } from '../../workflow/provisioning';

/** IAM prefix of each SDK client package the tasks use (null: the call needs no permission). */
const ServicePrefix: Record<string, string | null> = {
  '@aws-sdk/client-kinesis': 'kinesis',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-kinesis-analytics-v2': 'kinesisanalytics',
  '@aws-sdk/client-glue': 'glue',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  // GetCallerIdentity needs no permission.
  '@aws-sdk/client-sts': null,
};

/** Where the IAM action differs from the API name (from the S3 authorization reference). */
const RequiredActions: Record<string, string[]> = {
  's3:HeadBucket': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  's3:CopyObject': ['s3:PutObject', 's3:GetObject'],
  's3:PutBucketEncryption': ['s3:PutEncryptionConfiguration'],
  's3:GetBucketEncryption': ['s3:GetEncryptionConfiguration'],
  's3:PutPublicAccessBlock': ['s3:PutBucketPublicAccessBlock'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
};

/** Actions a call may also need, depending on its arguments, and why. */
const OptionalActions: Record<string, string[]> = {
  // A versioned read (VersionId) is authorised as GetObjectVersion.
  's3:GetObject': ['s3:GetObjectVersion'],
  's3:CopyObject': ['s3:GetObjectVersion'],
  // Without ListBucket, HeadObject of a missing key answers 403 rather than 404.
  's3:HeadObject': ['s3:GetObjectVersion', 's3:ListBucket'],
  // CreateBucket with ObjectOwnership (BucketOwnerEnforced) is authorised as this too.
  's3:CreateBucket': ['s3:PutBucketOwnershipControls'],
  // Tags passed to a create call are authorised as tagging too.
  'kinesisanalytics:CreateApplication': ['kinesisanalytics:TagResource'],
  'glue:CreateCrawler': ['glue:TagResource'],
  'kinesis:CreateStream': ['kinesis:AddTagsToStream'],
};

/** Actions a task needs because of what it passes, not what it calls. */
const ImpliedByTask: Partial<Record<ProvisionLambdaTask, string[]>> = {
  CreateApplication: ['iam:PassRole'],
  CreateCrawler: ['iam:PassRole'],
};

/**
 * Commands that a task's sources reach through a shared module but never send: the shared module holds
 * them for another task.
 */
const NotSentBy: Partial<Record<ProvisionLambdaTask, string[]>> = {
  // lambdas/shared/application-status.ts: failureReason() is called by DescribeApplication and
  // StartApplication only.
  ForceStopApplication: [
    'kinesisanalytics:ListApplicationOperations',
    'kinesisanalytics:DescribeApplicationOperation',
  ],
  StopUnhealthyApplication: [
    'kinesisanalytics:ListApplicationOperations',
    'kinesisanalytics:DescribeApplicationOperation',
  ],
};

/** A task's sources: its folder and the modules under lambdas/ they import, transitively. */
function sourcesOf(task: ProvisionLambdaTask): string[] {
  const lambdasRoot = path.join(ProjectRoot, 'lambdas');
  const folder = path.join(lambdasRoot, lambdaFolderName(task));
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

/** The SDK commands a task's handler sends, as `prefix:Operation`. */
function commandsOf(task: ProvisionLambdaTask): string[] {
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
      if (!(module in ServicePrefix)) throw new Error(`${task}: add ${module} to ServicePrefix in this test`);
      const prefix = ServicePrefix[module];
      if (prefix) commands.add(`${prefix}:${match[1]}`);
    }
  }
  const notSent = new Set(NotSentBy[task] ?? []);
  return [...commands].filter((command) => !notSent.has(command)).sort();
}

function grantedActions(task: ProvisionLambdaTask): string[] {
  const stack = new Stack(new App(), 'Permissions');
  const role = (id: string) =>
    new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const statements = TaskPermissions[task]({
    resources: new PipelineResources(stack, 'flinkflow'),
    codeAsset: { bucketName: 'assets', objectKey: 'code.zip' },
    applicationRole: role('Application'),
    crawlerRole: role('Crawler'),
  });
  return [...new Set(statements.flatMap((statement) => statement.actions))].sort();
}

describe('TaskPermissions', () => {
  it.each(ProvisionLambdaTasks)('It should grant %s every action its handler calls', (task) => {
    // Prepare
    const granted = new Set(grantedActions(task));

    // Act
    const missing = commandsOf(task).flatMap((command) =>
      (RequiredActions[command] ?? [command])
        .filter((action) => !granted.has(action))
        .map((action) => `${command} needs ${action}`),
    );

    // Assess
    expect(missing).toEqual([]);
  });

  it.each(ProvisionLambdaTasks)('It should grant %s no action its handler does not need', (task) => {
    // Prepare
    const needed = new Set([
      ...commandsOf(task).flatMap((command) => [
        ...(RequiredActions[command] ?? [command]),
        ...(OptionalActions[command] ?? []),
      ]),
      ...(ImpliedByTask[task] ?? []),
    ]);

    // Act
    const superfluous = grantedActions(task).filter((action) => !needed.has(action));

    // Assess
    expect(superfluous).toEqual([]);
  });
});
