import '../support/quiet-logs';
import {
  CreateCrawlerCommand,
  GlueClient,
  StartCrawlerScheduleCommand,
  UpdateCrawlerCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler, run } from '../../lambdas/create-crawler';
import { logger } from '../../lambdas/shared/logger';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const glue = mockClient(GlueClient);

const desired = {
  Name: 'ticks-demo-crawler',
  Role: 'arn:aws:iam::123456789012:role/flinkflow-crawler',
  DatabaseName: 'flinkflow',
  Targets: {
    S3Targets: [
      {
        Path: 's3://flinkflow-ticks-demo-123456789012-eu-west-1/output/',
        Exclusions: ['**/_SUCCESS', '**/.*', '**/*.inprogress*', '**/_temporary/**'],
      },
    ],
  },
  Schedule: 'cron(0/15 * * * ? *)',
  TablePrefix: 'ticks_demo_',
  SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
};

describe('CreateCrawler', () => {
  beforeEach(() => {
    glue.reset();
  });

  it('It should create the crawler on the output path with exclusions, combined schemas and the schedule', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(StartCrawlerScheduleCommand).rejects(awsError('SchedulerRunningException'));

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({
      crawlerName: 'ticks-demo-crawler',
      created: true,
      schedule: 'cron(0/15 * * * ? *)',
    });
    expect(glue).toHaveReceivedCommandWith(CreateCrawlerCommand, {
      ...desired,
      Tags: { 'flinkflow:pipeline': 'ticks-demo' },
    });
    const configuration = JSON.parse(
      glue.commandCalls(CreateCrawlerCommand)[0]?.args[0].input.Configuration ?? '{}',
    );
    expect(configuration).toEqual({
      Version: 1,
      Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: 2 },
      CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
    });
  });

  it('It should update an existing crawler to the desired configuration and start its schedule', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).resolves({});
    glue.on(StartCrawlerScheduleCommand).resolves({});

    // Act
    const result = await run(testState({}, { crawlSchedule: 'cron(0 * * * ? *)' }));

    // Assess
    expect(result).toEqual({
      crawlerName: 'ticks-demo-crawler',
      created: false,
      schedule: 'cron(0 * * * ? *)',
    });
    expect(glue).toHaveReceivedCommandWith(UpdateCrawlerCommand, {
      ...desired,
      Schedule: 'cron(0 * * * ? *)',
    });
    expect(glue).toHaveReceivedCommandWith(StartCrawlerScheduleCommand, {
      CrawlerName: 'ticks-demo-crawler',
    });
  });

  it('It should retry (TransientError) when the existing crawler is running and cannot be updated', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).rejects(awsError('CrawlerRunningException'));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringMatching(/is running/),
    });
  });

  it('It should retry (TransientError) while the schedule is transitioning', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(StartCrawlerScheduleCommand).rejects(awsError('SchedulerTransitioningException'));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it.each([
    ['OperationTimeoutException', 400],
    ['ThrottlingException', 400],
    ['InternalServiceException', 500],
  ])('It should turn %s into a TransientError', async (code, statusCode) => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError(code, { statusCode }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it.each([
    'InvalidInputException',
    'EntityNotFoundException',
    'ResourceNumberLimitExceededException',
    'AccessDeniedException',
  ])('It should pass %s through unchanged', async (code) => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError(code));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: code });
  });

  it('It should pass NoScheduleException from StartCrawlerSchedule through unchanged', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(StartCrawlerScheduleCommand).rejects(awsError('NoScheduleException'));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'NoScheduleException' });
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(StartCrawlerScheduleCommand).resolves({});

    // Act
    const result = await handler(testState(), fakeLambdaContext());

    // Assess
    expect(result.created).toBe(true);
  });

  it('It should describe what the crawler catalogs and recrawl every folder, since files land in existing partitions', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(StartCrawlerScheduleCommand).resolves({});

    // Act
    await run(testState());

    // Assess
    expect(glue).toHaveReceivedCommandWith(CreateCrawlerCommand, {
      Description:
        'flinkflow pipeline ticks-demo: catalogs s3://flinkflow-ticks-demo-123456789012-eu-west-1/output/',
      RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVERYTHING' },
    });
  });

  it('It should log the update of an existing crawler, and keep the service error as the cause of a running one', async () => {
    // Prepare
    const info = jest.spyOn(logger, 'info');
    const running = awsError('CrawlerRunningException');
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).rejects(running);

    try {
      // Act / Assess
      await expect(run(testState())).rejects.toMatchObject({
        message: 'Crawler ticks-demo-crawler is running; it can be updated once the crawl ends',
        cause: running,
      });
      expect(info).toHaveBeenCalledWith('crawler exists; updating it to the desired configuration', {
        crawlerName: 'ticks-demo-crawler',
      });
    } finally {
      info.mockRestore();
    }
  });

  it('It should pass another UpdateCrawler error through unchanged', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).rejects(awsError('InvalidInputException'));

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({ name: 'InvalidInputException' });
    expect(glue).not.toHaveReceivedCommand(StartCrawlerScheduleCommand);
  });

  it('It should say that the schedule is changing state, keeping the service error', async () => {
    // Prepare
    const transitioning = awsError('SchedulerTransitioningException');
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(StartCrawlerScheduleCommand).rejects(transitioning);

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      message: 'The schedule of crawler ticks-demo-crawler is changing state',
      cause: transitioning,
    });
  });
});
