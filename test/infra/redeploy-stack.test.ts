/**
 * The redeploy part of the orchestrator stack: the rule's pattern judged by an EventBridge matcher that is
 * not ours (moto's implementation of EventBridge pattern matching, the local cloud's events service), the
 * machine's wiring, and cdk-nag.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import { ProjectRoot } from '../../infra/task-function';
import { Sample } from './iam-model';
import { orchestratorApp } from './synth';

const python = path.join(ProjectRoot, '.venv', 'bin', 'python');

/** Runs moto's EventPattern (the matcher behind its TestEventPattern and rule delivery) on each event. */
function motoMatches(pattern: unknown, events: readonly unknown[]): boolean[] {
  const script = [
    'import json, sys',
    'from moto.events.models import EventPattern',
    'data = json.load(sys.stdin)',
    'pattern = EventPattern.load(json.dumps(data["pattern"]))',
    'print(json.dumps([pattern.matches_event(e) for e in data["events"]]))',
  ].join('\n');
  const out = execFileSync(python, ['-c', script], { input: JSON.stringify({ pattern, events }) });
  return JSON.parse(out.toString()) as boolean[];
}

function s3Event(
  detailType: string,
  bucket: string,
  key: string,
  overrides: Record<string, unknown> = {},
  reason = 'PutObject',
) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: Sample.account,
    time: '2026-12-01T12:00:00Z',
    region: Sample.region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 52674265, etag: 'abc', 'version-id': 'v2', sequencer: '617f08299329d189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: Sample.account,
      reason,
    },
    ...overrides,
  };
}

describe('the redeploy rule, machine and functions in the orchestrator stack', () => {
  const { app, stack } = orchestratorApp();
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);

  /** The rule's pattern with the stack's account and region tokens resolved to the sample's. */
  function rulePattern(): unknown {
    const rules = template.findResources('AWS::Events::Rule');
    const [rule] = Object.values(rules);
    const text = JSON.stringify((rule as { Properties: { EventPattern: unknown } }).Properties.EventPattern);
    const resolved = JSON.parse(
      text
        .replace(/\{"Ref":"AWS::AccountId"\}/g, JSON.stringify(Sample.account))
        .replace(/\{"Ref":"AWS::Region"\}/g, JSON.stringify(Sample.region)),
    ) as unknown;
    // Fn::Join of literals, left by the token resolution above: joined here.
    const join = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(join);
      if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        if (Array.isArray(record['Fn::Join'])) {
          const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
          return parts.map((p) => join(p)).join(separator);
        }
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, join(v)]));
      }
      return value;
    };
    return join(resolved);
  }

  it('It should match an S3 Object Created event under the code prefix of a pipeline bucket, and nothing else', () => {
    const bucket = `flinkflow-ticks-demo-${Sample.account}-${Sample.region}`;
    const cases: Array<[string, unknown, boolean]> = [
      ['a new code zip', s3Event('Object Created', bucket, 'code/flinkflow-app.zip'), true],
      [
        'another pipeline',
        s3Event(
          'Object Created',
          `flinkflow-other-pipe-${Sample.account}-${Sample.region}`,
          'code/flinkflow-app.zip',
        ),
        true,
      ],
      [
        'a multipart upload',
        s3Event('Object Created', bucket, 'code/flinkflow-app.zip', {}, 'CompleteMultipartUpload'),
        true,
      ],
      [
        "provisioning's copy of the code asset",
        s3Event('Object Created', bucket, 'code/flinkflow-app.zip', {}, 'CopyObject'),
        false,
      ],
      ['an output file', s3Event('Object Created', bucket, 'output/ticker=AAPL/part-0.csv'), false],
      [
        'a key that only starts like the prefix',
        s3Event('Object Created', bucket, 'codex/flinkflow-app.zip'),
        false,
      ],
      ['a deleted code zip', s3Event('Object Deleted', bucket, 'code/flinkflow-app.zip'), false],
      [
        'a bucket outside the convention',
        s3Event('Object Created', 'payments-archive', 'code/flinkflow-app.zip'),
        false,
      ],
      [
        'a pipeline bucket of another region',
        s3Event(
          'Object Created',
          `flinkflow-ticks-demo-${Sample.account}-us-east-1`,
          'code/flinkflow-app.zip',
        ),
        false,
      ],
      [
        'another account',
        s3Event('Object Created', bucket, 'code/flinkflow-app.zip', { account: '210987654321' }),
        false,
      ],
      [
        'another source',
        s3Event('Object Created', bucket, 'code/flinkflow-app.zip', { source: 'my.app' }),
        false,
      ],
    ];
    const results = motoMatches(
      rulePattern(),
      cases.map(([, event]) => event),
    );
    expect(Object.fromEntries(cases.map(([name], i) => [name, results[i]]))).toEqual(
      Object.fromEntries(cases.map(([name, , expected]) => [name, expected])),
    );
  });

  it('It should target the starter function, which may start only the redeploy machine', () => {
    expect(Object.keys(template.findResources('AWS::Events::Rule'))).toHaveLength(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 } }),
      ],
    });
    const machineId = Stack.of(stack).getLogicalId(
      stack.redeploy.stateMachine.stateMachine.node.defaultChild as never,
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'states:StartExecution',
            Effect: 'Allow',
            Resource: { Ref: machineId },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
    });
  });

  it('It should leave no cdk-nag finding unacknowledged', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect([...errors, ...warnings].map((a) => `${a.id}: ${String(a.entry.data).slice(0, 200)}`)).toEqual([]);
  });
});
