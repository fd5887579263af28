/**
 * The teardown tasks at their edges, which the per-task suites leave out: the errors that are not
 * "already gone" and must fail the task as they are, responses with fields missing, the exact records
 * each task writes for the summary, and the state check every task starts with.
 */
import '../support/quiet-logs';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  BatchDeleteTableCommand,
  DeleteClassifierCommand,
  DeleteCrawlerCommand,
  GetCrawlerCommand,
  GetTablesCommand,
  GlueClient,
  StopCrawlerCommand,
} from '@aws-sdk/client-glue';
import { DeleteStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { run as deleteApplication } from '../../lambdas/delete-application';
import { run as deleteBucket } from '../../lambdas/delete-bucket';
import { run as deleteCatalogTables } from '../../lambdas/delete-catalog-tables';
import { CRAWL_STOP_WAIT, run as deleteCrawler } from '../../lambdas/delete-crawler';
import { run as deleteCsvClassifier } from '../../lambdas/delete-csv-classifier';
import { run as deleteRedeployRule } from '../../lambdas/delete-redeploy-rule';
import { run as deleteStream } from '../../lambdas/delete-stream';
import { run as deleteValidationSchedule } from '../../lambdas/delete-validation-schedule';
import { run as emptyBucket } from '../../lambdas/empty-bucket';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
} from '../../lambdas/shared/teardown';
import { run as stopForTeardown } from '../../lambdas/stop-application-for-teardown';
import { run as summarizeTeardown } from '../../lambdas/summarize-teardown';
import { run as validateTeardownInput } from '../../lambdas/validate-teardown-input';
import type { ApplicationStopCheck, TeardownExecutionState } from '../../workflow/teardown-contract';
import { appStatus } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';
import { fakeTime } from '../support/time';

const kda = mockClient(KinesisAnalyticsV2Client);
const logs = mockClient(CloudWatchLogsClient);
const glue = mockClient(GlueClient);
const kinesis = mockClient(KinesisClient);
const events = mockClient(EventBridgeClient);
const s3 = mockClient(S3Client);
const scheduler = mockClient(SchedulerClient);
const sts = mockClient(STSClient);
beforeEach(() => {
  for (const client of [kda, logs, glue, kinesis, events, s3, scheduler, sts]) client.reset();
});

const bucket = 'flinkflow-ticks-demo-123456789012-eu-west-1';
const denied = () => awsError('AccessDeniedException', { statusCode: 403 });
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

describe('The teardown tasks’ shared rules', () => {
  it('It should take any 404 as already gone, whatever the error code', () => {
    expect(isNotFound(awsError('SomethingNew', { statusCode: 404 }))).toBe(true);
    expect(isNotFound(awsError('SomethingNew', { statusCode: 400 }))).toBe(false);
  });

  it.each([
    ['no event', null],
    ['no config', {}],
    ['a null config', { config: null }],
    ['a config without a pipeline name', { config: { keepData: false } }],
  ])('It should refuse %s with InvalidInputError naming $.config and the task', (_, event) => {
    // Act
    const act = () => requireTeardownState(event, 'DeleteStream');

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        problems: [
          {
            field: 'config',
            message: expect.stringMatching(
              /^DeleteStream expects the teardown execution state .* at \$\.config/,
            ),
          },
        ],
      }),
    );
  });

  it('It should leave a record without detail free of a detail key', () => {
    expect(Object.keys(resource('bucket', 'b', 'removed'))).toEqual(['kind', 'name', 'outcome']);
    expect(resource('bucket', 'b', 'kept', 'why')).toStrictEqual({
      kind: 'bucket',
      name: 'b',
      outcome: 'kept',
      detail: 'why',
    });
  });

  it('It should make its own clients retry adaptively, three attempts, as the other tasks’ do', async () => {
    // Act
    const d = resolveTeardownDeps();

    // Assess
    for (const client of [d.scheduler, d.eventBridge]) {
      expect(await client.config.maxAttempts()).toBe(3);
      expect(client.config.retryMode).toBe('adaptive');
      expect(client.config.customUserAgent).toEqual([['flinkflow']]);
    }
  });
});

describe('Teardown tasks: an error that is not "already gone" fails the task as it is', () => {
  it.each<[string, () => void, () => Promise<unknown>]>([
    [
      'DeleteApplication (describe)',
      () => kda.on(DescribeApplicationCommand).rejects(denied()),
      () => deleteApplication(teardownState()),
    ],
    [
      'DeleteApplication (log group)',
      () => {
        kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));
        kda.on(DeleteApplicationCommand).resolves({});
        logs.on(DeleteLogGroupCommand).rejects(denied());
      },
      () => deleteApplication(teardownState()),
    ],
    [
      'DeleteCatalogTables',
      () => glue.on(GetTablesCommand).rejects(denied()),
      () => deleteCatalogTables(teardownState()),
    ],
    [
      'DeleteCrawler (get)',
      () => glue.on(GetCrawlerCommand).rejects(denied()),
      () => deleteCrawler(teardownState(), fakeTime()),
    ],
    [
      'DeleteCrawler (stop)',
      () => {
        glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'c', State: 'RUNNING' } });
        glue.on(StopCrawlerCommand).rejects(denied());
      },
      () => deleteCrawler(teardownState(), fakeTime()),
    ],
    [
      'DeleteCrawler (delete)',
      () => {
        glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'c', State: 'READY' } });
        glue.on(DeleteCrawlerCommand).rejects(denied());
      },
      () => deleteCrawler(teardownState(), fakeTime()),
    ],
    [
      'DeleteRedeployRule',
      () => events.on(ListTargetsByRuleCommand).rejects(denied()),
      () => deleteRedeployRule(teardownState()),
    ],
    [
      'DeleteStream (describe)',
      () => kinesis.on(DescribeStreamSummaryCommand).rejects(denied()),
      () => deleteStream(teardownState()),
    ],
    [
      'DeleteStream (delete)',
      () => {
        kinesis.on(DescribeStreamSummaryCommand).resolves({});
        kinesis.on(DeleteStreamCommand).rejects(denied());
      },
      () => deleteStream(teardownState()),
    ],
    ['DeleteBucket', () => s3.on(DeleteBucketCommand).rejects(denied()), () => deleteBucket(teardownState())],
    [
      'StopApplicationForTeardown (describe)',
      () => kda.on(DescribeApplicationCommand).rejects(denied()),
      () => stopForTeardown(teardownState(), fakeTime()),
    ],
    [
      'StopApplicationForTeardown (stop)',
      () => {
        kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
        kda.on(StopApplicationCommand).rejects(denied());
      },
      () => stopForTeardown(teardownState(), fakeTime()),
    ],
  ])('%s', async (_, prepare, act) => {
    // Prepare
    prepare();

    // Act & Assess
    await expect(act()).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it.each<[string, () => void, () => Promise<unknown>, RegExp]>([
    [
      'DeleteApplication, busy',
      () => {
        kda.on(DescribeApplicationCommand).resolves(appStatus('STOPPING'));
        kda.on(DeleteApplicationCommand).rejects(awsError('ResourceInUseException'));
      },
      () => deleteApplication(teardownState()),
      /^Application ticks-demo-app is STOPPING; its deletion is retried$/,
    ],
    [
      'DeleteStream, with no status',
      () => {
        kinesis.on(DescribeStreamSummaryCommand).resolves({});
        kinesis.on(DeleteStreamCommand).rejects(awsError('ResourceInUseException'));
      },
      () => deleteStream(teardownState()),
      /^Stream ticks-demo-ticks is busy; its deletion is retried$/,
    ],
    [
      'DeleteCrawler, started again',
      () => {
        glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'c', State: 'READY' } });
        glue.on(DeleteCrawlerCommand).rejects(awsError('CrawlerRunningException'));
      },
      () => deleteCrawler(teardownState(), fakeTime()),
      /^Crawler ticks-demo-crawler started again or its schedule is changing; retried$/,
    ],
    [
      'DeleteCrawler, schedule changing',
      () => {
        glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'c', State: 'READY' } });
        glue.on(DeleteCrawlerCommand).rejects(awsError('SchedulerTransitioningException'));
      },
      () => deleteCrawler(teardownState(), fakeTime()),
      /^Crawler ticks-demo-crawler started again/,
    ],
    [
      'DeleteRedeployRule, rule being changed',
      () => {
        events.on(ListTargetsByRuleCommand).resolves({});
        events.on(DeleteRuleCommand).rejects(awsError('ConcurrentModificationException'));
      },
      () => deleteRedeployRule(teardownState()),
      /^Rule ticks-demo-redeploy is being changed; its deletion is retried$/,
    ],
    [
      'DeleteValidationSchedule, schedule being changed',
      () => scheduler.on(DeleteScheduleCommand).rejects(awsError('ConflictException')),
      () => deleteValidationSchedule(teardownState()),
      /^Schedule ticks-demo-validation is being changed; its deletion is retried$/,
    ],
    [
      'StopApplicationForTeardown, status changed',
      () => {
        kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
        kda.on(StopApplicationCommand).rejects(awsError('ResourceInUseException'));
      },
      () => stopForTeardown(teardownState(), fakeTime()),
      /^Application ticks-demo-app changed status while being stopped; retried$/,
    ],
  ])(
    '%s: TransientError saying what is retried, with the service error as cause',
    async (_, p, act, message) => {
      // Prepare
      p();

      // Act
      const error = await act().then(
        () => undefined,
        (e: unknown) => e as Error,
      );

      // Assess
      expect(error).toMatchObject({ name: 'TransientError', message: expect.stringMatching(message) });
      expect((error?.cause as Error | undefined)?.name).toMatch(/Exception$/);
    },
  );

  it('DeleteBucket: BucketNotEmptyError keeps the service error as its cause', async () => {
    // Prepare
    s3.on(DeleteBucketCommand).rejects(awsError('BucketNotEmpty', { statusCode: 409 }));

    // Act
    const error = await deleteBucket(teardownState()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assess
    expect(error?.name).toBe('BucketNotEmptyError');
    expect((error?.cause as Error).name).toBe('BucketNotEmpty');
  });
});

describe('Teardown tasks: the records they write', () => {
  it('DeleteApplication: names the status it deleted from, and records a vanished application and log group', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));
    kda.on(DeleteApplicationCommand).resolvesOnce({}).rejectsOnce(awsError('ResourceNotFoundException'));
    logs.on(DeleteLogGroupCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const first = await deleteApplication(teardownState());
    const second = await deleteApplication(teardownState({ keepData: true }));

    // Assess
    expect(first.resources).toEqual([
      { kind: 'application', name: 'ticks-demo-app', outcome: 'removed', detail: 'was READY' },
      { kind: 'logGroup', name: '/aws/kinesis-analytics/ticks-demo-app', outcome: 'alreadyGone' },
    ]);
    expect(second.resources).toEqual([
      { kind: 'application', name: 'ticks-demo-app', outcome: 'alreadyGone' },
      {
        kind: 'logGroup',
        name: '/aws/kinesis-analytics/ticks-demo-app',
        outcome: 'kept',
        detail: 'keepData',
      },
    ]);
  });

  it('DeleteApplication: records a missing application and one already DELETING by kind', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .rejectsOnce(awsError('ResourceNotFoundException'))
      .resolvesOnce(appStatus('DELETING'));

    // Act
    const missing = await deleteApplication(teardownState({ keepData: true }));
    const deleting = await deleteApplication(teardownState({ keepData: true }));

    // Assess
    expect(missing.resources[0]).toEqual({
      kind: 'application',
      name: 'ticks-demo-app',
      outcome: 'alreadyGone',
    });
    expect(deleting.resources[0]).toEqual({
      kind: 'application',
      name: 'ticks-demo-app',
      outcome: 'removed',
      detail: 'its deletion was already under way',
    });
  });

  it('DeleteCatalogTables: pages on with the token, skips nameless tables, and deletes nothing when none match', async () => {
    // Prepare
    glue
      .on(GetTablesCommand)
      .resolvesOnce({ TableList: [{ Name: 'ticks_demo_a' }, {} as never], NextToken: 'n2' })
      .resolvesOnce({})
      .resolvesOnce({ TableList: [] });
    glue.on(BatchDeleteTableCommand).resolves({});

    // Act
    const result = await deleteCatalogTables(teardownState());
    const none = await deleteCatalogTables(teardownState());

    // Assess
    const calls = glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input);
    expect(calls[0]).not.toHaveProperty('NextToken');
    expect(calls[1]).toMatchObject({ NextToken: 'n2' });
    expect(result.resources).toEqual([{ kind: 'table', name: 'flinkflow.ticks_demo_a', outcome: 'removed' }]);
    expect(none.resources).toEqual([]);
    expect(glue).toHaveReceivedCommandTimes(BatchDeleteTableCommand, 1);
  });

  it('DeleteCatalogTables: a failure without code or message says so, and an error without a table name is no table’s', async () => {
    // Prepare
    glue.on(GetTablesCommand).resolves({ TableList: [{ Name: 'ticks_demo_a' }] });
    glue
      .on(BatchDeleteTableCommand)
      .resolvesOnce({ Errors: [{ ErrorDetail: { ErrorCode: 'InternalServiceException' } }] })
      .resolvesOnce({ Errors: [{ TableName: 'ticks_demo_a', ErrorDetail: {} }] });

    // Act
    const first = await deleteCatalogTables(teardownState());
    const second = deleteCatalogTables(teardownState());

    // Assess
    expect(first.resources.map((r) => r.outcome)).toEqual(['removed']);
    await expect(second).rejects.toThrow(
      /^Table flinkflow\.ticks_demo_a could not be deleted: no code: no message$/,
    );
  });

  it('DeleteCrawler: asks for its own crawler, and records a crawler missing at the delete', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'c', State: 'READY' } });
    glue.on(DeleteCrawlerCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const result = await deleteCrawler(teardownState(), fakeTime());

    // Assess
    expect(glue).toHaveReceivedCommandWith(GetCrawlerCommand, { Name: 'ticks-demo-crawler' });
    expect(result.resources).toEqual([
      { kind: 'crawler', name: 'ticks-demo-crawler', outcome: 'alreadyGone' },
    ]);
  });

  it('DeleteCrawler: records a crawler missing at the first look by kind, and a READY one as it was', async () => {
    // Prepare
    glue
      .on(GetCrawlerCommand)
      .rejectsOnce(awsError('EntityNotFoundException'))
      .resolves({ Crawler: { Name: 'c', State: 'READY' } });
    glue.on(DeleteCrawlerCommand).resolves({});
    const time = fakeTime();

    // Act
    const missing = await deleteCrawler(teardownState(), time);
    const ready = await deleteCrawler(teardownState(), time);

    // Assess
    expect(missing.resources).toEqual([
      { kind: 'crawler', name: 'ticks-demo-crawler', outcome: 'alreadyGone' },
    ]);
    expect(ready.resources).toEqual([
      { kind: 'crawler', name: 'ticks-demo-crawler', outcome: 'removed', detail: 'was READY' },
    ]);
    expect(time.sleeps).toEqual([]);
    expect(glue).toHaveReceivedCommandTimes(GetCrawlerCommand, 2);
  });

  it('DeleteCrawler: waits out a crawl that is stopping (or a crawler with no state) without stopping it', async () => {
    // Prepare
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { Name: 'c', State: 'STOPPING' } })
      .resolvesOnce({})
      .resolves({ Crawler: { Name: 'c', State: 'READY' } });
    glue.on(DeleteCrawlerCommand).resolves({});

    // Act
    const result = await deleteCrawler(teardownState(), fakeTime());

    // Assess
    expect(glue).not.toHaveReceivedCommand(StopCrawlerCommand);
    expect(result.resources[0]?.detail).toBe('was STOPPING');
    glue.reset();
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({})
      .resolves({ Crawler: { Name: 'c', State: 'READY' } });
    glue.on(DeleteCrawlerCommand).resolves({});
    expect((await deleteCrawler(teardownState(), fakeTime())).resources[0]?.detail).toBe('was UNKNOWN');
  });

  it('DeleteCrawler: stops its own running crawl, and goes on when the crawl had just ended', async () => {
    // Prepare
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { Name: 'c', State: 'RUNNING' } })
      .resolves({ Crawler: { Name: 'c', State: 'READY' } });
    glue.on(StopCrawlerCommand).rejects(awsError('CrawlerNotRunningException'));
    glue.on(DeleteCrawlerCommand).resolves({});

    // Act
    const result = await deleteCrawler(teardownState(), fakeTime());

    // Assess
    expect(glue).toHaveReceivedCommandWith(StopCrawlerCommand, { Name: 'ticks-demo-crawler' });
    expect(result.resources[0]).toMatchObject({ outcome: 'removed', detail: 'its crawl was stopped first' });
  });

  it('DeleteCrawler: says the crawler is still not READY when the wait ends', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'c', State: 'STOPPING' } });

    // Act
    const act = deleteCrawler(teardownState(), { ...fakeTime(), wait: CRAWL_STOP_WAIT });

    // Assess
    await expect(act).rejects.toThrow(
      /^Crawler ticks-demo-crawler is still not READY after its crawl was stopped; retried$/,
    );
  });

  it('DeleteRedeployRule: lists the rule’s targets on its bus, page by page, and skips targets without an id', async () => {
    // Prepare
    events
      .on(ListTargetsByRuleCommand)
      .resolvesOnce({ Targets: [{ Id: 'a', Arn: 'arn:x' }, { Arn: 'arn:y' } as never], NextToken: 'p2' })
      .resolvesOnce({});
    events.on(RemoveTargetsCommand).resolves({});
    events.on(DeleteRuleCommand).resolves({});

    // Act
    const result = await deleteRedeployRule(teardownState());

    // Assess
    const lists = events.commandCalls(ListTargetsByRuleCommand).map((c) => c.args[0].input);
    expect(lists).toEqual([
      { Rule: 'ticks-demo-redeploy', EventBusName: 'default' },
      { Rule: 'ticks-demo-redeploy', EventBusName: 'default', NextToken: 'p2' },
    ]);
    expect(events.commandCalls(RemoveTargetsCommand).map((c) => c.args[0].input.Ids)).toEqual([['a']]);
    expect(result.resources[0]?.detail).toBe('1 target(s) removed first');
  });

  it('DeleteRedeployRule: removes nothing from a rule without targets', async () => {
    // Prepare
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [] });
    events.on(DeleteRuleCommand).resolves({});

    // Act
    const result = await deleteRedeployRule(teardownState());

    // Assess
    expect(events).not.toHaveReceivedCommand(RemoveTargetsCommand);
    expect(result.resources[0]?.detail).toBe('0 target(s) removed first');
  });

  it('DeleteRedeployRule: a rule gone after its targets were removed counts as removed, saying so', async () => {
    // Prepare
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 'a', Arn: 'arn:x' }] });
    events.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    events.on(DeleteRuleCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const result = await deleteRedeployRule(teardownState());

    // Assess
    expect(result.resources).toEqual([
      {
        kind: 'rule',
        name: 'ticks-demo-redeploy',
        outcome: 'removed',
        detail: '1 target(s) removed; the rule was gone after',
      },
    ]);
  });

  it('DeleteRedeployRule: a failed removal without details says so', async () => {
    // Prepare
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 'a', Arn: 'arn:x' }] });
    events.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 1 });

    // Act
    const act = deleteRedeployRule(teardownState());

    // Assess
    await expect(act).rejects.toThrow(
      /^1 target\(s\) of rule ticks-demo-redeploy could not be removed \(no code: no message\); retried$/,
    );
  });

  it('DeleteStream: describes its own stream and records each outcome by kind', async () => {
    // Prepare
    kinesis
      .on(DescribeStreamSummaryCommand)
      .rejectsOnce(awsError('ResourceNotFoundException'))
      .resolvesOnce({ StreamDescriptionSummary: { StreamStatus: 'DELETING' } as never })
      .resolves({});
    kinesis.on(DeleteStreamCommand).resolvesOnce({}).rejectsOnce(awsError('ResourceNotFoundException'));

    // Act
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await deleteStream(teardownState())).resources);

    // Assess
    expect(kinesis).toHaveReceivedCommandWith(DescribeStreamSummaryCommand, {
      StreamName: 'ticks-demo-ticks',
    });
    const name = 'ticks-demo-ticks';
    expect(results).toEqual([
      [{ kind: 'stream', name, outcome: 'alreadyGone' }],
      [{ kind: 'stream', name, outcome: 'removed', detail: 'its deletion was already under way' }],
      [{ kind: 'stream', name, outcome: 'removed', detail: 'was UNKNOWN' }],
      [{ kind: 'stream', name, outcome: 'alreadyGone' }],
    ]);
  });

  it('DeleteBucket and DeleteCsvClassifier: record what was already gone by kind', async () => {
    // Prepare
    s3.on(DeleteBucketCommand).rejects(awsError('NoSuchBucket', { statusCode: 404 }));
    glue.on(DeleteClassifierCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const bucketResult = await deleteBucket(teardownState());
    const classifier = await deleteCsvClassifier(teardownState());

    // Assess
    expect(bucketResult.resources[1]).toEqual({ kind: 'bucket', name: bucket, outcome: 'alreadyGone' });
    expect(classifier.resources).toEqual([
      { kind: 'classifier', name: 'ticks-demo-csv', outcome: 'alreadyGone' },
    ]);
  });
});

describe('Teardown tasks: an application the service shows without a status', () => {
  const statusless = () => {
    // The field is required in the SDK's type but absent in this answer, hence the cast.
    return {
      ApplicationDetail: { ...appStatus('READY').ApplicationDetail, ApplicationStatus: undefined },
    } as never;
  };

  it('It should say UNKNOWN when it deleted it, busy when the delete was refused, and wait to stop it', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(statusless());
    kda.on(DeleteApplicationCommand).resolvesOnce({}).rejectsOnce(awsError('ResourceInUseException'));

    // Act
    const deleted = await deleteApplication(teardownState({ keepData: true }));
    const refused = await caught(deleteApplication(teardownState({ keepData: true })));
    const check = await stopForTeardown(teardownState(), fakeTime());

    // Assess
    expect(deleted.resources[0]?.detail).toBe('was UNKNOWN');
    expect(refused?.message).toBe('Application ticks-demo-app is busy; its deletion is retried');
    expect(check).toMatchObject({ phase: 'STOPPING', status: 'UNKNOWN', initialStatus: 'UNKNOWN' });
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
  });
});

describe('EmptyBucket at its edges', () => {
  const oneVersion = { Versions: [{ Key: 'k', VersionId: 'v' }] };

  it('It should list pages of 1,000 by default and stop after its 40 s budget with more to do', async () => {
    // Prepare: a clock that moves 10 s each time the task reads it.
    s3.on(ListObjectVersionsCommand).resolves(oneVersion);
    s3.on(DeleteObjectsCommand).resolves({});
    let t = Date.parse('2026-11-25T12:00:00Z');
    const now = () => new Date((t += 10_000));

    // Act
    const progress = await emptyBucket(teardownState(), { ...fakeTime(), now });

    // Assess: the budget is read at +10, +20, +30 s (pages) and +40 s (stop).
    expect(s3).toHaveReceivedCommandWith(ListObjectVersionsCommand, { Bucket: bucket, MaxKeys: 1000 });
    expect(progress).toMatchObject({ pages: 3, deleted: 3, more: true });
  });

  it('It should skip listed entries without a key, and keep a version-less key without a VersionId', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: [{ VersionId: 'x' }, { Key: 'plain' }], DeleteMarkers: [{ VersionId: 'y' }] })
      .resolves({});
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(ListMultipartUploadsCommand).resolves({});

    // Act
    const progress = await emptyBucket(teardownState(), fakeTime());

    // Assess
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toStrictEqual([
      { Key: 'plain' },
    ]);
    expect(progress.deleted).toBe(1);
  });

  it('It should abort only the uploads of its bucket that have a key and an id', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({});
    s3.on(ListMultipartUploadsCommand).resolves({
      Uploads: [{ Key: 'no-id' }, { UploadId: 'no-key' }, { Key: 'k', UploadId: 'u' }],
    });
    s3.on(AbortMultipartUploadCommand).resolves({});

    // Act
    await emptyBucket(teardownState(), fakeTime());

    // Assess
    expect(s3).toHaveReceivedCommandWith(ListMultipartUploadsCommand, { Bucket: bucket });
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: bucket, Key: 'k', UploadId: 'u' },
    ]);
  });

  it('It should say so when a failed deletion comes without details', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves(oneVersion);
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{}] });

    // Act
    const act = emptyBucket(teardownState(), fakeTime());

    // Assess
    await expect(act).rejects.toThrow(/e\.g\. \? \(no version\): no code: no message$/);
  });
});

describe('StopApplicationForTeardown at its edges', () => {
  const earlier = (overrides: Partial<ApplicationStopCheck>): ApplicationStopCheck => ({
    phase: 'STOPPING',
    initialStatus: 'RUNNING',
    status: 'STOPPING',
    attempt: 0,
    nextWaitSeconds: 10,
    since: '2026-11-25T12:00:00.000Z',
    ...overrides,
  });

  it('It should not stop again while its own snapshot stop has not shown yet (still RUNNING)', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));

    // Act
    const check = await stopForTeardown(
      teardownState({}, { stop: earlier({ stopRequested: 'snapshot', status: 'RUNNING' }) }),
      fakeTime('2026-11-25T12:01:00.000Z'),
    );

    // Assess
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    expect(check).toMatchObject({ phase: 'STOPPING', stopRequested: 'snapshot', attempt: 1 });
  });

  it('It should not force-stop twice', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STOPPING'));

    // Act
    const check = await stopForTeardown(
      teardownState({ snapshot: false }, { stop: earlier({ stopRequested: 'force' }) }),
      fakeTime('2026-11-25T12:01:00.000Z'),
    );

    // Assess
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    expect(check).toMatchObject({ phase: 'STOPPING', stopRequested: 'force' });
  });

  it('It should wait out a status from which no force stop is accepted (MAINTENANCE)', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('MAINTENANCE'));

    // Act
    const check = await stopForTeardown(teardownState({ snapshot: false }), fakeTime());

    // Assess
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    expect(check.phase).toBe('STOPPING');
  });

  it('It should report STOPPED, absent, when the application vanishes at the stop', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const check = await stopForTeardown(teardownState(), fakeTime());

    // Assess
    expect(check).toMatchObject({ phase: 'STOPPED', status: 'absent' });
  });
});

describe('SummarizeTeardown and ValidateTeardownInput at their edges', () => {
  it('It should say "none" for an application found stopping that this teardown did not stop', async () => {
    // Prepare
    const state: TeardownExecutionState = teardownState(
      {},
      {
        stop: {
          phase: 'STOPPED',
          initialStatus: 'STOPPING',
          status: 'READY',
          attempt: 1,
          nextWaitSeconds: 15,
          since: '2026-11-25T12:00:00Z',
        },
      },
    );

    // Act
    const output = await summarizeTeardown(state);

    // Assess
    expect(output.applicationStop).toEqual({ from: 'STOPPING', how: 'none' });
  });

  const env = { AWS_REGION: ' eu-west-1 ', GLUE_DATABASE: ' flinkflow ', AWS_ACCOUNT_ID: ' 123456789012 ' };

  it('It should trim the deployment variables', async () => {
    // Act
    const { config } = await validateTeardownInput({ pipelineName: 'ticks-demo' }, { env });

    // Assess
    expect(config).toMatchObject({ region: 'eu-west-1', glueDatabase: 'flinkflow', account: '123456789012' });
  });

  it.each([
    ['AWS_REGION', { ...env, AWS_REGION: '  ' }],
    ['GLUE_DATABASE', { ...env, GLUE_DATABASE: '  ' }],
    ['AWS_REGION', { GLUE_DATABASE: 'flinkflow' }],
  ])('It should take a blank or missing %s as not set', async (name, e) => {
    // Act
    const act = validateTeardownInput({ pipelineName: 'ticks-demo' }, { env: e });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining(`Environment variable ${name} is not set`),
    });
  });

  it('It should ask STS when AWS_ACCOUNT_ID is missing, and say what to do when STS gives no account', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolves({});

    // Act
    const act = validateTeardownInput(
      { pipelineName: 'ticks-demo' },
      { env: { AWS_REGION: 'eu-west-1', GLUE_DATABASE: 'flinkflow' } },
    );

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: 'Could not determine the AWS account: set AWS_ACCOUNT_ID or allow sts:GetCallerIdentity.',
    });
  });

  it('It should call a bad input a teardown input in its message', async () => {
    // Act
    const act = validateTeardownInput({ pipelineName: 'X' }, { env });

    // Assess
    await expect(act).rejects.toThrow(/^Invalid teardown input \(1 problem\): pipelineName/);
  });
});
